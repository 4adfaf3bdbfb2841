/** The kernel on its own, with no actor, bus or order: integrate, residual, error compartment, increments. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NeuronLayerKernel } from '../../src/actors/kernels/neuronLayer.js';
import { neuronRule, type NeuronRule, type VariantName } from '../../src/actors/kernels/neuronRule.js';
import { forwardRows } from '../../src/actors/kernels/forwardRows.js';
import { residualSpike, standardSpike } from '../../src/actors/kernels/spikeFunctions.js';
import { biasIndex, forEachConnection } from '../../src/network/connectivity.js';
import { sizeOf } from '../../src/network/topology.js';
import { spikeCaseArbitrary } from '../../src/verify/properties/arbitraries.js';
import { parseCase } from '../../src/network/caseFile.js';
import { Packet, type SpikeSink } from '../../src/streams/packet.js';
import type { NeuronLayer } from '../../src/network/topology.js';

const net = parseCase({
  format: 'spikegrad-case/1',
  inputShape: [2],
  layers: [
    { kind: 'dense', units: 2, activation: 'relu', theta: 4, thetaBp: 2, weights: [2, 1, -1, 3], bias: [1, 0] },
    { kind: 'dense', units: 2, theta: 5, thetaBp: 10, weights: [1, 2, 3, -1], bias: [0, 1] },
  ],
  input: [3, -1],
  target: 0,
  alpha: 10,
}).network;
const [hidden, top] = net.layers as NeuronLayer[];

const collect = (): SpikeSink & { spikes: [number, number][] } => {
  const spikes: [number, number][] = [];
  return { spikes, push: (i, v) => spikes.push([i, v]) };
};
const packet = (...events: [number, number][]) => {
  const p = new Packet(8);
  for (const [i, v] of events) p.push(i, v);
  return p;
};

describe('NeuronLayerKernel', () => {
  it('single policy: one evaluation per incoming event, the rest in the residual phase', () => {
    const k = new NeuronLayerKernel(hidden, { policy: 'single', isTop: false, upper: top });
    k.resetForward();
    expect(Array.from(k.V)).toEqual([1, 0]); // V starts at the bias
    const out = collect();
    k.integrateForward(packet([0, 3], [1, -1]), out); // V0: 1 + 6 → fires once → 3; then −1 → 2
    expect(out.spikes).toEqual([[0, 1]]);
    expect(Array.from(k.V)).toEqual([2, -6]); // relu neuron 1 at −6 with S = 0 stays silent
    k.residualForward(out); // 2V = 4 = Θ and S = 1 ≥ 0: fires +1 to V = −2; then 2V = −Θ but S > 0 … relu: −1 needs S ≤ 0
    expect(out.spikes).toEqual([[0, 1], [0, 1]]);
    expect(Array.from(k.S)).toEqual([2, 0]);
    expect(k.accumulations).toBe(4);
  });

  it('burst policy fires until quiet on each event, same accumulated result', () => {
    const k = new NeuronLayerKernel(hidden, { policy: 'burst', isTop: false, upper: top });
    k.resetForward();
    const out = collect();
    k.integrateForward(packet([0, 3], [1, -1]), out);
    k.residualForward(out);
    expect(Array.from(k.S)).toEqual([2, 0]);
  });

  it('f′ = 0 neurons never fire errors; f′ = 1 neurons fire, send δ down and accumulate increments', () => {
    const k = new NeuronLayerKernel(hidden, { policy: 'single', isTop: false, upper: top });
    k.resetForward();
    k.integrateForward(packet([0, 3], [1, -1]), collect());
    k.residualForward(collect());
    k.startBackward(Float64Array.from([3, -1]));
    expect(Array.from(k.fPrime)).toEqual([1, 0]);
    const out = collect();
    // Top error spikes E = [−7, 7] arrive as 7 spikes each: U = [1·(−7) + 3·7, 2·(−7) − 1·7] = [14, −21]
    for (let n = 0; n < 7; n++) k.integrateBackward(packet([0, -1], [1, 1]), out);
    k.residualBackward(out);
    expect(Array.from(k.E)).toEqual([7, 0]);
    expect(Array.from(k.U)).toEqual([0, -21]); // the gated neuron keeps its U and never fires
    expect(out.spikes.every(([i]) => i === 0)).toBe(true);
    expect(Array.from(k.dW)).toEqual([-21, 7, 0, 0]);
    expect(Array.from(k.db)).toEqual([-7, 0]);
  });

  it('a shard owns only its neurons and reports global indices', () => {
    const k = new NeuronLayerKernel(hidden, { policy: 'single', isTop: false, upper: top, lo: 1, hi: 2 });
    k.resetForward();
    expect(Array.from(k.V)).toEqual([0]);
    const out = collect();
    k.integrateForward(packet([0, 3], [1, 5]), out); // neuron 1: −3 + 15 = 12 → fires thrice over the two events? once per event
    expect(out.spikes.every(([i]) => i === 1)).toBe(true);
  });

  it('the classification layer integrates but never emits forward spikes', () => {
    const k = new NeuronLayerKernel(top, { policy: 'burst', isTop: true, upper: null });
    k.resetForward();
    const out = collect();
    k.integrateForward(packet([0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1]), out);
    k.residualForward(out);
    expect(out.spikes).toEqual([]);
    expect(Array.from(k.V)).toEqual([6, 19]);
  });

  it('an event that sends many convolution targets over ±Θ: they fire in increasing neuron index, a shard by channels emits its part of the same list', () => {
    // 1×6×6 → 30×4×4 (3×3 kernel): an input of the middle reaches 9 positions × 30 channels, and with
    // a value of 40 every target with a non-zero weight crosses ±Θ (the counting sort by channel).
    const channels = 30, taps = 9;
    const weights = Array.from({ length: channels * taps }, (_, k) => ((k * 7 + Math.floor(k / taps)) % 5) - 2);
    const conv = parseCase({
      format: 'spikegrad-case/1',
      inputShape: [1, 6, 6],
      layers: [
        { kind: 'conv2d', channels, kernel: 3, activation: 'linear', theta: 16, thetaBp: 4, weights, bias: Array.from({ length: channels }, (_, c) => (c % 3) - 1) },
        { kind: 'flatten' },
        { kind: 'dense', units: 2, theta: 5, thetaBp: 4, weights: Array.from({ length: 2 * channels * 16 }, () => 1), bias: [0, 0] },
      ],
      input: Array.from({ length: 36 }, () => 0),
      target: 0,
      alpha: 10,
    }).network;
    const layer = conv.layers[0] as NeuronLayer;
    const event = packet([2 * 6 + 3, 40]);
    const whole = new NeuronLayerKernel(layer, { policy: 'single', isTop: false, upper: null });
    whole.resetForward();
    const out = collect();
    whole.integrateForward(event, out);
    // Fresh potentials b + 40·w: every neuron at or past ±Θ fires once, in index order.
    const expected: number[] = [];
    for (let i = 0; i < whole.V.length; i++) if (Math.abs(whole.V[i] + 16 * whole.S[i]) >= 16) expected.push(i);
    expect(expected.length).toBeGreaterThan(100);
    expect(out.spikes.map(([i]) => i)).toEqual(expected);
    expect(out.spikes.every(([i, s]) => s === Math.sign(whole.S[i]) && Math.abs(whole.S[i]) === 1)).toBe(true);
    const parts = [[0, 7], [7, 19], [19, 30]].flatMap(([from, to]) => {
      const shard = new NeuronLayerKernel(layer, { policy: 'single', isTop: false, upper: null, lo: from * 16, hi: to * 16 });
      shard.resetForward();
      const part = collect();
      shard.integrateForward(event, part);
      return part.spikes;
    });
    expect(parts).toEqual(out.spikes);
  });

  it('single policy, every layer kind and rule: the spikes and potentials of the plain statement (each target of an event once, then its standard function, in neuron order; then the residual phase)', () => {
    // Not residual-tie=none: a neuron at exactly ±Θ/2 fires back and forth forever there (the kernel refuses it).
    const rules: VariantName[] = ['paper', 'threshold=strict', 'relu-negative=off', 'residual-tie=strict'];
    const scenario = spikeCaseArbitrary({ maxHidden: 3 }).chain((c) => {
      const layers = c.network.layers.filter((l): l is NeuronLayer => l.kind !== 'flatten');
      return fc.record({
        layer: fc.constantFrom(...layers),
        rule: fc.constantFrom(...rules),
        events: fc.array(fc.tuple(fc.nat(), fc.integer({ min: -6, max: 6 }).filter((x) => x !== 0)), { minLength: 1, maxLength: 60 }),
      });
    });
    let fired = 0;
    fc.assert(
      fc.property(scenario, ({ layer, rule, events }) => {
        fired += plainStatementHolds(layer, neuronRule(rule), events, [events.length]);
      }),
      { numRuns: 400, seed: 11 },
    );
    expect(fired).toBeGreaterThan(1000);
  });

  it('a wide convolution on int32 potentials, kept or left for float64 mid-example (packets past the allowance of large weights): the plain statement still', () => {
    // 16×12×12 → 24×8×8, 5×5: channels last in a row memory, so int32 compartments. Weights up to
    // 2^24 or 2^26 leave an allowance of about 2^7 or 2^5 in Σ|x|; up to 2^12, of about 2^19 (never left here).
    const scenario = fc.record({
      bits: fc.constantFrom(4, 12, 24, 26),
      seed: fc.integer(),
      rule: fc.constantFrom<VariantName>('paper', 'threshold=strict', 'relu-negative=off'),
      relu: fc.boolean(),
      // Random events, or one source sending the same value again and again (so that potentials below
      // a relu neuron's reach drift without bound: past 2^31 where the int32 compartments were not left).
      events: fc.oneof(
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: -6, max: 6 }).filter((x) => x !== 0)), { minLength: 30, maxLength: 120 }),
        fc.tuple(fc.nat(), fc.constantFrom(-6, 6), fc.integer({ min: 30, max: 120 })).map(([j, x, n]) => Array.from({ length: n }, (): [number, number] => [j, x])),
      ),
      cuts: fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 6 }),
    });
    let narrowed = 0, widened = 0, fired = 0;
    fc.assert(
      fc.property(scenario, ({ bits, seed, rule, relu, events, cuts }) => {
        let s = seed | 0;
        const draw = (max: number) => ((((s = (Math.imul(s, 1103515245) + 12345) | 0) >>> 0) / 2 ** 32) * (2 * max + 1) | 0) - max;
        const wMax = 2 ** bits, channels = 24, inChannels = 16;
        const network = parseCase({
          format: 'spikegrad-case/1',
          inputShape: [inChannels, 12, 12],
          layers: [
            { kind: 'conv2d', channels, kernel: 5, activation: relu ? 'relu' : 'linear', theta: Math.max(1, Math.abs(draw(2 * wMax))), thetaBp: 4,
              weights: Array.from({ length: channels * inChannels * 25 }, () => draw(wMax)), bias: Array.from({ length: channels }, () => draw(wMax)) },
            { kind: 'flatten' },
            { kind: 'dense', units: 2, theta: 5, thetaBp: 4, weights: Array.from({ length: 2 * channels * 64 }, () => 1), bias: [0, 0] },
          ],
          input: Array.from({ length: inChannels * 144 }, () => 0),
          target: 0,
          alpha: 10,
        }).network;
        const conv = network.layers[0] as NeuronLayer;
        const rows = forwardRows(conv, 0, sizeOf(conv.outShape));
        expect(rows.narrow).not.toBeNull();
        const allowance = rows.narrow!.allowance;
        // Where the packets' Σ|x| passes the allowance, the kernel leaves the int32 compartments at that packet.
        const total = events.reduce((t, [, x]) => t + Math.abs(x), 0);
        if (total > allowance) widened++;
        else narrowed++;
        fired += plainStatementHolds(conv, neuronRule(rule), events, cuts);
      }),
      { numRuns: 40, seed: 12 },
    );
    expect(narrowed).toBeGreaterThan(10);
    expect(widened).toBeGreaterThan(5);
    expect(fired).toBeGreaterThan(1000);
  });
});

/**
 * The kernel's single policy against the plain statement of the rule: each event adds x·w to every
 * target it reaches, then each of those targets, in neuron order, evaluates its standard function;
 * then the residual phase, neuron by neuron. The events arrive in packets of the sizes `cuts` (the
 * last one repeated). Returns the spikes fired.
 */
