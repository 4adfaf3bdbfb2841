/** Neuron shards on worker threads: exact, reproducible, and failures are reported and contained. */
import { describe, expect, it } from 'vitest';
import { simulateCase } from '../../src/actors/simulateCase.js';
import { WorkerError } from '../../src/errors.js';
import { injectFault } from '../../src/workers/faults.js';
import { readCaseFile } from '../../src/network/caseFile.js';
import { runAnnCase } from '../../src/equivalence/layerResults.js';
import { runCli } from '../support/cli.js';
import { EventLogWriter } from '../../src/streams/eventLog.js';
import { parseOrders } from '../../src/streams/orders/index.js';
import { DEFAULT_SHARD_THRESHOLD, ownedWhole, shardLayout } from '../../src/actors/shards/shardRanges.js';
import { connectionCount, neuronLayerIndices, type NeuronLayer } from '../../src/network/topology.js';

const c = readCaseFile('examples/small.case.json');

describe('neuron-sharded runs', () => {
  it('give the integer ANN result with 2 and 3 workers', async () => {
    const ann = runAnnCase(c).layers;
    for (const workers of [2, 3]) expect((await simulateCase(c, { workers, shardThreshold: 0 })).layers).toEqual(ann);
  });

  it('write the same event log on every run with the same seed, however threads are scheduled', async () => {
    const logs: Buffer[] = [];
    for (let k = 0; k < 3; k++) {
      const mem = EventLogWriter.inMemory({});
      await simulateCase(c, { workers: 3, shardThreshold: 0, orders: parseOrders('delay'), seed: 8, log: mem.writer });
      logs.push(Buffer.from(mem.bytes()));
    }
    expect(logs[1].equals(logs[0])).toBe(true);
    expect(logs[2].equals(logs[0])).toBe(true);
  });

  it.each(['throw', 'exit'] as const)('a worker that fails by %s mid-phase fails the run naming worker, layer and phase', async (how) => {
    const start = performance.now();
    injectFault({ pool: 'shards', worker: 1, afterCalls: 4, how });
    try {
      await expect(simulateCase(c, { workers: 3, shardThreshold: 0 })).rejects.toThrow(WorkerError);
      await expect(simulateCase(c, { workers: 3, shardThreshold: 0 })).rejects.toThrow(/worker 1 failed during layer \d+ \(\w+\), (forward|backward) (standard|residual) phase/);
    } finally {
      injectFault(null);
    }
    expect(performance.now() - start).toBeLessThan(20_000);
  });

  it('the CLI exits with the error, and no thread keeps Node alive', () => {
    const r = runCli(['check', 'examples/small.case.json', '--workers', '2', '--shard-threshold', '0'], 60_000);
    expect(r.status).toBe(0);
    const failing = (how: string) => {
      process.env.SPIKEGRAD_FAULT = `pool=shards,worker=0,after=4,how=${how}`;
      try {
        return runCli(['check', 'examples/small.case.json', '--workers', '2', '--shard-threshold', '0'], 60_000);
      } finally {
        delete process.env.SPIKEGRAD_FAULT;
      }
    };
    for (const how of ['throw', 'exit']) {
      const f = failing(how);
      expect(f.status).toBe(2); // null would mean it hung until the timeout
      expect(f.stderr).toMatch(/spikegrad: worker 0 failed during layer/);
      expect(f.stdout).not.toMatch(/equal/);
    }
  });
});

describe('the MNIST topology (its rows in WebAssembly), on a real image', () => {
  it('equals the integer ANN in this thread and in 2 shards, and both write the same event log', async () => {
    const { initNetwork } = await import('../../src/network/init.js');
    const { mnistArchitecture } = await import('../../src/network/presets.js');
    const { loadDataset } = await import('../../src/train/data/sources.js');
    const { imageAt } = await import('../../src/train/data/dataset.js');
    const { test } = loadDataset('mnist');
    const mnist = { network: initNetwork(mnistArchitecture(), { seed: 2 }), input: Float64Array.from(imageAt(test, 7)), target: test.labels[7], alpha: 50 };
    const ann = runAnnCase(mnist).layers;
    const logs: Buffer[] = [];
    // Every layer split, then a mixed layout: the small layers whole in this thread, the rest split.
    for (const [workers, shardThreshold] of [[1, 0], [2, 0], [2, 65_536]]) {
      const mem = EventLogWriter.inMemory({});
      expect((await simulateCase(mnist, { workers, shardThreshold, orders: parseOrders('split,delay'), seed: 4, log: mem.writer })).layers).toEqual(ann);
      logs.push(Buffer.from(mem.bytes()));
    }
    expect(logs[1].equals(logs[0])).toBe(true);
    expect(logs[2].equals(logs[0])).toBe(true);
  }, 60_000);
});

describe('which layers are split', () => {
  it('only those with enough synapses in all and per neuron (by default none of MNIST\'s); threshold 0 splits every layer', async () => {
    const { initNetwork } = await import('../../src/network/init.js');
    const { mnistArchitecture } = await import('../../src/network/presets.js');
    const network = initNetwork(mnistArchitecture(), { seed: 2 });
    const layers = neuronLayerIndices(network).map((i) => network.layers[i] as NeuronLayer);
    const split = (threshold: number) => shardLayout(layers, 2, threshold).map((owned) => !ownedWhole(owned));
    // 15C5 (25 synapses per neuron, 216,000 in all), P2, 40C5 (375), P2, 300 (640), 10 (3,000 in all).
    expect(layers.map((l) => connectionCount(l))).toEqual([216_000, 8_640, 960_000, 2_560, 192_000, 3_000]);
    expect(split(DEFAULT_SHARD_THRESHOLD)).toEqual(layers.map(() => false));
    expect(split(500_000)).toEqual([false, false, true, false, false, false]);
    expect(split(65_536)).toEqual([false, false, true, false, true, false]);
    expect(split(0)).toEqual(layers.map(() => true));
    // A split layer's shards cover it once, in order; a convolution's at whole channels (24×24 = 576 neurons each).
    expect(shardLayout(layers, 3, 0)[0]).toEqual([[0, 5 * 576], [5 * 576, 10 * 576], [10 * 576, 15 * 576]]);
    expect(shardLayout(layers, 2, 65_536)[0]).toEqual([[0, 15 * 576], null]);
  });
});
