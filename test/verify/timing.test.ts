/**
 * Timing studies: hand-worked latencies, barriers that do and do not change results, the plain
 * integrate-and-fire network that barrier none runs, and a study report independent of the workers.
 */
import { describe, expect, it } from 'vitest';
import { parseBarrier } from '../../src/actors/barrier.js';
import type { SpikePolicy } from '../../src/actors/kernels/neuronLayer.js';
import { standardSpike } from '../../src/actors/kernels/spikeFunctions.js';
import { SpikingNetwork } from '../../src/actors/spikingNetwork.js';
import { runAnnCase } from '../../src/equivalence/layerResults.js';
import { compareResults } from '../../src/equivalence/compare.js';
import { topErrorCompartment } from '../../src/equivalence/topError.js';
import { buildNetwork } from '../../src/network/build.js';
import type { SpikeCase } from '../../src/network/caseFile.js';
import type { DenseLayer } from '../../src/network/topology.js';
import { Rng } from '../../src/random.js';
import { parseInputTiming } from '../../src/streams/timing/inputTiming.js';
import { parseLatency } from '../../src/streams/timing/latency.js';
import { initNetwork } from '../../src/network/init.js';
import { imageAt } from '../../src/train/data/dataset.js';
import { loadDataset } from '../../src/train/data/sources.js';
import { timingStudy } from '../../src/verify/timing/study.js';
import { tinyMnistTopology } from '../support/tinyTopology.js';

/**
 * x = 2 into one relu neuron (w 3, Θ 2: a = 6, S = 3) into two classes (w [1, 0], bias [0, 1]).
 * With every delay D: the input arrives at 0; the hidden neuron fires once at 0 (one event: single
 * policy) and twice in its residual phase at 0; all three spikes reach the top at D, so the
 * prediction turns from class 1 (the bias) to class 0 at D. The top error starts at D, its error
 * spikes reach the hidden layer at 2D.
 */
const handWorked: SpikeCase = {
  network: buildNetwork(
    {
      inputShape: [1],
      layers: [
        { kind: 'dense', units: 1, activation: 'relu', theta: 2, thetaBp: 1 },
        { kind: 'dense', units: 2, activation: 'linear', theta: 1, thetaBp: 1 },
      ],
    },
    [
      { weights: Float64Array.of(3), bias: Float64Array.of(0) },
      { weights: Float64Array.of(1, 0), bias: Float64Array.of(0, 1) },
    ],
  ),
  input: Float64Array.of(2),
  target: 1,
  alpha: 4,
};

async function run(c: SpikeCase, options: { latency: string; barrier?: string; policy?: SpikePolicy; input?: string; seed?: number }) {
  const snn = new SpikingNetwork(c.network, {
    latency: parseLatency(options.latency),
    barrier: parseBarrier(options.barrier ?? 'exact'),
    inputTiming: parseInputTiming(options.input ?? 'zero'),
    policy: options.policy ?? 'single',
    seed: options.seed ?? 1,
  });
  try {
    const result = await snn.runExample(c.input, c.target, c.alpha);
    const increments = await snn.increments();
    return { layers: result.layers.map((l, i) => ({ ...l, ...increments[i] })), timeline: snn.timeline(), predicted: result.predicted };
  } finally {
    snn.dispose();
  }
}

/** Every difference from the integer ANN. */
async function exactness(c: SpikeCase, options: Parameters<typeof run>[1]) {
  return compareResults(runAnnCase(c).layers, (await run(c, options)).layers);
}

describe('hand-worked timing', () => {
  it.each([1, 3, 0.5])('constant delay %s: decision at D, forward quiet at 0 and D, backward quiet at D and 2D', async (D) => {
    const { timeline, predicted } = await run(handWorked, { latency: `const:${D}` });
    expect(predicted).toBe(0);
    expect(timeline.readout).toEqual({ time: [0, D], label: [1, 0] });
    expect(timeline.decisionTime).toBe(D);
    expect(timeline.layers.map((l) => l.forward.quiet)).toEqual([0, D]);
    expect(timeline.layers.map((l) => [l.forward.firstSpike, l.forward.lastSpike])).toEqual([[0, 0], [NaN, NaN]]);
    expect(timeline.forwardQuietAt).toBe(D);
    expect(timeline.layers.map((l) => l.backward.quiet)).toEqual([2 * D, D]);
    expect(timeline.endAt).toBe(2 * D);
    expect(await exactness(handWorked, { latency: `const:${D}` })).toEqual([]);
  });

  it('a processing time delays every spike by it', async () => {
    const { timeline } = await run(handWorked, { latency: 'const:3;processing=const:0.5' });
    // Spikes leave the hidden neuron at 0.5 and arrive at 3.5; its marker (no processing) at 3.
    expect(timeline.decisionTime).toBe(3.5);
    expect(timeline.layers[0].forward.firstSpike).toBe(0);
    expect(timeline.forwardQuietAt).toBe(3.5);
  });

  it('latency coding: a pixel arrives at T·(1 − x/255)', async () => {
    const brighter = { ...handWorked, input: Float64Array.of(51) };
    const { timeline } = await run(brighter, { latency: 'const:1', input: 'latency:10' });
    expect(timeline.layers[0].forward.firstSpike).toBe(8);
    expect(timeline.decisionTime).toBe(9);
  });
});

