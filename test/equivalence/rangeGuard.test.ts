import { describe, expect, it } from 'vitest';
import { IntegerAnn } from '../../src/equivalence/integerAnn.js';
import { assertExactRange, computeBounds } from '../../src/equivalence/rangeGuard.js';
import { RangeGuardError } from '../../src/errors.js';
import { parseCase } from '../../src/network/caseFile.js';
import { runAnnCase } from '../../src/equivalence/layerResults.js';

const twoLayer = (w: number, theta: number, input: number) =>
  parseCase({
    format: 'spikegrad-case/1',
    inputShape: [3],
    layers: [
      { kind: 'dense', units: 2, activation: 'relu', theta, thetaBp: 1, weights: [w, w, w, -w, 0, w], bias: [0, 1] },
      { kind: 'dense', units: 2, theta: 1, thetaBp: 1, weights: [w, 1, -1, w], bias: [0, 0] },
    ],
    input: [input, input, -input],
    target: 0,
    alpha: 10,
  });

describe('range guard', () => {
  it('bounds potentials by |b| + Σ|w|·max|input|, layer by layer', () => {
    const c = twoLayer(5, 2, 7);
    const b = computeBounds(c.network, 7, 10);
    expect(b[0].potential).toBe(3 * 5 * 7); // first neuron: 0 + 3·5·7
    expect(b[0].activation).toBe(53); // round(105 / 2) = 52.5 → 53
    // second hidden neuron: 1 + 5·7·2 = 71 → round(71/2) = 36; top: max(5·53 + 1·36, 1·53 + 5·36)
    expect(b[1].potential).toBe(5 * 53 + 36);
    expect(b[1].errorSum).toBe(10); // α·Θbp
  });

  it('accepts a network at the edge and refuses one just past it, naming the layer and the factor', () => {
    // layer 1 potential ≈ 6·round(3·w·x / Θ): choose w so it crosses 2^53.
    const ok = twoLayer(2 ** 20, 1, 2 ** 10);
    expect(() => assertExactRange(ok.network, 2 ** 10, 10)).not.toThrow();
    const bad = twoLayer(2 ** 21, 1, 2 ** 10);
    expect(() => runAnnCase(bad)).toThrow(RangeGuardError);
    expect(() => runAnnCase(bad)).toThrow(/layer 1 \(dense\): the potential bound .* exceeds 2\^53 − 1 .* by a factor of \d+\.\d+/);
  });

  it('refuses a mini-batch whose summed increments could overflow', () => {
    const c = twoLayer(2 ** 12, 1, 2 ** 12);
    const inc = Math.max(...computeBounds(c.network, 2 ** 12, 10).map((b) => b.increment));
    const limit = Math.floor(Number.MAX_SAFE_INTEGER / inc);
    expect(limit).toBeGreaterThan(1);
    const ann = new IntegerAnn(c.network);
    expect(() => assertExactRange(c.network, 2 ** 12, 10, limit)).not.toThrow();
    expect(() => assertExactRange(c.network, 2 ** 12, 10, limit + 1)).toThrow(/weight increment \(\d+ examples\)/);
    ann.run(c.input, 0, 10);
  });
});
