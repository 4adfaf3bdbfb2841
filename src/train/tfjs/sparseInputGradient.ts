/**
 * The input gradient of a stride-1 NHWC convolution from the non-zero errors of the images whose
 * errors are all integers (the spike gradient's): dx[b, oy + ky − top, ox + kx − left, ci] +=
 * e·W[ky, kx, ci, co] for every error e = dy[b, oy, ox, co] ≠ 0, in error order, four lanes at a time
 * (wasm/sparseConv.wat: each error adds one run of (kx, ci) per row of taps). MNIST's second
 * convolution has about 1 % of its errors non-zero, so this visits a fraction of what the product
 * over the rows with an error does. An image's values depend only on its own errors, never on the
 * rest of the batch; images with other errors (the float gradient's) or many non-zero ones are left
 * to the caller.
 */
import type { ConvGeometry } from './convGeometry.js';
import { regions, sparseConvMemory } from './sparseConvMemory.js';

/**
 * Beyond this share of non-zero errors in an image, its product over the rows with an error is
 * faster (the same number of products, in a matrix kernel): that image is left to the caller.
 */
export const SPARSE_ERRORS_AT_MOST = 0.25;

/**
 * Writes dx for each image whose errors are all integers, at most SPARSE_ERRORS_AT_MOST of them
 * non-zero, and returns a flag per image (1: written); the other images' parts of dx are left untouched.
 */
export function sparseInputGradient(dy: Float32Array, filter: Float32Array, g: ConvGeometry, dx: Float32Array): Uint8Array {
  const { batch, height: H, width: W, inChannels: CI, outHeight: OH, outWidth: OW, outChannels: CO, kernelHeight: KH, kernelWidth: KW, padTop, padLeft } = g;
  const perImage = OH * OW * CO;
  const taps = KH * KW * CI;
  const inPerImage = H * W * CI;
  if (dy.length !== batch * perImage || filter.length !== taps * CO || dx.length !== batch * inPerImage) {
    throw new Error(`sparse input gradient: expected ${batch * perImage} errors, ${taps * CO} weights and ${batch * inPerImage} input gradients; found ${dy.length}, ${filter.length} and ${dx.length}`);
  }
  // The non-zero errors, image by image; an image with one that is not an integer, or with too many,
  // is not written.
  const integer = new Uint8Array(batch);
  const found: number[] = [];
  const bits = new Int32Array(dy.buffer, dy.byteOffset, dy.length);
  const most = Math.floor(SPARSE_ERRORS_AT_MOST * perImage);
  for (let b = 0; b < batch; b++) {
    const from = b * perImage, to = from + perImage, mark = found.length;
    let taken = true;
    for (let i = from; i < to && taken; i += 4) {
      if (i + 4 <= to && ((bits[i] | bits[i + 1] | bits[i + 2] | bits[i + 3]) & 0x7fffffff) === 0) continue;
      for (let j = i; j < Math.min(i + 4, to); j++) {
        const e = dy[j];
        if (e === 0) continue;
        if (!Number.isInteger(e) || found.length - mark === most) {
          taken = false;
          break;
        }
        found.push(j);
      }
    }
    if (taken) integer[b] = 1;
    else found.length = mark;
  }
  // No image taken (the float gradient's errors): nothing to compute here.
  if (!integer.includes(1)) return integer;
  const { at: [filterAt, wtAt, dxAt, jobAt], end } = regions([taps * CO * 4, taps * CO * 4, dx.length * 4, found.length * KH * 16]);
  const { loops, buffer } = sparseConvMemory(end);
  // W as [co][ky][kx][ci]: the taps one error reaches along a row are then contiguous, as in dx.
  const heap = new Float32Array(buffer);
  heap.set(filter, filterAt / 4);
  loops.transpose(filterAt, wtAt, taps, CO);
  new Float32Array(buffer, dxAt, dx.length).fill(0);
  const jobWords = new Int32Array(buffer, jobAt, found.length * KH * 4);
  const jobErrors = new Float32Array(buffer, jobAt, found.length * KH * 4);
  let jobs = 0;
  for (const i of found) {
    const co = i % CO;
    const pos = (i - co) / CO;
    const ox = pos % OW;
    const rest = (pos - ox) / OW;
    const oy = rest % OH;
    const b = (rest - oy) / OH;
    const left = ox - padLeft;
    const kxFrom = Math.max(0, -left), kxTo = Math.min(KW, W - left);
    if (kxFrom >= kxTo) continue;
    for (let ky = 0; ky < KH; ky++) {
      const iy = oy + ky - padTop;
      if (iy < 0 || iy >= H) continue;
      const j = 4 * jobs++;
      jobWords[j] = 4 * (((co * KH + ky) * KW + kxFrom) * CI);
      jobWords[j + 1] = 4 * (((b * H + iy) * W + left + kxFrom) * CI);
      jobWords[j + 2] = (kxTo - kxFrom) * CI;
      jobErrors[j + 3] = dy[i];
    }
  }
  loops.addRuns(jobAt, jobs, wtAt, dxAt);
  const sums = new Float32Array(buffer, dxAt, dx.length);
  for (let b = 0; b < batch; b++) if (integer[b]) dx.set(sums.subarray(b * inPerImage, (b + 1) * inPerImage), b * inPerImage);
  return integer;
}