function plainStatementHolds(layer: NeuronLayer, rule: NeuronRule, events: [number, number][], cuts: number[]): number {
  const inputs = sizeOf(layer.inShape), n = sizeOf(layer.outShape);
  const reached: [number, number][][] = Array.from({ length: inputs }, () => []);
  forEachConnection(layer, (from, to, param) => reached[from].push([to, layer.kind === 'avgpool' ? layer.weight : layer.weights[param]]));
  for (const row of reached) row.sort((a, b) => a[0] - b[0]);
  const relu = layer.activation === 'relu';
  const theta = layer.theta, fireAt = theta + (rule.threshold === 'strict' ? 1 : 0);
  const V = Float64Array.from({ length: n }, (_, i) => (layer.kind === 'avgpool' ? 0 : layer.bias[biasIndex(layer, i)]));
  const S = new Float64Array(n);
  const expected: [number, number][] = [];
  const packets: Packet[] = [];
  let p = new Packet(events.length);
  for (const [source, x] of events) {
    if (p.length === cuts[Math.min(packets.length, cuts.length - 1)]) {
      packets.push(p);
      p = new Packet(events.length);
    }
    const j = source % inputs;
    p.push(j, x);
    for (const [i, w] of reached[j]) V[i] += x * w;
    for (const [i] of reached[j]) {
      const spike = standardSpike(V[i], fireAt, S[i], relu, rule.reluNegative);
      if (spike === 0) continue;
      V[i] -= spike * theta;
      S[i] += spike;
      expected.push([i, spike]);
    }
  }
  packets.push(p);
  const kernel = new NeuronLayerKernel(layer, { policy: 'single', isTop: false, upper: null, rule });
  kernel.resetForward();
  const out = collect();
  for (const packet of packets) kernel.integrateForward(packet, out);
  expect(out.spikes).toEqual(expected);
  expect(Array.from(kernel.V)).toEqual(Array.from(V));
  expect(Array.from(kernel.S)).toEqual(Array.from(S));
  // Then the residual phase: each neuron in order, until its residual function returns 0.
  for (let i = 0; i < n; i++) {
    for (let r = residualSpike(V[i], theta, S[i], relu, rule.reluNegative, rule.residualTie); r !== 0; r = residualSpike(V[i], theta, S[i], relu, rule.reluNegative, rule.residualTie)) {
      V[i] -= r * theta;
      S[i] += r;
      expected.push([i, r]);
    }
  }
  kernel.residualForward(out);
  expect(out.spikes).toEqual(expected);
  expect(Array.from(kernel.V)).toEqual(Array.from(V));
  expect(Array.from(kernel.S)).toEqual(Array.from(S));
  return expected.length;
}

