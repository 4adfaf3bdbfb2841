/** Mini-batches of a data set as tfjs inputs: raw pixels in NHWC order (the first layer's input) and one-hot targets. */
import * as tf from '@tensorflow/tfjs-core';
import { imageSize, type Dataset } from '../data/dataset.js';
import { TRANSFORM_SIZE, transformImage } from './augment.js';

export interface BatchTensors {
  x: tf.Tensor;
  targets: tf.Tensor2D;
  labels: Uint8Array;
}

/** Re-usable staging buffers for batches of up to `capacity` images. */
export class BatchBuilder {
  private readonly pixels: Float32Array;
  private readonly oneHot: Float32Array;
  private readonly labels: Uint8Array;

  constructor(
    private readonly data: Dataset,
    private readonly capacity: number,
  ) {
    this.pixels = new Float32Array(capacity * imageSize(data));
    this.oneHot = new Float32Array(capacity * data.classes);
    this.labels = new Uint8Array(capacity);
  }

  private warped: Float32Array | null = null;

  /** Images `indices` (at most `capacity`), warped by `transforms` (augment.ts, one per image) when given; the caller disposes the tensors. */
  build(indices: ArrayLike<number>, transforms?: Float32Array): BatchTensors {
    const { data } = this;
    const [c, h, w] = data.shape;
    const n = imageSize(data);
    const count = indices.length;
    if (count > this.capacity) throw new Error(`batch of ${count} exceeds the builder's capacity ${this.capacity}`);
    this.oneHot.fill(0, 0, count * data.classes);
    for (let b = 0; b < count; b++) {
      const image = indices[b];
      const src = image * n;
      const dst = b * n;
      const transform = transforms?.subarray(TRANSFORM_SIZE * b, TRANSFORM_SIZE * (b + 1));
      if (transform && !isIdentity(transform)) {
        this.warped ??= new Float32Array(n);
        transformImage(data.images.subarray(src, src + n), data.shape, transform, this.warped);
        // [c][y][x] → [y][x][c]
        for (let ch = 0; ch < c; ch++) for (let p = 0; p < h * w; p++) this.pixels[dst + p * c + ch] = this.warped[ch * h * w + p];
      } else if (c === 1) {
        for (let i = 0; i < n; i++) this.pixels[dst + i] = data.images[src + i];
      } else {
        // [c][y][x] → [y][x][c]
        for (let ch = 0; ch < c; ch++) for (let p = 0; p < h * w; p++) this.pixels[dst + p * c + ch] = data.images[src + ch * h * w + p];
      }
      const label = data.labels[image];
      this.labels[b] = label;
      this.oneHot[b * data.classes + label] = 1;
    }
    return {
      x: tf.tensor4d(this.pixels.subarray(0, count * n), [count, h, w, c]),
      targets: tf.tensor2d(this.oneHot.subarray(0, count * data.classes), [count, data.classes]),
      labels: this.labels.subarray(0, count),
    };
  }
}

function isIdentity([dy, dx, angle, zoom, mirrored, , elastic]: Float32Array): boolean {
  return dy === 0 && dx === 0 && angle === 0 && zoom === 1 && mirrored === 0 && elastic === 0;
}
