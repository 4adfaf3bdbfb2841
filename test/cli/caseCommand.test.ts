/** `spikegrad case`: case files from a topology with seeded weights, or a model, and an input. */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCaseFile } from '../../src/network/caseFile.js';
import { runCli } from '../support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'spikegrad-case-cli-'));
const TINY = 'examples/tiny.topology.json';

describe('spikegrad case', () => {
  it('writes a seeded case that check runs and finds equal; the same seed gives the same bytes', () => {
    const out = join(dir, 'tiny.case.json');
    const r = runCli(['case', '--topology', TINY, '--seed', '4', '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const c = readCaseFile(out);
    expect(c.input.length).toBe(28 * 28);
    expect(Math.max(...c.input)).toBeLessThanOrEqual(255);
    expect(new Set(c.input).size).toBeGreaterThan(100);
    const again = join(dir, 'again.case.json');
    expect(runCli(['case', '--topology', TINY, '--seed', '4', '--out', again]).status).toBe(0);
    expect(readFileSync(again).equals(readFileSync(out))).toBe(true);
    expect(runCli(['case', '--topology', TINY, '--seed', '5', '--out', again]).status).toBe(0);
    expect(readFileSync(again).equals(readFileSync(out))).toBe(false);
    const check = runCli(['check', out, '--workers', '2', '--shard-threshold', '0']);
    expect(check.status).toBe(0);
    expect(check.stdout).toMatch(/matches the integer ANN exactly/);
  });

  it('takes an image of a data set, its label as the target', () => {
    const out = join(dir, 'mnist3.case.json');
    expect(runCli(['case', '--topology', TINY, '--input', 'test:3', '--out', out]).status).toBe(0);
    const c = readCaseFile(out);
    expect(c.target).toBe(0); // MNIST test image 3 is a 0
    expect(c.input.filter((x) => x === 0).length).toBeGreaterThan(400);
  });

  it.each([
    [['case'], /--out: expected the case file to write, found nothing/],
    [['case', '--out', join(dir, 'x.json'), '--input', 'test:abc'], /--input: expected random, test:<i> or train:<i>, found "test:abc"/],
    [['case', '--out', join(dir, 'x.json'), '--input', 'test:99999'], /--input test:99999: expected an index below 10000 \(the test set of mnist\), found 99999/],
    [['case', '--out', join(dir, 'x.json'), '--model', 'm.safetensors', '--topology', 'mnist'], /--model: the network comes from the model; leave out --topology and --theta/],
    [['case', '--out', join(dir, 'x.json'), '--dataset', 'fashion-mnist'], /--dataset: only used with --input test:<i> or train:<i>/],
    [['case', '--out', join(dir, 'x.json'), '--topology', TINY, '--target', '10'], /--target: expected a class index from 0 to 9, found 10/],
  ])('refuses %j with exit 2 and the reason', (args, pattern) => {
    const r = runCli(args as string[]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(pattern as RegExp);
  });
});
