/**
 * Seeded data augmentation: each training image of a step is translated by a random whole number of
 * pixels in [−shift, shift] along each axis, optionally rotated and zoomed about its centre, and optionally
 * mirrored left to right (half of the images, for data whose classes are mirror-symmetric). The
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
}

export function augments(a: Augmentation | undefined): a is Augmentation {
  return a !== undefined && (a.shift > 0 || a.rotate > 0 || a.scale > 0 || a.flip);
}

/** Numbers per image in a transform array: [dy, dx, angle (radians), zoom, mirrored (0 or 1)]. */
export const TRANSFORM_SIZE = 5;

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
  // Mirrors last, so runs without them draw what they always drew.
  if (flip) for (let b = 0; b < count; b++) out[TRANSFORM_SIZE * b + 4] = rng.int(0, 1);
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

/**
 * The image (mirrored left to right when `mirrored` is 1) zoomed by `zoom` and rotated by `angle` about
 * its centre, then moved by (dy, dx): each output pixel is the rounded bilinear sample of the source at
 * the inverse-mapped point, 0 outside.
 */
export function transformImage(
  image: ArrayLike<number>,
  shape: readonly [number, number, number],
  [dy, dx, angle, zoom, mirrored = 0]: Float32Array | readonly number[],
  out: Float32Array,
): void {
  if (angle === 0 && zoom === 1) return shiftImage(image, shape, dy, dx, out, 0, mirrored === 1);
  const [channels, height, width] = shape;
  const cy = (height - 1) / 2, cx = (width - 1) / 2;
  const cos = Math.cos(angle) / zoom, sin = Math.sin(angle) / zoom;
  const at = (plane: number, y: number, x: number) => (y >= 0 && y < height && x >= 0 && x < width ? image[plane + y * width + x] : 0);
  for (let c = 0; c < channels; c++) {
    const plane = c * height * width;
    for (let y = 0; y < height; y++) {
      const v = y - cy - dy;
      for (let x = 0; x < width; x++) {
        const u = x - cx - dx;
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