describe('barriers', () => {
  it('a timeout shorter than the slowest path changes the result; one longer than every path does not', async () => {
    // The top would give up at 2, before the hidden spikes arrive at 3: its top error comes from the bias alone.
    const short = await exactness(handWorked, { latency: 'const:3', barrier: 'timeout:2' });
    expect(short.length).toBeGreaterThan(0);
    expect(short.some((m) => m.field === 'E' && m.layer === 1)).toBe(true);
    expect(await exactness(handWorked, { latency: 'const:3', barrier: 'timeout:10' })).toEqual([]);
  });

  it('late arrivals after a timeout are still integrated by the standard function', async () => {
    const { layers } = await run(handWorked, { latency: 'const:3', barrier: 'timeout:2' });
    expect(layers[1].V).toEqual(runAnnCase(handWorked).layers[1].V);
  });

  it('the exact barrier gives the integer ANN under every latency model and input timing', async () => {
    const rng = new Rng(5);
    for (const latency of ['exp:1', 'uniform:0-4;axon=exp:2;processing=const:0.25', 'lognormal:0,1;backward=const:2', 'forward=exp:2;layer1.backward=uniform:1-2']) {
      for (let k = 0; k < 3; k++) {
        const c = randomDenseCase(rng);
        for (const policy of ['single', 'burst'] as const) expect(await exactness(c, { latency, policy, seed: k + 1 })).toEqual([]);
      }
    }
  });
});

/** A random dense network: 3–6 inputs, one or two relu or linear hidden layers, 2–3 classes. */
function randomDenseCase(rng: Rng, nonNegative = false): SpikeCase {
  const sizes = [rng.int(3, 6), rng.int(2, 5), ...(rng.int(0, 1) ? [rng.int(2, 4)] : []), rng.int(2, 3)];
  const layers = sizes.slice(1).map((units) => ({ kind: 'dense' as const, units, activation: rng.int(0, 1) ? ('relu' as const) : ('linear' as const), theta: rng.int(2, 9), thetaBp: rng.int(2, 9) }));
  const low = nonNegative ? 0 : -12;
  const params = sizes.slice(1).map((units, i) => ({
    weights: Float64Array.from({ length: units * sizes[i] }, () => rng.int(low, 12)),
    bias: Float64Array.from({ length: units }, () => rng.int(low, 6)),
  }));
  return { network: buildNetwork({ inputShape: [sizes[0]], layers }, params), input: Float64Array.from({ length: sizes[0] }, () => rng.int(nonNegative ? 0 : -5, 9)), target: 1, alpha: rng.int(5, 40) };
}

/**
 * A plain integrate-and-fire network, written here on its own: events in the order they were sent,
 * each added to its targets, then every target at or past ±Θ fires by the standard function (in
 * neuron order), no residual phase; then the same downwards for errors. This is what barrier `none`
 * runs when every delay is the same (each layer gets one packet per pass).
 */
