/**
 * Seeded data augmentation: each training image of a step is translated by a random whole number of
 * pixels in [−shift, shift] along each axis, optionally rotated and zoomed about its centre, and optionally
 * mirrored left to right (half of the images, for data whose classes are mirror-symmetric), and
 * optionally distorted elastically (Simard, Steinkraus & Platt 2003: a field of uniform random
 * displacements smoothed by a Gaussian of width σ and scaled by α pixels). The
 * transforms are a function of (seed, epoch, step) and are drawn for the whole mini-batch before it is
 * split across workers, so they do not depend on the worker count, and a resumed run draws the same ones.
 * Warped pixels are bilinear samples rounded half away from zero: inputs stay integers, so spike
 * gradients stay integers and their sums do not depend on the order.
 */
import { roundHalfAwayReal } from '../../network/rounding.js';
import { Rng } from '../../random.js';

export interface Augmentation {
  /** Largest translation, in whole pixels. */
  shift: number;
  /** Largest rotation, in degrees. */
  rotate: number;
  /** Largest relative zoom: factors in [1 − scale, 1 + scale]. */
  scale: number;
  /** Mirror each image left to right with probability 1/2. */
  flip: boolean;
  /** Elastic distortion: scale α of the smoothed displacement field, in pixels (0 or absent: none). */
  elastic?: number;
  /** Elastic distortion: width σ of the Gaussian that smooths the field, in pixels. */
  elasticSigma?: number;
}

export const DEFAULT_ELASTIC_SIGMA = 4;

export function augments(a: Augmentation | undefined): a is Augmentation {
  return a !== undefined && (a.shift > 0 || a.rotate > 0 || a.scale > 0 || a.flip || (a.elastic ?? 0) > 0);
}

/**
 * Numbers per image in a transform array: [dy, dx, angle (radians), zoom, mirrored (0 or 1), elastic
 * field seed, elastic α, elastic σ] (α 0: no elastic distortion). A worker makes the field from its
 * seed, so a batch's transforms stay a few numbers per image.
 */
export const TRANSFORM_SIZE = 8;
/** Field seeds are whole numbers below 2^24, exact in a Float32Array. */
const FIELD_SEEDS = 2 ** 24 - 1;

/** One transform per image of the batch. */
export function batchTransforms(seed: number, epoch: number, step: number, count: number, augmentation: Augmentation): Float32Array {
  const { shift, rotate, scale, flip } = augmentation;
  const rng = new Rng((seed * 7907 + epoch * 1_000_003 + step * 2_003) | 0);
  const out = new Float32Array(TRANSFORM_SIZE * count);
  // Translations first, so a shift-only run draws exactly what it always drew.
  for (let b = 0; b < count; b++) {
    out[TRANSFORM_SIZE * b] = rng.int(-shift, shift);
    out[TRANSFORM_SIZE * b + 1] = rng.int(-shift, shift);
  }
  const symmetric = (max: number) => (2 * rng.float() - 1) * max;
  for (let b = 0; b < count; b++) {
    out[TRANSFORM_SIZE * b + 2] = rotate > 0 ? (symmetric(rotate) * Math.PI) / 180 : 0;
    out[TRANSFORM_SIZE * b + 3] = scale > 0 ? 1 + symmetric(scale) : 1;
  }
  // Mirrors, then fields, so runs without them draw what they always drew.
  if (flip) for (let b = 0; b < count; b++) out[TRANSFORM_SIZE * b + 4] = rng.int(0, 1);
  const elastic = augmentation.elastic ?? 0;
  if (elastic > 0) {
    for (let b = 0; b < count; b++) {
      out[TRANSFORM_SIZE * b + 5] = rng.int(1, FIELD_SEEDS);
      out[TRANSFORM_SIZE * b + 6] = elastic;
      out[TRANSFORM_SIZE * b + 7] = augmentation.elasticSigma ?? DEFAULT_ELASTIC_SIGMA;
    }
  }
  return out;
}

/**
 * out[c][y][x] = image[c][y − dy][x − dx], 0 outside (layout [c][y][x]); mirrored: the image is first
 * mirrored left to right (x → width − 1 − x), then moved.
 */
export function shiftImage(image: ArrayLike<number>, shape: readonly [number, number, number], dy: number, dx: number, out: Float32Array, offset = 0, mirrored = false): void {
  const [channels, height, width] = shape;
  for (let c = 0; c < channels; c++) {
    for (let y = 0; y < height; y++) {
      const sy = y - dy;
      const row = offset + (c * height + y) * width;
      if (sy < 0 || sy >= height) {
        out.fill(0, row, row + width);
        continue;
      }
      const src = (c * height + sy) * width;
      for (let x = 0; x < width; x++) {
        const sx = mirrored ? width - 1 - (x - dx) : x - dx;
        out[row + x] = sx >= 0 && sx < width ? image[src + sx] : 0;
      }
    }
  }
}

