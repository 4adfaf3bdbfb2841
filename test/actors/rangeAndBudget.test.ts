/** The spiking run's exact range checked per example, and the event budget of networks whose worst case is unbounded. */
import { ArrivalDrives } from '../../src/actors/arrivalDrive.js';
import { describe, expect, it } from 'vitest';
import { simulateCase } from '../../src/actors/simulateCase.js';
import { SpikingNetwork } from '../../src/actors/spikingNetwork.js';
import { openSpikingNetwork } from '../../src/actors/openNetwork.js';
import { injectFault } from '../../src/workers/faults.js';
import { runGuardTask, SnnRangeGuard, taskInputs, type ExampleEvents, type GuardTask } from '../../src/actors/snnRangeGuard.js';
import { SampleRangeGuard } from '../../src/equivalence/rangeGuard.js';
import { neuronLayerIndices, sizeOf, type NeuronLayer } from '../../src/network/topology.js';
import { Rng } from '../../src/random.js';
import { runAnnCase } from '../../src/equivalence/layerResults.js';
import { EventBudgetError, RangeGuardError } from '../../src/errors.js';
import { parseCase, type SpikeCase } from '../../src/network/caseFile.js';
import { DEEP_INPUT, deepChain } from '../support/deepChain.js';

const deepCase: SpikeCase = { network: deepChain(), input: DEEP_INPUT, target: 1, alpha: 10 };

describe('a deep network whose worst case leaves the exact range', () => {
  it('runs event by event, checked on its own values, and equals the integer ANN exactly', async () => {
    const ann = runAnnCase(deepCase);
    const fromArrivals: (number | null)[] = [];
    for (const workers of [1, 2]) {
      const snn = await simulateCase(deepCase, { workers, shardThreshold: 0 });
      expect(snn.layers).toEqual(ann.layers);
      const b = snn.stats.eventBound;
      // Its worst-case event bound is astronomically over the budget: the run was counted instead.
      expect(b.worstCase).toBeNull();
      expect(b.measured).toBeGreaterThan(1000);
      expect(b.fromArrivals).toBeGreaterThanOrEqual(b.measured);
      fromArrivals.push(b.fromArrivals);
    }
    // Sharded, half of the per-example guard ran in a thread of its own: the same bound.
    expect(fromArrivals[1]).toBe(fromArrivals[0]);
  });

  it('a guard thread that dies fails the example, naming the worker and what it was doing', async () => {
    for (const how of ['throw', 'exit'] as const) {
      injectFault({ pool: 'guard', worker: 0, afterCalls: 1, how });
      try {
        await expect(simulateCase(deepCase, { workers: 2, shardThreshold: 0 })).rejects.toThrow(/^worker 0 failed during the range guard of an example: (injected fault|exited with code 3)$/);
      } finally {
        injectFault(null);
      }
    }
  });

  it('is refused before it runs when only the static (worst-case) check is allowed', async () => {
    await expect(simulateCase(deepCase, { workers: 1, rangeCheck: 'static' })).rejects.toThrow(/layer \d+ \(dense\): the (potential|error compartment) bound .* exceeds 2\^53 − 1/);
  });

  it('stops once its events pass the budget, naming layer and phase', async () => {
    await expect(simulateCase(deepCase, { workers: 1, eventBudget: 500 })).rejects.toThrow(EventBudgetError);
    await expect(simulateCase(deepCase, { workers: 1, eventBudget: 500 })).rejects.toThrow(/layer \d+ \(dense\), forward phase: the example passed the budget of 5\.000e\+2 events/);
  });
});

describe('a spiking run whose own values leave the exact range', () => {
  // 3 → 2 → 2, weights 2^51 and Θ = 2^51: few spikes, but potentials reach 9 · 2^51 > 2^53.
  const w = 2 ** 51;
  const big = parseCase({
    format: 'spikegrad-case/1',
    inputShape: [3],
    layers: [
      { kind: 'dense', units: 2, activation: 'relu', theta: w, thetaBp: w, weights: [w, w, w, w, w, w], bias: [0, 0] },
      { kind: 'dense', units: 2, theta: w, thetaBp: w, weights: [1, 1, 1, 1], bias: [0, 0] },
    ],
    input: [3, 3, 3],
    target: 0,
    alpha: 1,
  });

  it('is refused after the example, before anything of it is used, naming the layer', async () => {
    const snn = new SpikingNetwork(big.network, {});
    await expect(snn.runExample(big.input, big.target, big.alpha)).rejects.toThrow(RangeGuardError);
    await expect(snn.runExample(big.input, big.target, big.alpha)).rejects.toThrow(/layer 0 \(dense\): the potential of this example could reach 2\.027e\+16 \(bounded from the values that arrived\)/);
    snn.dispose();
  });

  it('sharded, with the guard shared with a thread of its own, refuses it with the same message', async () => {
    const { snn, close } = await openSpikingNetwork(big.network, { workers: 2, shardThreshold: 0 });
    try {
      await expect(snn.runExample(big.input, big.target, big.alpha)).rejects.toThrow(/^layer 0 \(dense\): the potential of this example could reach 2\.027e\+16 \(bounded from the values that arrived\)/);
    } finally {
      await close();
    }
  });
});