function plainIntegrateAndFire(c: SpikeCase, policy: SpikePolicy) {
  const layers = c.network.layers as DenseLayer[];
  const L = layers.length - 1;
  const V = layers.map((l) => Float64Array.from(l.bias));
  const S = layers.map((l) => new Float64Array(l.units));
  let events: [number, number][] = Array.from(c.input, (x, j) => [j, x] as [number, number]).filter(([, x]) => x !== 0);
  for (let l = 0; l <= L; l++) {
    const layer = layers[l], n = layer.weights.length / layer.units, next: [number, number][] = [];
    const relu = l < L && layer.activation === 'relu';
    for (const [j, x] of events) {
      for (let i = 0; i < layer.units; i++) V[l][i] += x * layer.weights[i * n + j];
      if (l === L) continue;
      for (let i = 0; i < layer.units; i++) {
        for (let s = standardSpike(V[l][i], layer.theta, S[l][i], relu); s !== 0; s = standardSpike(V[l][i], layer.theta, S[l][i], relu)) {
          V[l][i] -= s * layer.theta;
          S[l][i] += s;
          next.push([i, s]);
          if (policy === 'single') break;
        }
      }
    }
    events = next;
  }
  const top = layers[L];
  const U = layers.map((l) => new Float64Array(l.units));
  const E = layers.map((l) => new Float64Array(l.units));
  const dW = layers.map((l) => new Float64Array(l.weights.length));
  const db = layers.map((l) => new Float64Array(l.units));
  const fPrime = layers.map((l, k) => Array.from(V[k], (v, i) => (k < L && l.activation === 'relu' ? (v + l.theta * S[k][i] > 0 ? 1 : 0) : 1)));
  const lower = (k: number) => (k === 0 ? c.input : S[k - 1]);
  const fire = (k: number, i: number, out: [number, number][]) => {
    for (let z = standardSpike(U[k][i], layers[k].thetaBp, E[k][i], false); z !== 0 && fPrime[k][i]; z = standardSpike(U[k][i], layers[k].thetaBp, E[k][i], false)) {
      U[k][i] -= z * layers[k].thetaBp;
      E[k][i] += z;
      const n = layers[k].weights.length / layers[k].units;
      for (let j = 0; j < n; j++) dW[k][i * n + j] -= z * lower(k)[j];
      db[k][i] -= z;
      out.push([i, z]);
      if (policy === 'single') break;
    }
  };
  U[L].set(topErrorCompartment(V[L], top.theta, top.thetaBp, c.target, c.alpha));
  let errors: [number, number][] = [];
  for (let i = 0; i < top.units; i++) fire(L, i, errors);
  for (let k = L - 1; k >= 0; k--) {
    const above = layers[k + 1], n = layers[k].units, next: [number, number][] = [];
    for (const [i, z] of errors) {
      for (let j = 0; j < n; j++) U[k][j] += z * above.weights[i * n + j];
      for (let j = 0; j < n; j++) fire(k, j, next);
    }
    errors = next;
  }
  return layers.map((_, k) => ({ ...(k === L ? { V: Array.from(V[k]) } : { S: Array.from(S[k]) }), E: Array.from(E[k]), dW: Array.from(dW[k]), db: Array.from(db[k]) }));
}

describe('barrier none', () => {
  it('is the plain integrate-and-fire network (no residual phase), written independently here', async () => {
    const rng = new Rng(11);
    let differsFromAnn = 0;
    for (let k = 0; k < 12; k++) {
      const c = randomDenseCase(rng);
      for (const policy of ['single', 'burst'] as const) {
        const { layers } = await run(c, { latency: 'const:1', barrier: 'none', policy });
        expect(layers).toEqual(plainIntegrateAndFire(c, policy));
        if (compareResults(runAnnCase(c).layers, layers).length > 0) differsFromAnn++;
      }
    }
    // Without its residual phase the network does not round: it is not the integer ANN.
    expect(differsFromAnn).toBeGreaterThan(0);
  });
});

describe('a timing study', () => {
  it('gives the same report, byte for byte, for one and two workers', async () => {
    const network = initNetwork(tinyMnistTopology(3, 3, 64), { seed: 2 });
    const { test } = loadDataset('mnist');
    const samples = Array.from({ length: 6 }, (_, i) => ({ input: imageAt(test, i), target: test.labels[i] }));
    const configs = [
      { latency: 'exp:1', barrier: 'exact', policy: 'single' as const, inputTiming: 'latency:5' },
      { latency: 'const:1', barrier: 'timeout:2', policy: 'burst' as const, inputTiming: 'zero' },
    ];
    const reports = [];
    for (const workers of [1, 2]) reports.push(JSON.stringify((await timingStudy(network, samples, 20, { configs, seed: 4, workers })).report));
    expect(reports[1]).toBe(reports[0]);
    const report = JSON.parse(reports[0]);
    expect(report.samples).toBe(6);
    expect(report.configs[0].exact).toBe(6);
    expect(report.configs[0].accuracyOverTime).toHaveLength(65);
    expect(report.configs[0].decisionTime.samples).toBe(6);
  });
});
