/** Open a spiking network in this thread or sharded over worker threads, and close it again. */
import { availableParallelism } from 'node:os';
import { InputError } from '../errors.js';
import { networkSpec } from '../network/build.js';
import { neuronLayerIndices, type Network, type NeuronLayer } from '../network/topology.js';
import { SpikingNetwork, type SnnOptions } from './spikingNetwork.js';
import { ShardedCompute } from './shards/shardedCompute.js';
import { shardRanges } from './shards/shardRanges.js';
import type { ShardApi } from './shards/shardWorker.js';
import { WorkerPool } from '../workers/pool.js';
import { workerModule } from '../workers/spawn.js';

const SHARD_WORKER = workerModule(import.meta.url, 'shards/shardWorker');

/** A reusable set of shard workers (re-initialised for each network opened on it). */
export class ShardWorkers {
  readonly pool: WorkerPool<ShardApi>;
  constructor(readonly size: number) {
    this.pool = new WorkerPool<ShardApi>('shards', SHARD_WORKER, size);
  }
  close(): Promise<void> {
    return this.pool.close();
  }
}

export interface ParallelOptions {
  /**
   * Worker threads (default: the machine's cores); 0 or 1 runs in this thread. A ShardWorkers
   * instance is used as it is and left open for the caller to close.
   */
  workers?: number | ShardWorkers;
}

export const defaultWorkers = (): number => availableParallelism();

export function checkWorkers(workers: number): number {
  if (!Number.isSafeInteger(workers) || workers < 0) throw new InputError(`--workers: expected a non-negative integer, found ${workers}`);
  return workers;
}

export interface OpenNetwork {
  snn: SpikingNetwork;
  workers: number;
  close(): Promise<void>;
}

export async function openSpikingNetwork(network: Network, options: SnnOptions & ParallelOptions = {}): Promise<OpenNetwork> {
  const given = options.workers instanceof ShardWorkers ? options.workers : null;
  const workers = given ? given.size : checkWorkers((options.workers as number | undefined) ?? defaultWorkers());
  if (workers <= 1) {
    const snn = new SpikingNetwork(network, options);
    return { snn, workers: 0, close: async () => snn.dispose() };
  }
  const pool = given ? given.pool : new WorkerPool<ShardApi>('shards', SHARD_WORKER, workers);
  const closePool = () => (given ? Promise.resolve() : pool.close());
  try {
    const indices = neuronLayerIndices(network);
    const layers = indices.map((i) => network.layers[i] as NeuronLayer);
    const ranges = layers.map((layer) => shardRanges(layer, workers));
    const spec = networkSpec(network);
    const policy = options.policy ?? 'single';
    await Promise.all(
      pool.handles.map((h) => {
        const own = ranges.map((r) => r.find((_, k) => k === h.id) ?? null);
        return h.call('start-up', (api) => api.init(spec, own, policy));
      }),
    );
    const snn = new SpikingNetwork(network, options, () =>
      layers.map((layer, l) => new ShardedCompute(l, indices[l], layer, ranges[l].map(([lo, hi], k) => ({ handle: pool.handles[k], lo, hi })))),
    );
    return {
      snn,
      workers,
      close: async () => {
        snn.dispose();
        await closePool();
      },
    };
  } catch (e) {
    await closePool();
    throw e;
  }
}
