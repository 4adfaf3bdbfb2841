/**
 * The shards of a network, seen from the calling thread: shard 0 runs here, each other shard in a
 * worker thread behind a shard channel. A call goes to every shard that owns neurons of the layer at
 * once (one shared input, one notify each); this thread runs its own shard meanwhile and then waits
 * for the others with Atomics — synchronously, so a sharded layer is called like one in this thread.
 * A worker that fails or exits fails the call at once with an error naming the worker and what it
 * was doing.
 */
import { WorkerError } from '../../errors.js';
import type { NeuronLayer } from '../../network/topology.js';
import type { SpikeSink } from '../../streams/packet.js';
import type { WorkerPool } from '../../workers/pool.js';
import type { SpikePolicy } from '../kernels/neuronLayer.js';
import { broadcastBuffers, channelBuffers, Op, readMessage, signal, State, Word, type BroadcastBuffers, type ChannelBuffers } from './shardChannel.js';
import { ShardKernels, type ShardOutput } from './shardOps.js';
import type { ShardApi } from './shardWorker.js';

/** How long this thread polls for a worker's answer before sleeping (answers mostly come sooner). */
const SPIN_MS = 2;
/** How long one sleep lasts before looking again (a dead worker has said so by then). */
const WAIT_MS = 200;

const grow = <T extends Int32Array | Float64Array>(a: T, need: number): T => {
  if (a.length >= need) return a;
  const b = new (a.constructor as { new (n: number): T })(Math.max(need, 2 * a.length));
  b.set(a as never);
  return b;
};

/** Spikes with the incoming event each answers, and floats: a shard's answer to a call, or a merge of answers. */
export class ShardAnswer implements ShardOutput {
  index = new Int32Array(1024);
  value = new Float64Array(1024);
  events = new Int32Array(1024);
  spikes = 0;
  floatValues = new Float64Array(1024);
  floatCount = 0;
  event = -1;
  /** How far `readUpTo` has read. */
  private read = 0;

  clear(): void {
    this.read = 0;
    this.spikes = 0;
    this.floatCount = 0;
    this.event = -1;
  }

  push(index: number, value: number): void {
    if (this.spikes === this.index.length) this.reserve(this.spikes + 1);
    const k = this.spikes++;
    this.index[k] = index;
    this.value[k] = value;
    this.events[k] = this.event;
  }

  private reserve(spikes: number): void {
    this.index = grow(this.index, spikes);
    this.value = grow(this.value, spikes);
    this.events = grow(this.events, spikes);
  }

  floats(values: Float64Array): void {
    this.floatValues = grow(this.floatValues, this.floatCount + values.length);
    this.floatValues.set(values, this.floatCount);
    this.floatCount += values.length;
  }

  /** Hand on the spikes not read yet that answer events before `to` (a merged answer, read in order). */
  readUpTo(out: SpikeSink, to: number): void {
    let k = this.read;
    for (; k < this.spikes && this.events[k] < to; k++) out.push(this.index[k], this.value[k]);
    this.read = k;
  }

  /** A worker's chunk, from its channel. */
  take(c: ChannelBuffers): void {
    const spikes = Atomics.load(c.control, Word.Spikes), floats = Atomics.load(c.control, Word.Floats);
    this.reserve(this.spikes + spikes);
    this.index.set(c.spikeIndex.subarray(0, spikes), this.spikes);
    this.value.set(c.spikeValue.subarray(0, spikes), this.spikes);
    this.events.set(c.spikeEvent.subarray(0, spikes), this.spikes);
    this.spikes += spikes;
    this.floats(c.floats.subarray(0, floats));
  }
}

export class ShardGroup {
  readonly broadcast: BroadcastBuffers;
  /** The channel of shard k ≥ 1 is channels[k − 1] (worker k − 1 of the pool). */
  readonly channels: ChannelBuffers[];
  private local: ShardKernels | null = null;
  private readonly collected: ShardAnswer[];
  private serving: Promise<unknown>[] = [];
  private broken: Error | null = null;

  constructor(
    readonly pool: WorkerPool<ShardApi>,
    packetCapacity: number,
    largestLayer: number,
  ) {
    this.broadcast = broadcastBuffers(packetCapacity, largestLayer);
    this.channels = pool.handles.map(() => channelBuffers());
    this.collected = [null, ...pool.handles].map(() => new ShardAnswer());
  }

