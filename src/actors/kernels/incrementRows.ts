/**
 * The weight increments of one error spike z of neuron i: −z·S_j on ΔW_ij for every input j, −z on
 * Δb_i (docs/algorithm.md §4), over rows laid out once per layer. Dense: row i of ΔW against the whole
 * input. Convolution: the neuron's window, one tap at a time over contiguous input channels. Pooling has
 * no weights; its error spikes still cost their fan-in in accumulations.
 */
import { sizeOf, type Conv2dLayer, type NeuronLayer } from '../../network/topology.js';
import { convWindows, poolWindows, type Windows } from './windows.js';

export interface IncrementRows {
  /** Inputs of each neuron (the accumulations one of its error spikes costs). */
  readonly fanIn: Int32Array;
  /** Add the increments of error spike z of neuron i (global index), with `x` the values feeding the layer. */
  apply(i: number, z: number, x: Float64Array, dW: Float64Array, db: Float64Array): void;
}

class DenseIncrements implements IncrementRows {
  readonly fanIn: Int32Array;
  private readonly inputs: number;

  constructor(units: number, inputs: number) {
    this.inputs = inputs;
    this.fanIn = new Int32Array(units).fill(inputs);
  }

  apply(i: number, z: number, x: Float64Array, dW: Float64Array, db: Float64Array): void {
    const n = this.inputs, base = i * n;
    for (let j = 0; j < n; j++) dW[base + j] -= z * x[j];
    db[i] -= z;
  }
}

class ConvIncrements implements IncrementRows {
  readonly fanIn: Int32Array;
  private readonly windows: Windows;
  private readonly plane: number;
  private readonly inPlane: number;
  private readonly inChannels: number;
  private readonly taps: number;

  constructor(layer: Conv2dLayer) {
    this.windows = convWindows(layer);
    this.plane = layer.outShape[1] * layer.outShape[2];
    this.inPlane = layer.inShape[1] * layer.inShape[2];
    this.inChannels = layer.inShape[0];
    this.taps = layer.kernel * layer.kernel;
    const { start } = this.windows;
    this.fanIn = Int32Array.from({ length: sizeOf(layer.outShape) }, (_, i) => {
      const p = i % this.plane;
      return (start[p + 1] - start[p]) * this.inChannels;
    });
  }

  apply(i: number, z: number, x: Float64Array, dW: Float64Array, db: Float64Array): void {
    const o = (i / this.plane) | 0;
    const p = i - o * this.plane;
    const { start, input, tap } = this.windows;
    const cIn = this.inChannels, taps = this.taps, plane = this.inPlane;
    const base = o * cIn * taps;
    for (let r = start[p], end = start[p + 1]; r < end; r++) {
      const t = base + tap[r];
      for (let c = 0, j = input[r]; c < cIn; c++, j += plane) dW[t + c * taps] -= z * x[j];
    }
    db[o] -= z;
  }
}

class PoolIncrements implements IncrementRows {
  readonly fanIn: Int32Array;

  constructor(windows: Windows, outPlane: number, channels: number) {
    this.fanIn = Int32Array.from({ length: outPlane * channels }, (_, i) => {
      const p = i % outPlane;
      return windows.start[p + 1] - windows.start[p];
    });
  }

  apply(): void {}
}

export function incrementRows(layer: NeuronLayer): IncrementRows {
  if (layer.kind === 'dense') return new DenseIncrements(layer.units, sizeOf(layer.inShape));
  if (layer.kind === 'conv2d') return new ConvIncrements(layer);
  return new PoolIncrements(poolWindows(layer), layer.outShape[1] * layer.outShape[2], layer.outShape[0]);
}
