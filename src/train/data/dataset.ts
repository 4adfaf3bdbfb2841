/** An image-classification data set held as raw integer pixels (they are the first layer's input). */

export interface Dataset {
  name: string;
  /** [channels, height, width]. */
  shape: [number, number, number];
  classes: number;
  count: number;
  /** count × (c·h·w) pixels, layout [n][c][y][x]. */
  images: Uint8Array;
  labels: Uint8Array;
}

export interface DatasetSplits {
  train: Dataset;
  validation: Dataset;
  test: Dataset;
}

export const imageSize = (d: Dataset): number => d.shape[0] * d.shape[1] * d.shape[2];

/** The pixels of image i (a view, no copy). */
export function imageAt(d: Dataset, i: number): Uint8Array {
  const n = imageSize(d);
  return d.images.subarray(i * n, (i + 1) * n);
}

/** Images [from, to) as a data set sharing memory with the original. */
export function sliceDataset(d: Dataset, from: number, to: number, name = d.name): Dataset {
  const n = imageSize(d);
  const end = Math.min(to, d.count);
  return { ...d, name, count: end - from, images: d.images.subarray(from * n, end * n), labels: d.labels.subarray(from, end) };
}

/**
 * The paper's split: the last 10,000 training images validate, the first 50,000 train. Smaller files
 * (generated or cut-down data) keep the same 1:5 ratio.
 */
export function splitTrainValidation(train: Dataset, test: Dataset, validationSize = 10_000): DatasetSplits {
  const cut = train.count - Math.min(validationSize, Math.round(train.count / 6));
  return {
    train: sliceDataset(train, 0, cut, `${train.name}/train`),
    validation: sliceDataset(train, cut, train.count, `${train.name}/validation`),
    test: { ...test, name: `${test.name.split('/')[0]}/test` },
  };
}

const largestPixels = new WeakMap<Uint8Array, number>();

/** The largest pixel value of a data set (the bound of its first layer's input), computed once. */
export function largestPixel(d: Dataset): number {
  let max = largestPixels.get(d.images);
  if (max === undefined) {
    max = 0;
    const pixels = d.images.subarray(0, d.count * imageSize(d));
    for (let i = 0; i < pixels.length; i++) if (pixels[i] > max) max = pixels[i];
    largestPixels.set(d.images, max);
  }
  return max;
}
