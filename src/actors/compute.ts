/**
 * Where a layer's arithmetic runs: its kernel in this thread, or shards of it in several threads.
 * The runtime calls these in phase order; each returns the synaptic accumulations it performed once
 * the work is done, and its spikes are in the given sink by then.
 */
import type { Envelope } from '../streams/envelope.js';
import type { SpikeSink } from '../streams/packet.js';
import type { NeuronLayerKernel } from './kernels/neuronLayer.js';

/** The final state of a layer after an example, as the coordinator needs it. */
export interface LayerState {
  V: Float64Array;
  S: Float64Array;
  E: Float64Array;
}

export interface LayerCompute {
  resetForward(): number;
  /** Integrate the envelope's packet (the envelope says where it stands on the bus). */
  integrateForward(e: Envelope, out: SpikeSink): number;
  residualForward(out: SpikeSink): number;
  startBackward(lowerS: Float64Array): number;
  startTopError(U0: Float64Array, out: SpikeSink): number;
  integrateBackward(e: Envelope, out: SpikeSink): number;
  residualBackward(out: SpikeSink): number;
  /** V, S, E of the whole layer (gathered from shards). */
  state(): LayerState;
  /** The live forward potentials, where they can be read without waiting (in this thread), else null. */
  peekPotentials(): Float64Array | null;
  /** Summed increments of the layer (empty arrays for pooling). */
  increments(): { dW: Float64Array; db: Float64Array };
  clearIncrements(): void;
  /** The network's weights changed in place (on-line training). */
  weightsChanged(): void;
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
  integrateForward(e: Envelope, out: SpikeSink): number {
    // The hot path: no closure per delivery.
    const before = this.kernel.accumulations;
    this.kernel.integrateForward(e.packet!, out);
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
  integrateBackward(e: Envelope, out: SpikeSink): number {
    const before = this.kernel.accumulations;
    this.kernel.integrateBackward(e.packet!, out);
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
  weightsChanged(): void {
    this.kernel.weightsChanged();
  }
}
