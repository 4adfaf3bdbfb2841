/**
 * Explicit connectivity of a neuron layer as compressed rows (CSR): who receives a spike of whom,
 * and through which weight. Convolution weights are shared, so entries hold an index into the
 * layer's weight array (pooling: index 0 of a one-element array holding its fixed weight).
 */
import { sizeOf, type NeuronLayer } from './topology.js';

export interface Synapses {
  /** Row r spans entries start[r] .. start[r + 1]. */
  start: Int32Array;
  /**
   * Entry e is the pair (pairs[2e], pairs[2e + 1]) = (neuron at the other end, index into
   * `weightsOf(layer)`). Interleaved, the hot loops read one cache line where two arrays need two.
   */
  pairs: Int32Array;
}

/** Weights as the synapses index them: the layer's weights, or pooling's one fixed weight. */
export function weightsOf(layer: NeuronLayer): Float64Array {
  return layer.kind === 'avgpool' ? Float64Array.of(layer.weight) : layer.weights;
}

/** Bias index of output neuron i (dense: i; conv: its channel), −1 for pooling (no bias). */
export function biasIndex(layer: NeuronLayer, i: number): number {
  if (layer.kind === 'dense') return i;
  if (layer.kind === 'conv2d') return Math.floor(i / (layer.outShape[1] * layer.outShape[2]));
  return -1;
}

/** Call fn(input j, output i, param) for every connection of the layer (padding taps excluded). */
export function forEachConnection(layer: NeuronLayer, fn: (from: number, to: number, param: number) => void): void {
  const [inC, inH, inW] = layer.inShape;
  const [outC, outH, outW] = layer.outShape;
  if (layer.kind === 'dense') {
    const n = sizeOf(layer.inShape);
    for (let i = 0; i < layer.units; i++) for (let j = 0; j < n; j++) fn(j, i, i * n + j);
  } else if (layer.kind === 'conv2d') {
    const { kernel: k, stride, padding } = layer;
    for (let o = 0; o < outC; o++)
      for (let oy = 0; oy < outH; oy++)
        for (let ox = 0; ox < outW; ox++)
          for (let c = 0; c < inC; c++)
            for (let ky = 0; ky < k; ky++) {
              const iy = oy * stride - padding + ky;
              if (iy < 0 || iy >= inH) continue;
              for (let kx = 0; kx < k; kx++) {
                const ix = ox * stride - padding + kx;
                if (ix < 0 || ix >= inW) continue;
                fn((c * inH + iy) * inW + ix, (o * outH + oy) * outW + ox, ((o * inC + c) * k + ky) * k + kx);
              }
            }
  } else {
    const s = layer.size;
    for (let c = 0; c < outC; c++)
      for (let oy = 0; oy < outH; oy++)
        for (let ox = 0; ox < outW; ox++)
          for (let dy = 0; dy < s; dy++)
            for (let dx = 0; dx < s; dx++) fn((c * inH + oy * s + dy) * inW + ox * s + dx, (c * outH + oy) * outW + ox, 0);
  }
}

function buildRows(rows: number, visit: (emit: (row: number, other: number, param: number) => void) => void): Synapses {
  const start = new Int32Array(rows + 1);
  visit((row) => start[row + 1]++);
  for (let r = 0; r < rows; r++) start[r + 1] += start[r];
  const pairs = new Int32Array(2 * start[rows]);
  const fill = start.slice(0, rows);
  visit((row, o, p) => {
    const at = fill[row]++;
    pairs[2 * at] = o;
    pairs[2 * at + 1] = p;
  });
  return { start, pairs };
}

/**
 * Forward fan-out: one row per input j, entries = outputs i in [lo, hi) it feeds (as i − lo).
 * A shard owning outputs [lo, hi) integrates exactly these.
 */
export function fanOut(layer: NeuronLayer, lo = 0, hi = sizeOf(layer.outShape)): Synapses {
  return buildRows(sizeOf(layer.inShape), (emit) =>
    forEachConnection(layer, (j, i, p) => {
      if (i >= lo && i < hi) emit(j, i - lo, p);
    }),
  );
}

/**
 * Fan-in: one row per output i, entries = inputs j in [lo, hi) feeding it (as j − lo). Error spikes
 * of i travel down these rows; with the full input range they also give i's weight increments.
 */
export function fanIn(layer: NeuronLayer, lo = 0, hi = sizeOf(layer.inShape)): Synapses {
  return buildRows(sizeOf(layer.outShape), (emit) =>
    forEachConnection(layer, (j, i, p) => {
      if (j >= lo && j < hi) emit(i, j - lo, p);
    }),
  );
}
