/**
 * Worker side of neuron sharding: this thread owns one contiguous range of neurons of every layer.
 * Set up through Comlink (`init`), it then serves the shard channel (shardChannel.ts) until told to
 * stop: calls arrive through shared memory, spikes and floats go back the same way, with the
 * incoming event each spike answers.
 */
import { workerData } from 'node:worker_threads';
import { networkFromSpec, type NetworkSpec } from '../../network/build.js';
import { neuronLayers } from '../../network/topology.js';
import { exposeWorker } from '../../workers/expose.js';
import type { FaultPlan } from '../../workers/faults.js';
import type { SpikePolicy } from '../kernels/neuronLayer.js';
import { FLOAT_CHUNK, Op, signal, SPIKE_CHUNK, State, Word, writeMessage, type BroadcastBuffers, type ChannelBuffers } from './shardChannel.js';
import { ShardKernels, type ShardOutput } from './shardOps.js';

/** How long an idle worker keeps polling before it sleeps: waking a sleeping thread costs ≈ 50 µs. */
const SPIN_MS = 0.5;

let kernels: ShardKernels | null = null;
let input: BroadcastBuffers | null = null;
let channel: ChannelBuffers | null = null;
let spin = false;
const fault = ((workerData ?? {}) as { fault?: FaultPlan | null }).fault ?? null;
let calls = 0;

/** Wait until the main thread moves the state away from `from` (polling first when we own a core). */
function waitWhile(c: ChannelBuffers, from: State): void {
  if (spin) {
    const until = performance.now() + SPIN_MS;
    for (let i = 1; ; i++) {
      if (Atomics.load(c.control, Word.State) !== from) return;
      if ((i & 1023) === 0 && performance.now() > until) break;
    }
  }
  while (Atomics.load(c.control, Word.State) === from) Atomics.wait(c.control, Word.State, from);
}

/** Writes spikes and floats into the shared buffers, handing full chunks over. */
class SharedOutput implements ShardOutput {
  event = -1;
  private spikes = 0;
  private floatCount = 0;

  constructor(private readonly c: ChannelBuffers) {}

  private handOver(): void {
    Atomics.store(this.c.control, Word.Spikes, this.spikes);
    Atomics.store(this.c.control, Word.Floats, this.floatCount);
    signal(this.c, State.Partial);
    waitWhile(this.c, State.Partial);
    this.spikes = 0;
    this.floatCount = 0;
  }

  push(index: number, value: number): void {
    if (this.spikes === SPIKE_CHUNK) this.handOver();
    const c = this.c, k = this.spikes++;
    c.spikeIndex[k] = index;
    c.spikeValue[k] = value;
    c.spikeEvent[k] = this.event;
  }

  floats(values: Float64Array): void {
    for (let at = 0; at < values.length; ) {
      if (this.floatCount === FLOAT_CHUNK) this.handOver();
      const n = Math.min(FLOAT_CHUNK - this.floatCount, values.length - at);
      this.c.floats.set(values.subarray(at, at + n), this.floatCount);
      this.floatCount += n;
      at += n;
    }
  }

  finish(accumulations: number): void {
    Atomics.store(this.c.control, Word.Spikes, this.spikes);
    Atomics.store(this.c.control, Word.Floats, this.floatCount);
    this.c.accumulations[0] = accumulations;
    this.spikes = 0;
    this.floatCount = 0;
    this.event = -1;
  }
}

export const shardApi = {
  /** `spin`: poll while idle (when every thread of the group has a core of its own). */
  init(spec: NetworkSpec, ranges: ([number, number] | null)[], policy: SpikePolicy, broadcast: BroadcastBuffers, buffers: ChannelBuffers, poll: boolean): void {
    kernels = new ShardKernels(neuronLayers(networkFromSpec(spec)), ranges, policy);
    input = broadcast;
    channel = buffers;
    spin = poll;
  },
  /** Serve calls through shared memory until told to stop (the thread belongs to the channel meanwhile). */
  serve(): void {
    const c = channel!;
    const out = new SharedOutput(c);
    for (;;) {
      for (let s = Atomics.load(c.control, Word.State); s !== State.Request; s = Atomics.load(c.control, Word.State)) waitWhile(c, s);
      const op = Atomics.load(c.control, Word.Op) as Op;
      if (op === Op.Stop) {
        signal(c, State.Done);
        return;
      }
      try {
        if (fault && calls++ === fault.afterCalls) {
          if (fault.how === 'exit') process.exit(3);
          throw new Error('injected fault');
        }
        const accumulations = kernels!.run(op, Atomics.load(c.control, Word.Layer), input!, Atomics.load(c.control, Word.Count), out);
        out.finish(accumulations);
        signal(c, State.Done);
      } catch (e) {
        out.finish(0);
        writeMessage(c, e instanceof Error ? e.message : String(e));
        signal(c, State.Failed);
      }
    }
  },
};

export type ShardApi = typeof shardApi;

// A thread that exits says so, so the main thread never waits for it.
process.once('exit', () => {
  if (channel) signal(channel, State.Dead);
});

// The shard channel's calls are what a planned fault counts (see serve), not the set-up.
exposeWorker(shardApi, { faults: false });