/** Gaussian weights exp(−k²/2σ²) for |k| ≤ ⌈3σ⌉, summing to 1. */
function gaussian(sigma: number): Float64Array {
  const radius = Math.ceil(3 * sigma);
  const g = new Float64Array(2 * radius + 1);
  for (let k = -radius; k <= radius; k++) g[k + radius] = Math.exp(-(k * k) / (2 * sigma * sigma));
  const total = g.reduce((a, b) => a + b, 0);
  return g.map((v) => v / total);
}

/** Scratch for the fields (allocated once per image size and kernel width) and the Gaussians by σ. */
let fieldScratch: { size: number; r: number; ux: Float64Array; uy: Float64Array; noise: Float64Array; rows: Float64Array; columns: Float64Array } | null = null;
const kernels = new Map<number, Float64Array>();

/**
 * Simard's elastic field: per pixel, displacements uniform in [−1, 1) along each axis, smoothed by a
 * Gaussian of width σ (zeros beyond the edges), times α (pixels). A function of the seed alone, so
 * every worker makes the same one.
 */
export function elasticField(seed: number, height: number, width: number, alpha: number, sigma: number): { ux: Float64Array; uy: Float64Array } {
  let g = kernels.get(sigma);
  if (!g) kernels.set(sigma, (g = gaussian(sigma)));
  const r = (g.length - 1) / 2;
  const size = height * width;
  const paddedWidth = width + 2 * r;
  if (fieldScratch?.size !== size || fieldScratch.r !== r) {
    fieldScratch = {
      size, r, ux: new Float64Array(size), uy: new Float64Array(size), noise: new Float64Array(size),
      // Rows padded with r zeros on each side; columns with r zero rows above and below.
      rows: new Float64Array(height * paddedWidth), columns: new Float64Array((height + 2 * r) * width),
    };
  }
  const { ux, uy, noise, rows, columns } = fieldScratch;
  const rng = new Rng(seed);
  for (const u of [ux, uy]) {
    rng.fillSymmetric(noise);
    for (let y = 0; y < height; y++) rows.set(noise.subarray(y * width, (y + 1) * width), y * paddedWidth + r);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const at = y * paddedWidth + x;
        let t = 0;
        for (let k = 0; k < g.length; k++) t += g[k] * rows[at + k];
        columns[(y + r) * width + x] = t;
      }
    }
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        let t = 0;
        for (let k = 0; k < g.length; k++) t += g[k] * columns[(y + k) * width + x];
        u[y * width + x] = alpha * t;
      }
    }
  }
  return { ux, uy };
}

/**
 * The image (mirrored left to right when `mirrored` is 1) zoomed by `zoom` and rotated by `angle` about
 * its centre, then moved by (dy, dx), and last distorted by an elastic field (when its α is above 0):
 * output pixel (x, y) is the rounded bilinear sample of the source at the inverse-mapped point of
 * (x + ux, y + uy), 0 outside.
 */
export function transformImage(
  image: ArrayLike<number>,
  shape: readonly [number, number, number],
  [dy, dx, angle, zoom, mirrored = 0, fieldSeed = 0, elastic = 0, sigma = DEFAULT_ELASTIC_SIGMA]: Float32Array | readonly number[],
  out: Float32Array,
): void {
  if (angle === 0 && zoom === 1 && elastic === 0) return shiftImage(image, shape, dy, dx, out, 0, mirrored === 1);
  const [channels, height, width] = shape;
  const field = elastic > 0 ? elasticField(fieldSeed, height, width, elastic, sigma) : null;
  const cy = (height - 1) / 2, cx = (width - 1) / 2;
  const cos = Math.cos(angle) / zoom, sin = Math.sin(angle) / zoom;
  const at = (plane: number, y: number, x: number) => (y >= 0 && y < height && x >= 0 && x < width ? image[plane + y * width + x] : 0);
  for (let c = 0; c < channels; c++) {
    const plane = c * height * width;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const v = y + (field ? field.uy[y * width + x] : 0) - cy - dy;
        const u = x + (field ? field.ux[y * width + x] : 0) - cx - dx;
        const turned = cx + cos * u + sin * v;
        const sx = mirrored === 1 ? width - 1 - turned : turned;
        const sy = cy - sin * u + cos * v;
        const x0 = Math.floor(sx), y0 = Math.floor(sy);
        const fx = sx - x0, fy = sy - y0;
        const top = at(plane, y0, x0) * (1 - fx) + at(plane, y0, x0 + 1) * fx;
        const bottom = at(plane, y0 + 1, x0) * (1 - fx) + at(plane, y0 + 1, x0 + 1) * fx;
        out[plane + y * width + x] = roundHalfAwayReal(top * (1 - fy) + bottom * fy);
      }
    }
  }
}
