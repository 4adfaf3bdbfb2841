import { describe, expect, it } from 'vitest';
import { IntegerAnn } from '../../src/equivalence/integerAnn.js';
import { assertExactRange, computeBounds, SampleRangeGuard } from '../../src/equivalence/rangeGuard.js';
import type { NeuronLayer } from '../../src/network/topology.js';
import { DEEP_INPUT, deepChain } from '../support/deepChain.js';
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
    expect(() => new IntegerAnn(bad.network, 'static').run(bad.input, 0, 10)).toThrow(/layer 1 \(dense\): the potential bound .* exceeds 2\^53 − 1 .* by a factor of \d+\.\d+/);
    // Its own values stay inside (the second unit is silent: 2^21 · 2^31 = 2^52): checked per example, it runs.
    expect(runAnnCase(bad).layers[1].V).toEqual([2 ** 52, -(2 ** 31)]);
    // Twice the weights: its own values leave the range too, and the per-example check refuses it as well.
    const worse = twoLayer(2 ** 22, 1, 2 ** 10);
    expect(() => runAnnCase(worse)).toThrow(RangeGuardError);
    expect(() => runAnnCase(worse)).toThrow(/layer 1 \(dense\): the potential of this example could reach 1\.801e\+16 \(bounded from the values that arrived\), beyond 2\^53 − 1 .* by a factor of 2\.000/);
  });

  it('per example: admits a deep network whose worst case compounds out of range but whose values stay small', () => {
    const net = deepChain();
    expect(() => assertExactRange(net, 3, 10)).toThrow(RangeGuardError);
    expect(() => new IntegerAnn(net, 'static').run(DEEP_INPUT, 1, 10)).toThrow(/layer \d+ \(dense\): the (potential|error compartment) bound .* exceeds 2\^53 − 1/);
    const auto = new IntegerAnn(net);
    auto.run(DEEP_INPUT, 1, 10);
    expect(auto.checksPerExample).toBe(true);
    // The same values as with the check asked for from the start, and as the reference (integers well inside the range).
    const sample = new IntegerAnn(net, 'sample');
    sample.run(DEEP_INPUT, 1, 10);
    expect(sample.state.map((s) => Array.from(s.S))).toEqual(auto.state.map((s) => Array.from(s.S)));
    expect(sample.state.map((s) => Array.from(s.dW))).toEqual(auto.state.map((s) => Array.from(s.dW)));
    expect(Math.max(...auto.state.map((s) => Math.max(...s.a.map(Math.abs))))).toBeLessThan(2 ** 30);
  });

  it('per example: bounds a potential by |b| + Σ|w|·|S below| of the values that arrived, and refuses past 2^53', () => {
    const guard = new SampleRangeGuard(twoLayer(3, 1, 1).network.layers as NeuronLayer[], [0, 1]);
    // |w| rows: [3, 3, 3], [3, 0, 3]; biases 0, 1; |x| = 2, 0, 5.
    expect(Array.from(guard.forward(0, [2, 0, -5], false))).toEqual([3 * 2 + 3 * 5, 1 + 3 * 2 + 3 * 5]);
    const big = twoLayer(2 ** 51, 1, 1).network.layers as NeuronLayer[];
    const g = new SampleRangeGuard(big, [0, 1]);
    expect(() => g.forward(0, [1, 0, 0])).not.toThrow();
    expect(() => g.forward(0, [3, 1, 1])).toThrow(/layer 0 \(dense\): the potential of this example could reach 1\.126e\+16/);
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
