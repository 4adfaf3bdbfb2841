/** Open a spiking network in this thread or sharded over threads, and close it again. */
import { availableParallelism } from 'node:os';
import { InputError } from '../errors.js';
import { networkSpec } from '../network/build.js';
import { neuronLayerIndices, sizeOf, type Network, type NeuronLayer } from '../network/topology.js';
import { WorkerPool } from '../workers/pool.js';
import { workerModule } from '../workers/spawn.js';
import { ShardedCompute } from './shards/shardedCompute.js';
import { LocalCompute, type LayerCompute } from './compute.js';
import { layerKernel } from './kernels/neuronLayer.js';
import type { SpikeBus } from '../streams/bus.js';
import { ShardGroup } from './shards/shardGroup.js';
import { DEFAULT_SHARD_THRESHOLD, ownedWhole, shardLayout } from './shards/shardRanges.js';
import type { ShardApi } from './shards/shardWorker.js';
import { PAPER_RULE } from './kernels/neuronRule.js';
import { SpikingNetwork, type SnnOptions } from './spikingNetwork.js';
import type { SpikingRun } from './spikingRun.js';
import { ConcurrentNetwork } from './concurrent/concurrentNetwork.js';
import { GuardThread } from './guardHelper.js';
import { fifo } from '../streams/orders/index.js';

const SHARD_WORKER = workerModule(import.meta.url, 'shards/shardWorker');

/** Events a batch of deliveries may hold (the shared input's size). */
const BATCH_EVENTS = 1 << 16;

/**
 * A reusable set of threads for `size` shards: this thread runs shard 0 and `size − 1` worker
 * threads the others (re-initialised for each network opened on it; one network at a time).
 */
export class ShardWorkers {
  readonly pool: WorkerPool<ShardApi>;
  constructor(readonly size: number) {
    this.pool = new WorkerPool<ShardApi>('shards', SHARD_WORKER, size - 1);
  }
  close(): Promise<void> {
    return this.pool.close();
  }
}

export interface ParallelOptions {
  /**
   * Threads that share each layer's neurons, this one included (default: the machine's cores); 0 or
   * 1 runs in this thread alone. A ShardWorkers instance is used as it is and left open for the
   * caller to close.
   */
  workers?: number | ShardWorkers;
  /**
   * Layers with fewer synapses than this, or fewer than MIN_SHARD_FAN_IN per neuron, stay whole in
   * this thread (default 2^20 = 1,048,576): calls across threads cost more than they save. 0 shards every layer.
   */
  shardThreshold?: number;
  /**
   * Every layer in a thread of its own, all at once, spikes passed directly between them: the order is
   * whatever the threads do (see ConcurrentNetwork). Takes the place of `workers`; the exact barrier
   * and fifo only (there is no bus to order or time deliveries).
   */
  concurrent?: boolean;
}

export { DEFAULT_SHARD_THRESHOLD, MIN_SHARD_FAN_IN } from './shards/shardRanges.js';

export const defaultWorkers = (): number => availableParallelism();

export function checkWorkers(workers: number): number {
  if (!Number.isSafeInteger(workers) || workers < 0) throw new InputError(`--workers: expected a non-negative integer, found ${workers}`);
  return workers;
}

export interface OpenNetwork {
  snn: SpikingRun;
  workers: number;
  close(): Promise<void>;
}

/** Why the concurrent mode cannot take these options, or null. */
export function concurrentRefusal(options: SnnOptions): string | null {
  if (options.latency) return 'a latency model needs the bus (virtual time); the concurrent mode has none';
  if (options.barrier && options.barrier.kind !== 'exact') return `the ${options.barrier.kind} barrier needs virtual time; the concurrent mode detects quiescence with count-carrying markers (the exact barrier)`;
  if (options.orders && !options.orders.every((o) => o === fifo())) return 'delivery orders need the bus; in the concurrent mode the threads decide the order';
  if (options.schedule || options.recordSchedule) return 'a schedule scripts the bus; in the concurrent mode the threads decide the order';
  return null;
}

export async function openSpikingNetwork(network: Network, options: SnnOptions & ParallelOptions = {}): Promise<OpenNetwork> {
  const variant = options.rule && JSON.stringify(options.rule) !== JSON.stringify(PAPER_RULE);
  if (variant) {
    const w = options.workers;
    if (options.concurrent || w instanceof ShardWorkers || (typeof w === 'number' && w > 1)) {
      throw new InputError('--variant: a variant of the neuron rule runs in one thread (leave out --workers and --concurrent)');
    }
    const snn = new SpikingNetwork(network, options);
    return { snn, workers: 0, close: async () => snn.dispose() };
  }
  if (options.concurrent) {
    const why = concurrentRefusal(options);
    if (why) throw new InputError(`--concurrent: ${why}`);
    const snn = new ConcurrentNetwork(network, options);
    return { snn, workers: neuronLayerIndices(network).length, close: () => snn.close() };
  }
  const given = options.workers instanceof ShardWorkers ? options.workers : null;
  const workers = given ? given.size : checkWorkers((options.workers as number | undefined) ?? defaultWorkers());
  if (workers <= 1) {
    const snn = new SpikingNetwork(network, options);
    return { snn, workers: 0, close: async () => snn.dispose() };
  }
  const pool = given ? given.pool : new WorkerPool<ShardApi>('shards', SHARD_WORKER, workers - 1);
  const closePool = () => (given ? Promise.resolve() : pool.close());
  try {
    const indices = neuronLayerIndices(network);
    const layers = indices.map((i) => network.layers[i] as NeuronLayer);
    const owned = shardLayout(layers, workers, options.shardThreshold ?? DEFAULT_SHARD_THRESHOLD);
    const spec = networkSpec(network);
    const policy = options.policy ?? 'single';
    const largest = Math.max(...layers.flatMap((layer) => [sizeOf(layer.inShape), sizeOf(layer.outShape)]));
    const group = new ShardGroup(pool, BATCH_EVENTS, largest);
    // Idle workers poll (waking a sleeping thread costs more than most calls) only when every thread has a core.
    const poll = workers <= availableParallelism();
    await Promise.all(
      pool.handles.map((h) => h.call('start-up', (api) => api.init(spec, owned.map((r) => r[h.id + 1]), policy, group.broadcast, group.channels[h.id], poll))),
    );
    // A layer that shard 0 owns whole runs here as it does unsharded: no shared input, no merge.
    const whole = owned.map(ownedWhole);
    group.start(layers, owned.map((r, l) => (whole[l] ? null : r[0])), policy);
    const guard = new GuardThread(spec);
    const computes = (bus: SpikeBus): LayerCompute[] =>
      layers.map((layer, l) => (whole[l] ? new LocalCompute(layerKernel(layers, l, policy)) : new ShardedCompute(l, indices[l], layer, group, owned[l], bus)));
    const snn = new SpikingNetwork(network, { ...options, guardHelper: guard }, (_, __, bus) => computes(bus));
    return {
      snn,
      workers,
      close: async () => {
        snn.dispose();
        await group.stop();
        await Promise.all([closePool(), guard.close()]);
      },
    };
  } catch (e) {
    await closePool();
    throw e;
  }
}
