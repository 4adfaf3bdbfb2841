/** Every bad-input class of the case format produces an error naming the field and what was wrong. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { caseToJson, parseCase, readCaseFile } from '../../src/network/caseFile.js';

const example = (): Record<string, any> => JSON.parse(readFileSync('examples/small.case.json', 'utf8'));

function expectError(mutate: (c: Record<string, any>) => void, pattern: RegExp): void {
  const c = example();
  mutate(c);
  expect(() => parseCase(c, 'bad.json')).toThrow(InputError);
  expect(() => parseCase(c, 'bad.json')).toThrow(pattern);
}

describe('spikegrad-case/1 parsing', () => {
  it('reads the bundled example and round-trips it through caseToJson', () => {
    const c = readCaseFile('examples/small.case.json');
    expect(c.network.layers.map((l) => l.outShape)).toEqual([[2, 6, 6], [2, 3, 3], [18, 1, 1], [4, 1, 1], [3, 1, 1]]);
    expect(parseCase(caseToJson(c))).toEqual(c);
  });

  it('accepts nested input arrays in [c][y][x] order', () => {
    const c = example();
    const flat = c.input as number[];
    c.input = [[0, 1, 2, 3, 4, 5].map((y) => flat.slice(6 * y, 6 * y + 6))];
    expect(Array.from(parseCase(c).input)).toEqual(flat);
  });

  it.each([
    ['wrong format', (c: any) => (c.format = 'spikegrad-case/2'), /bad\.json: format: expected "spikegrad-case\/1", found "spikegrad-case\/2"/],
    ['unknown kind', (c: any) => (c.layers[1].kind = 'maxpool'), /layers\[1\]\.kind.*found "maxpool"/],
    ['missing theta', (c: any) => delete c.layers[0].theta, /layers\[0\]\.theta.*found nothing/],
    ['non-integer weight', (c: any) => (c.layers[0].weights[4] = 1.5), /layers\[0\]\.weights\[4\]: expected a safe integer, found 1\.5/],
    ['string in the input', (c: any) => (c.input[3] = '7'), /input\[3\]: expected an integer, found "7"/],
    ['too few weights', (c: any) => c.layers[3].weights.pop(), /layers\[3\]\.weights: expected 72 integers \(4x18 \[out\]\[in\]\), found 71/],
    ['too many biases', (c: any) => c.layers[0].bias.push(1), /layers\[0\]\.bias: expected 2 integers, found 3/],
    ['kernel larger than the padded input', (c: any) => { c.layers[0].kernel = 9; c.layers[0].weights = new Array(2 * 81).fill(0); }, /layers\[0\]\.kernel: kernel 9 is larger than the padded input 8x8/],
    ['pooling window larger than the input', (c: any) => (c.layers[1].size = 7), /layers\[1\]\.size: pooling window 7x7 is larger than the input 6x6/],
    ['theta ≤ 0', (c: any) => (c.layers[3].theta = 0), /layers\[3\]\.theta: .*found 0/],
    ['thetaBp negative', (c: any) => (c.layers[1].thetaBp = -2), /layers\[1\]\.thetaBp: .*found -2/],
    ['target out of range', (c: any) => (c.target = 3), /target: expected a class index from 0 to 2, found 3/],
    ['input count', (c: any) => c.input.push(0), /input: expected 36 integers .*found 37/],
    ['classification layer not dense', (c: any) => c.layers.splice(3, 2), /layers\[2\]\.kind: the last layer is the classification layer and must be "dense", found "flatten"/],
    ['conv2d on a flat input', (c: any) => (c.inputShape = [36]), /layers\[0\]\.kind: conv2d needs a \[channels, height, width\] input/],
    ['missing weights', (c: any) => { delete c.layers[4].weights; delete c.layers[4].bias; }, /layers\[4\]\.weights: expected an array of integers, found nothing/],
  ])('%s', (_name, mutate, pattern) => expectError(mutate, pattern));

  it('names the file when it is not JSON', () => {
    expect(() => readCaseFile('vitest.config.ts')).toThrow(/vitest\.config\.ts: not valid JSON/);
    expect(() => readCaseFile('no/such.json')).toThrow(/no\/such\.json: cannot read the case file/);
  });
});
