/**
 * Where a layer's arithmetic runs. The runtime calls these in phase order; each may finish at once
 * (in-process) or return a promise (shards in worker threads), and resolves to the synaptic
 * accumulations it performed. Spikes go to the given sink either way.
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
  resetForward(): Maybe<number>;
  integrateForward(p: Packet, out: SpikeSink): Maybe<number>;
  residualForward(out: SpikeSink): Maybe<number>;
  startBackward(lowerS: Float64Array): Maybe<number>;
  startTopError(U0: Float64Array, out: SpikeSink): Maybe<number>;
  integrateBackward(p: Packet, out: SpikeSink): Maybe<number>;
  residualBackward(out: SpikeSink): Maybe<number>;
  /** V, S, E of the whole layer (gathered from shards). */
  state(): Maybe<LayerState>;
  /** The live forward potentials, where they can be read without waiting (in this thread), else null. */
  peekPotentials(): Float64Array | null;
  /** Summed increments of the layer (empty arrays for pooling). */
  increments(): Maybe<{ dW: Float64Array; db: Float64Array }>;
  clearIncrements(): Maybe<void>;
}

/** The layer's kernel in this thread: every call completes synchronously. */
export class LocalCompute implements LayerCompute {
  constructor(readonly kernel: NeuronLayerKernel) {}
  private counted(work: () => void): number {
    const before = this.kernel.accumulations;
    work();
    return this.kernel.accumulations - before;
  }
  resetForward(): number {
    this.kernel.resetForward();
    return 0;
  }
  integrateForward(p: Packet, out: SpikeSink): number {
    // The hot path: no closure per delivery.
    const before = this.kernel.accumulations;
    this.kernel.integrateForward(p, out);
    return this.kernel.accumulations - before;
  }
  residualForward(out: SpikeSink): number {
    return this.counted(() => this.kernel.residualForward(out));
  }
  startBackward(lowerS: Float64Array): number {
    this.kernel.startBackward(lowerS);
    return 0;
  }
  startTopError(U0: Float64Array, out: SpikeSink): number {
    return this.counted(() => this.kernel.startTopError(U0, out));
  }
  integrateBackward(p: Packet, out: SpikeSink): number {
    const before = this.kernel.accumulations;
    this.kernel.integrateBackward(p, out);
    return this.kernel.accumulations - before;
  }
  residualBackward(out: SpikeSink): number {
    return this.counted(() => this.kernel.residualBackward(out));
  }
  state(): LayerState {
    return { V: this.kernel.V, S: this.kernel.S, E: this.kernel.E };
  }
  peekPotentials(): Float64Array {
    return this.kernel.V;
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
