/**
 * The connectivity of a neuron layer, written out: every (input, output, weight index) triple, and the
 * bias each output reads. The fast paths (src/actors/kernels) lay rows out their own way; this is the
 * plain statement they are measured against (fan-in and fan-out sizes for statistics, tests).
 */
import { sizeOf, type NeuronLayer } from './topology.js';

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
