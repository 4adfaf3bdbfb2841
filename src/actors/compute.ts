/**
 * Where a layer's arithmetic runs. The runtime calls these in phase order; each may finish at once
 * (in-process) or return a promise (shards in worker threads). Spikes go to the given sink either way.
 */
import type { Packet, SpikeSink } from '../streams/packet.js';
import type { NeuronLayerKernel } from './kernels/neuronLayer.js';

export type Maybe<T> = T | Promise<T>;

/** The final state of a layer after an example, as the coordinator needs it. */
export interface LayerState {
  V: Float64Array;
  S: Float64Array;
  E: Float64Array;
}

export interface LayerCompute {
  resetForward(): Maybe<void>;
  integrateForward(p: Packet, out: SpikeSink): Maybe<void>;
  residualForward(out: SpikeSink): Maybe<void>;
  startBackward(lowerS: Float64Array): Maybe<void>;
  startTopError(U0: Float64Array, out: SpikeSink): Maybe<void>;
  integrateBackward(p: Packet, out: SpikeSink): Maybe<void>;
  residualBackward(out: SpikeSink): Maybe<void>;
  /** Synaptic accumulations so far (exact once every call has settled). */
  accumulations(): number;
  /** V, S, E of the whole layer (gathered from shards). */
  state(): Maybe<LayerState>;
  /** Summed increments of the layer (empty arrays for pooling). */
  increments(): Maybe<{ dW: Float64Array; db: Float64Array }>;
  clearIncrements(): Maybe<void>;
}

/** The layer's kernel in this thread: every call completes synchronously. */
export class LocalCompute implements LayerCompute {
  constructor(readonly kernel: NeuronLayerKernel) {}
  resetForward(): void {
    this.kernel.resetForward();
  }
  integrateForward(p: Packet, out: SpikeSink): void {
    this.kernel.integrateForward(p, out);
  }
  residualForward(out: SpikeSink): void {
    this.kernel.residualForward(out);
  }
  startBackward(lowerS: Float64Array): void {
    this.kernel.startBackward(lowerS);
  }
  startTopError(U0: Float64Array, out: SpikeSink): void {
    this.kernel.startTopError(U0, out);
  }
  integrateBackward(p: Packet, out: SpikeSink): void {
    this.kernel.integrateBackward(p, out);
  }
  residualBackward(out: SpikeSink): void {
    this.kernel.residualBackward(out);
  }
  accumulations(): number {
    return this.kernel.accumulations;
  }
  state(): LayerState {
    return { V: this.kernel.V, S: this.kernel.S, E: this.kernel.E };
  }
  increments(): { dW: Float64Array; db: Float64Array } {
    return { dW: this.kernel.dW, db: this.kernel.db };
  }
  clearIncrements(): void {
    this.kernel.clearIncrements();
  }
}

/** Promises of work in flight; the bus waits on them when nothing else is left to deliver. */
export class PendingWork {
  private readonly set = new Set<Promise<unknown>>();
  private failure: unknown = null;

  get size(): number {
    return this.set.size;
  }

  /** Track a promise; a rejection is kept and reported by `error`. */
  add(p: Promise<unknown>): void {
    const tracked = p.then(
      () => undefined,
      (e) => {
        this.failure ??= e;
      },
    );
    this.set.add(tracked);
    void tracked.finally(() => this.set.delete(tracked));
  }

  get error(): unknown {
    return this.failure;
  }

  /** Resolves when any tracked work settles, or null when there is none. */
  next(): Promise<void> | null {
    return this.set.size === 0 ? null : Promise.race(this.set).then(() => undefined);
  }
}

export const isPromise = <T>(v: Maybe<T>): v is Promise<T> => typeof (v as Promise<T>)?.then === 'function';
