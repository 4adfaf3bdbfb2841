/**
 * The forward pass of a convolution whose input has few channels and is mostly zero (MNIST's pixels:
 * 81 % zero), from its non-zero inputs (wasm/sparseConv.wat); the backend's kernel is least efficient
 * at one input channel. Each output is its bias plus its window's products in (ky, kx, channel)
 * order, in float32: wherever the mirror is exact (every partial sum exactly represented, as below
 * 2^24 of the layer's units) that is the backend's convolution bit for bit, since exact sums do not
 * depend on their order, so which of the two computes a batch changes nothing there.
 */
import type { ConvGeometry } from './convGeometry.js';
import { regions, sparseConvMemory } from './sparseConvMemory.js';

export interface ConvForwardGeometry extends ConvGeometry {
  stride: number;
}

/** Inputs with fewer channels than this may take the sparse kernel; wider ones (spike counts of many maps) gain nothing from it on MNIST. */
export const SPARSE_BELOW_CHANNELS = 4;
/**
 * ...and only where at most this share of the inputs is non-zero: measured on 32 MNIST-sized images
 * at one channel, 15 outputs, the sparse kernel takes 0.55× the backend's time at 18.5 % non-zero,
 * 1.2× at 50 % (Fashion-MNIST's share), 1.9× at 100 %.
 */
export const SPARSE_AT_MOST = 0.3;

/** Whether an input is sparse enough for sparseConvForward to pay. */
export function sparseEnough(x: Float32Array): boolean {
  let nonZero = 0;
  for (let i = 0; i < x.length; i++) if (x[i] !== 0) nonZero++;
  return nonZero <= SPARSE_AT_MOST * x.length;
}

/** Output lanes per chunk of the loop (four f32x4). */
const LANES = 16;

/** out = conv(x, filter) + bias, relu'd when asked; NHWC, filter [ky][kx][in][out] as tfjs lays it out. */
export function sparseConvForward(x: Float32Array, filter: Float32Array, bias: Float32Array | null, g: ConvForwardGeometry, relu: boolean, out: Float32Array): void {
  const chunks = Math.ceil(g.outChannels / LANES);
  const paddedOut = chunks * LANES;
  const inputs = g.batch * g.height * g.width * g.inChannels;
  const taps = g.kernelHeight * g.kernelWidth * g.inChannels;
  const outputs = g.batch * g.outHeight * g.outWidth * g.outChannels;
  if (x.length !== inputs || filter.length !== taps * g.outChannels || out.length !== outputs || (bias !== null && bias.length !== g.outChannels)) {
    throw new Error(`sparse convolution: expected ${inputs} inputs, ${taps * g.outChannels} weights, ${g.outChannels} biases and ${outputs} outputs; found ${x.length}, ${filter.length}, ${bias?.length ?? 0} and ${out.length}`);
  }
  // The outputs' region runs a padded row past the last output: the last chunk's spare lanes.
  const { at: [inAt, wAt, biasAt, outAt], end } = regions([inputs * 4, taps * paddedOut * 4, paddedOut * 4, (outputs + paddedOut) * 4]);
  const { loops: l, buffer } = sparseConvMemory(end);
  const heap = new Float32Array(buffer);
  heap.set(x, inAt / 4);
  const w = heap.subarray(wAt / 4, biasAt / 4);
  if (paddedOut === g.outChannels) w.set(filter);
  else {
    w.fill(0);
    for (let t = 0; t < taps; t++) w.set(filter.subarray(t * g.outChannels, (t + 1) * g.outChannels), t * paddedOut);
  }
  const b = heap.subarray(biasAt / 4, biasAt / 4 + paddedOut);
  b.fill(0);
  if (bias !== null) b.set(bias);
  l.convScatter(inAt, wAt, biasAt, outAt, g.batch, g.height, g.width, g.inChannels, g.outHeight, g.outWidth, g.outChannels, chunks, g.kernelHeight, g.kernelWidth, g.stride, g.padTop, g.padLeft);
  if (relu) l.relu(outAt, outputs);
  out.set(heap.subarray(outAt / 4, outAt / 4 + outputs));
}
