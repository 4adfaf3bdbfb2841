/**
 * The forward tasks of the per-example range guard on convolutions: the drive |b| + Σ|w|·n of every
 * neuron over the events n that arrived from each source, added on forward rows of the layer's
 * magnitudes (the spiking kernels' own loops, channels last where those are fastest) rather than by
 * the integer ANN's scatter over channel planes, which on the CIFAR-10 topology's wide layers made the
 * guard cost half of what the spiking run did. The drive is a sum of non-negative integers, so its
 * value does not depend on the order of the additions while it stays below 2^53; above, the rounded
 * sum still exceeds 2^53 − 1, so a refusal stands. Its neurons lie in the rows' order: only their
 * largest value and their sum of ⌊d/Θ⌋ + 2 are read.
 */
import { absLayer } from '../equivalence/kernels/magnitudes.js';
import { biasIndex } from '../network/connectivity.js';
import { sizeOf, type Conv2dLayer, type NeuronLayer } from '../network/topology.js';
import { forwardRows, type ForwardRows } from './kernels/forwardRows.js';

class ConvArrivalDrive {
  private readonly rows: ForwardRows;
  /** |b| of each neuron, in the rows' order. */
  private readonly initial: Float64Array;
  private readonly crossings: Int32Array;

  constructor(layer: Conv2dLayer) {
    const abs = absLayer(layer) as Conv2dLayer;
    const n = sizeOf(layer.outShape);
    this.rows = forwardRows(abs, 0, n);
    this.initial = new Float64Array(n);
    const place = this.rows.storage;
    for (let i = 0; i < n; i++) this.initial[place === null ? i : place[i]] = abs.bias[biasIndex(abs, i)];
    this.crossings = new Int32Array(Math.max(1, this.rows.maxRow));
  }

  drive(arrived: ArrayLike<number>): Float64Array {
    const rows = this.rows, V = rows.V;
    V.set(this.initial);
    for (let j = 0; j < arrived.length; j++) {
      const n = arrived[j];
      // θ = ∞ and no lower bound: nothing crosses.
      if (n !== 0) rows.accumulate(j, Math.abs(n), V, rows.neverFires, Infinity, this.crossings);
    }
    return V;
  }
}

/** One thread's drives, made per convolution when first asked (a helper thread is handed only some layers' tasks). */
export class ArrivalDrives {
  private readonly drives: (ConvArrivalDrive | null)[];

  constructor(private readonly layers: readonly NeuronLayer[]) {
    this.drives = layers.map(() => null);
  }

  /** Layer l's drives from the events that arrived, or null where it is not a convolution (the guard's own kernel serves). */
  drive(l: number, arrived: ArrayLike<number>): Float64Array | null {
    const layer = this.layers[l];
    if (layer.kind !== 'conv2d') return null;
    return (this.drives[l] ??= new ConvArrivalDrive(layer)).drive(arrived);
  }
}