  get shards(): number {
    return this.channels.length + 1;
  }

  /** Shard 0's kernels, here; then the workers, once set up, serve their channels until `stop`. */
  start(layers: readonly NeuronLayer[], ranges: readonly (readonly [number, number] | null)[], policy: SpikePolicy): void {
    this.local = new ShardKernels(layers, ranges, policy);
    // A worker that dies ends its serve call too (the handle races every call with the thread's exit).
    this.serving = this.pool.handles.map((h) => h.call('serving', (api) => api.serve()).catch(() => {}));
  }

  async stop(): Promise<void> {
    if (!this.broken) {
      for (const c of this.channels) {
        if (Atomics.load(c.control, Word.State) === State.Dead) continue;
        Atomics.store(c.control, Word.Op, Op.Stop);
        signal(c, State.Request);
      }
    }
    await Promise.all(this.serving);
  }

  private fail(message: string): never {
    this.broken = new WorkerError(message);
    void this.pool.close();
    throw this.broken;
  }

  /** Wait for worker k's answer to the current call, taking its chunks as they come. */
  private await(k: number, task: string): number {
    const c = this.channels[k], into = this.collected[k + 1];
    const until = performance.now() + SPIN_MS;
    for (let i = 1; ; i++) {
      const s = Atomics.load(c.control, Word.State);
      if (s === State.Done) break;
      if (s === State.Partial) {
        into.take(c);
        signal(c, State.Continue);
      } else if (s === State.Failed) {
        this.fail(`worker ${k} failed during ${task}: ${readMessage(c)}`);
      } else if (s === State.Dead) {
        this.fail(`worker ${k} failed during ${task}: its thread exited`);
      } else if ((i & 1023) === 0 && performance.now() > until) {
        Atomics.wait(c.control, Word.State, s, WAIT_MS);
      }
    }
    into.take(c);
    return c.accumulations[0];
  }

  /**
   * Run `op` on layer `layer` in the given shards (increasing); the broadcast input must hold its
   * arguments. Returns the accumulations; the answers are in `mergeSpikes` / `floatsOf` until the next call.
   */
  call(op: Op, layer: number, count: number, shards: readonly number[], task: string): number {
    if (this.broken) throw new WorkerError(`the shard workers are gone (${this.broken.message}); they were needed for ${task}`);
    for (const k of shards) {
      this.collected[k].clear();
      if (k === 0) continue;
      const c = this.channels[k - 1];
      Atomics.store(c.control, Word.Op, op);
      Atomics.store(c.control, Word.Layer, layer);
      Atomics.store(c.control, Word.Count, count);
      signal(c, State.Request);
    }
    let accumulations = 0;
    if (shards[0] === 0) {
      try {
        accumulations += this.local!.run(op, layer, this.broadcast, count, this.collected[0]);
      } catch (e) {
        this.fail(`this thread's shard failed during ${task}: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    for (const k of shards) if (k > 0) accumulations += this.await(k - 1, task);
    return accumulations;
  }

  /**
   * The shards' spikes in the order the whole layer emits them: by incoming event, and within one
   * event by shard (shards own increasing neuron ranges); residual and top-error spikes answer event −1.
   */
  mergeSpikes(shards: readonly number[], out: SpikeSink): void {
    const parts = shards.map((k) => this.collected[k]);
    const at = parts.map(() => 0);
    for (;;) {
      let pick = -1, first = Infinity;
      for (let s = 0; s < parts.length; s++) {
        if (at[s] < parts[s].spikes && parts[s].events[at[s]] < first) {
          pick = s;
          first = parts[s].events[at[s]];
        }
      }
      if (pick < 0) return;
      const p = parts[pick];
      out.event = first;
      for (; at[pick] < p.spikes && p.events[at[pick]] === first; at[pick]++) out.push(p.index[at[pick]], p.value[at[pick]]);
    }
  }

  /** Shard k's floats from the current call. */
  floatsOf(k: number): Float64Array {
    return this.collected[k].floatValues.subarray(0, this.collected[k].floatCount);
  }
}
