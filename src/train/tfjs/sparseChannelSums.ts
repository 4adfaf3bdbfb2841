/**
 * Σ over every axis but the last of a mostly zero integer tensor (the spike gradient's errors: their
 * bias gradients), adding only the non-zero values (wasm/sparseConv.wat skips sixteen zeros at a
 * time), in float64: exact, and so the very bits of the backend's float32 sum, wherever every value
 * is an integer and Σ|values| stays below 2^24 (then every partial sum is exact in either).
 * Elsewhere (a value that is not an integer, a larger sum) it answers false and the backend's kernel
 * runs.
 */
import { regions, sparseConvMemory } from './sparseConvMemory.js';

const EXACT_LIMIT = 2 ** 24;

/** out[c] = Σ_n x[n·channels + c]; false (out untouched) where exactness cannot be promised. */
export function sparseChannelSums(x: Float32Array, channels: number, out: Float32Array): boolean {
  const { at: [xAt, sumsAt], end } = regions([x.length * 4, channels * 8]);
  const { loops, buffer } = sparseConvMemory(end);
  new Float32Array(buffer, xAt, x.length).set(x);
  const sums = new Float64Array(buffer, sumsAt, channels);
  sums.fill(0);
  const mass = loops.channelSums(xAt, x.length, channels, sumsAt);
  if (!(mass >= 0 && mass < EXACT_LIMIT)) return false;
  for (let c = 0; c < channels; c++) out[c] = sums[c];
  return true;
}