describe('the per-example guard split across threads', () => {
  it('every task gives the same outcome from the arrays sent by name as from the example itself, all tasks at once', () => {
    const network = deepChain();
    const indices = neuronLayerIndices(network);
    const layers = indices.map((i) => network.layers[i] as NeuronLayer);
    const rng = new Rng(21);
    const values = (n: number) => Float64Array.from({ length: n }, () => rng.int(0, 9));
    // Events that arrived and values below differ, so a task reading the wrong one shows.
    const events: ExampleEvents = {
      input: values(sizeOf(layers[0].inShape)),
      forward: layers.map((l) => values(sizeOf(l.outShape))),
      backward: layers.map((l) => values(sizeOf(l.outShape))),
      states: layers.map((l) => ({ V: values(sizeOf(l.outShape)), S: values(sizeOf(l.outShape)), E: values(sizeOf(l.outShape)) })),
      topU: values(sizeOf(layers[layers.length - 1].outShape)),
    };
    const tasks: GuardTask[] = layers.flatMap((_, l) => [{ kind: 'forward', layer: l }, { kind: 'increments', layer: l }, ...(l > 0 ? [{ kind: 'backward', layer: l } as const] : [])] as GuardTask[]);
    const inputs = taskInputs(tasks, events);
    const here = new SampleRangeGuard(layers, indices), there = new SampleRangeGuard(layers, indices);
    const local = tasks.map((t) => runGuardTask(here, new ArrivalDrives(layers), layers, t, events, false));
    expect(tasks.map((t) => runGuardTask(there, new ArrivalDrives(layers), layers, t, inputs, false))).toEqual(local);
    expect(local.some((o) => 'value' in o && o.value > 0)).toBe(true);
  });

  it('hands the helper the same tasks on every example (each thread keeps its own rows) and concludes what one thread does', async () => {
    const network = deepChain();
    const indices = neuronLayerIndices(network);
    const layers = indices.map((i) => network.layers[i] as NeuronLayer);
    const rng = new Rng(5);
    // Sparse values, differently so from one example to the next: a split by this example's costs would move.
    const values = (n: number, share: number) => Float64Array.from({ length: n }, () => (rng.float() < share ? rng.int(1, 9) : 0));
    const example = (share: number): ExampleEvents => ({
      input: values(sizeOf(layers[0].inShape), 1),
      forward: layers.map((l) => values(sizeOf(l.outShape), share)),
      backward: layers.map((l) => values(sizeOf(l.outShape), 1 - share)),
      states: layers.map((l) => ({ V: values(sizeOf(l.outShape), 1), S: values(sizeOf(l.outShape), share), E: values(sizeOf(l.outShape), 1) })),
      topU: values(sizeOf(layers[layers.length - 1].outShape), 1),
    });
    const alone = new SnnRangeGuard(network, layers, indices, 'sample'), shared = new SnnRangeGuard(network, layers, indices, 'sample');
    const handed: string[] = [];
    const theirGuard = new SampleRangeGuard(layers, indices), theirDrives = new ArrivalDrives(layers);
    const helper = {
      compute: async (tasks: GuardTask[], inputs: Record<string, Float64Array>, check: boolean) => {
        handed.push(tasks.map((t) => `${t.kind} ${t.layer}`).join(', '));
        return tasks.map((t) => runGuardTask(theirGuard, theirDrives, layers, t, inputs, check));
      },
    };
    for (const share of [0.9, 0.1, 0.5]) {
      const events = example(share);
      alone.beforeExample(events.input, 10);
      shared.beforeExample(events.input, 10);
      expect(await shared.afterExampleShared(events, helper)).toEqual(alone.afterExample(events));
    }
    expect(handed[0].length).toBeGreaterThan(0);
    expect(handed).toEqual([handed[0], handed[0], handed[0]]);
  });
});

describe('the worst-case event bound against a budget', () => {
  it('stops as soon as the events bounded so far pass it, exactly where the full bound does', async () => {
    const { computeEventBound } = await import('../../src/actors/eventBudget.js');
    const { initNetwork } = await import('../../src/network/init.js');
    const { mnistArchitecture } = await import('../../src/network/presets.js');
    const network = initNetwork(mnistArchitecture(), { seed: 3 });
    const input = new Float64Array(28 * 28).fill(255);
    const full = computeEventBound(network, input, 50);
    const forwardOnly = full.input + full.layers.reduce((t, l) => t + l.forward, 0);
    expect(forwardOnly).toBeLessThan(full.total);
    // Null exactly when the total passes the budget (the forward events alone may already); at the total, all of it.
    for (const budget of [full.input, forwardOnly - 1, full.total - 1]) expect(computeEventBound(network, input, 50, budget)).toBeNull();
    expect(computeEventBound(network, input, 50, full.total)).toEqual(full);
  });
});
