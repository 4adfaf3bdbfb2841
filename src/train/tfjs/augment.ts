/**
 * Seeded data augmentation: each training image of a step is translated by a random whole number of
 * pixels in [−max, max] along each axis (zeros shifted in). The shifts are a function of (seed, epoch,
 * step) and are drawn for the whole mini-batch before it is split across workers, so they do not depend
 * on the worker count, and a resumed run draws the same ones.
 */
import { Rng } from '../../random.js';

/** [dy, dx] per image of the batch. */
export function batchShifts(seed: number, epoch: number, step: number, count: number, maxShift: number): Int8Array {
  const rng = new Rng((seed * 7907 + epoch * 1_000_003 + step * 2_003) | 0);
  return Int8Array.from({ length: 2 * count }, () => rng.int(-maxShift, maxShift));
}

/** out[c][y][x] = image[c][y − dy][x − dx], 0 outside (layout [c][y][x]). */
export function shiftImage(image: ArrayLike<number>, shape: readonly [number, number, number], dy: number, dx: number, out: Float32Array, offset = 0): void {
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
        const sx = x - dx;
        out[row + x] = sx >= 0 && sx < width ? image[src + sx] : 0;
      }
    }
  }
}
