/**
 * How an error spike δ of neuron k of the layer above reaches our neurons [lo, hi) (its inputs):
 * contiguous rows of targets and weights, as forwardRows.ts does for the forward direction. The
 * upper layer's kind decides the layout: dense, a row of W itself; convolution, its window (in
 * increasing input position) one input channel at a time, with the weights laid out [o][c][tap];
 * pooling, its window with the one fixed weight.
 *
 * `accumulate` adds w_kj·δ to U_j and records the local indices whose compartment reached ±Θbp and
 * that may fire (f' = 1) in `crossings`, in increasing order (the order the rows are walked in); it
 * returns how many.
 */
import { sizeOf, type AvgPoolLayer, type Conv2dLayer, type DenseLayer, type NeuronLayer } from '../../network/topology.js';
import { convWindows, poolWindows, type Windows } from './windows.js';

export interface ErrorRows {
  readonly maxRow: number;
  accumulate(k: number, delta: number, U: Float64Array, fPrime: Uint8Array, thetaBp: number, crossings: Int32Array): number;
  refresh(): void;
}

/** Upper dense layer: row k of its weights, the part over our neurons, read in place. */
class DenseErrorRows implements ErrorRows {
  readonly maxRow: number;
  private readonly inputs: number;

  constructor(
    private readonly upper: DenseLayer,
    private readonly lo: number,
    hi: number,
  ) {
    this.inputs = sizeOf(upper.inShape);
    this.maxRow = hi - lo;
  }

  refresh(): void {}

  accumulate(k: number, delta: number, U: Float64Array, fPrime: Uint8Array, thetaBp: number, crossings: Int32Array): number {
    const w = this.upper.weights, m = this.maxRow, base = k * this.inputs + this.lo;
    let n = 0;
    for (let j = 0; j < m; j++) {
      const u = (U[j] += delta * w[base + j]);
      if ((u >= thetaBp || u <= -thetaBp) && fPrime[j] === 1) crossings[n++] = j;
    }
    return n;
  }
}

/** Upper convolution: our neurons are its input channels [cLo, cHi) (whole channels). */
class ConvErrorRows implements ErrorRows {
  readonly maxRow: number;
  private readonly windows: Windows;
  private readonly cIn: number;
  private readonly channels: number;
  private readonly cLo: number;
  private readonly inPlane: number;
  private readonly outPlane: number;
  private readonly taps: number;

  constructor(
    private readonly upper: Conv2dLayer,
    lo: number,
    hi: number,
  ) {
    const [, inH, inW] = upper.inShape;
    this.inPlane = inH * inW;
    if (lo % this.inPlane !== 0 || hi % this.inPlane !== 0) throw new Error(`the inputs of a convolution are owned by whole channels, found [${lo}, ${hi}) with ${this.inPlane} per channel`);
    this.cLo = lo / this.inPlane;
    this.channels = (hi - lo) / this.inPlane;
    this.outPlane = upper.outShape[1] * upper.outShape[2];
    this.taps = upper.kernel * upper.kernel;
    this.windows = convWindows(upper);
    let longest = 0;
    for (let p = 0; p < this.outPlane; p++) longest = Math.max(longest, this.windows.start[p + 1] - this.windows.start[p]);
    this.maxRow = longest * this.channels;
    this.cIn = upper.inShape[0];
  }

  /** The upper layer's weights are read in place ([o][c][tap]). */
  refresh(): void {}

  accumulate(k: number, delta: number, U: Float64Array, fPrime: Uint8Array, thetaBp: number, crossings: Int32Array): number {
    const o = (k / this.outPlane) | 0;
    const p = k - o * this.outPlane;
    const { start, input, tap } = this.windows;
    const w = this.upper.weights, n = this.channels, plane = this.inPlane, taps = this.taps;
    const first = start[p], end = start[p + 1];
    let crossed = 0;
    for (let q = 0; q < n; q++) {
      const uBase = q * plane, wBase = (o * this.cIn + this.cLo + q) * taps;
      for (let r = first; r < end; r++) {
        const j = uBase + input[r];
        const u = (U[j] += delta * w[wBase + tap[r]]);
        if ((u >= thetaBp || u <= -thetaBp) && fPrime[j] === 1) crossings[crossed++] = j;
      }
    }
    return crossed;
  }
}

/** Upper pooling: its window in the same channel, with its one weight. */
class PoolErrorRows implements ErrorRows {
  readonly maxRow: number;
  private readonly windows: Windows;
  private readonly outPlane: number;
  private readonly inPlane: number;
  private readonly cLo: number;
  private readonly cHi: number;

  constructor(
    private readonly upper: AvgPoolLayer,
    lo: number,
    hi: number,
  ) {
    const [, inH, inW] = upper.inShape;
    this.inPlane = inH * inW;
    if (lo % this.inPlane !== 0 || hi % this.inPlane !== 0) throw new Error(`the inputs of a pooling layer are owned by whole channels, found [${lo}, ${hi}) with ${this.inPlane} per channel`);
    this.cLo = lo / this.inPlane;
    this.cHi = hi / this.inPlane;
    this.outPlane = upper.outShape[1] * upper.outShape[2];
    this.windows = poolWindows(upper);
    this.maxRow = upper.size * upper.size;
  }

  refresh(): void {}

  accumulate(k: number, delta: number, U: Float64Array, fPrime: Uint8Array, thetaBp: number, crossings: Int32Array): number {
    const c = (k / this.outPlane) | 0;
    if (c < this.cLo || c >= this.cHi) return 0;
    const p = k - c * this.outPlane;
    const base = (c - this.cLo) * this.inPlane;
    const { start, input } = this.windows;
    const v = delta * this.upper.weight;
    let crossed = 0;
    for (let r = start[p], end = start[p + 1]; r < end; r++) {
      const j = base + input[r];
      const u = (U[j] += v);
      if ((u >= thetaBp || u <= -thetaBp) && fPrime[j] === 1) crossings[crossed++] = j;
    }
    return crossed;
  }
}

/** Rows for the error spikes of `upper` into our neurons [lo, hi) (its inputs). */
export function errorRows(upper: NeuronLayer, lo: number, hi: number): ErrorRows {
  if (upper.kind === 'dense') return new DenseErrorRows(upper, lo, hi);
  if (upper.kind === 'conv2d') return new ConvErrorRows(upper, lo, hi);
  return new PoolErrorRows(upper, lo, hi);
}
