/**
 * The SpikeGrad activation, errors and pooling as TensorFlow.js ops (docs/algorithm.md §4–§5), in real units: a
 * layer's activation is the spike count S = roundHalfAway(f(z)) with z = a/Θ, and the errors are the
 * α-scaled integer errors E. `tf.round` rounds halves to even, so rounding is sign(x)·floor(|x| + 0.5).
 */
import * as tf from '@tensorflow/tfjs-core';
import { SPARSE_ROW_PRODUCT } from './sparseRowProduct.js';

export type GradientMode = 'spike' | 'float';

/**
 * roundHalfAway(x) = sign(x)·floor(|x| + 0.5). wasm's Sign is slow; clip(4x, −1, 1) is ±1 wherever
 * |x| ≥ 0.5, and elsewhere floor(|x| + 0.5) is 0, so the product is the same.
 */
export function roundHalfAway(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.mul(tf.clipByValue(tf.mul(x, 4), -1, 1), tf.floor(tf.add(tf.abs(x), 0.5))));
}

/** Spike counts of a layer's output y: roundHalfAway(y), cheaper when y ≥ 0 (after relu). */
export function spikeCounts(y: tf.Tensor, nonNegative: boolean): tf.Tensor {
  return nonNegative ? tf.tidy(() => tf.floor(tf.add(y, 0.5))) : roundHalfAway(y);
}

/**
 * The error of a rounded layer from the gradient g of its spike counts: E = roundHalfAway(g·scale) in
 * spike mode, g·scale in float mode, with `scale` = Θ of the layer above / Θbp of this one (1 when Θbp
 * is chained, docs/algorithm.md §5).
 */
export function roundedError(g: tf.Tensor, mode: GradientMode, scale: number): tf.Tensor {
  return tf.tidy(() => {
    const scaled = scale === 1 ? g : tf.mul(g, scale);
    return mode === 'spike' ? roundHalfAway(scaled) : scaled;
  });
}

/**
 * g·W for a dense layer's error g [rows, units] and weights W [units, inputs]. With the spike gradient
 * on wasm, from the non-zero errors only (most are zero; the backend's product would repack W every
 * step), each row on its own, so that a row's bits do not depend on the rest of the batch.
 */
export function errorTimesWeights(g: tf.Tensor2D, weights: tf.Tensor2D, mode: GradientMode): tf.Tensor2D {
  if (mode === 'spike' && tf.getKernel(SPARSE_ROW_PRODUCT, tf.getBackend()) !== undefined) {
    return tf.engine().runKernel(SPARSE_ROW_PRODUCT, { a: g, b: weights }, {}) as tf.Tensor2D;
  }
  return tf.matMul(g, weights);
}

/**
 * The top error from log-probabilities: E^L = roundHalfAway(roundHalfAway(α(p − y)·Θbp) / Θbp)
 * (spike; docs/algorithm.md §4's compartment then its first spikes) or α(p − y) (float).
 */
export function topError(mode: GradientMode, alpha: number, thetaBp: number): (logP: tf.Tensor, targets: tf.Tensor) => tf.Tensor {
  return (logP, targets) =>
    tf.tidy(() => {
      const diff = tf.mul(tf.sub(tf.exp(logP), targets), alpha);
      return mode === 'spike' ? roundHalfAway(tf.div(roundHalfAway(tf.mul(diff, thetaBp)), thetaBp)) : diff;
    });
}

/**
 * Sum pooling of size×size windows (stride size), times the pooling weight, divided by Θ: the window
 * sum exact (integers in float32), then one correctly rounded division, so that a half stays a half
 * for the rounding that follows. (avgPool alone divides by size² first: a 3×3 window turns a half
 * into a little less than a half.)
 */
export function sumPool(x: tf.Tensor4D, size: number, weight: number, theta: number): tf.Tensor4D {
  return tf.tidy((): tf.Tensor4D => {
    const windows = size * size;
    let sum: tf.Tensor4D;
    if ((windows & (windows - 1)) === 0) {
      // Dividing by a power of two and multiplying back is exact.
      sum = tf.avgPool(x, size, size, 'valid');
      if (windows !== 1) sum = tf.mul(sum, windows);
    } else {
      const [n, h, w, c] = x.shape;
      const outH = Math.floor(h / size), outW = Math.floor(w / size);
      sum = tf.zeros([n, outH, outW, c]);
      for (let dy = 0; dy < size; dy++) {
        for (let dx = 0; dx < size; dx++) {
          sum = tf.add(sum, tf.stridedSlice(x, [0, dy, dx, 0], [n, dy + outH * size, dx + outW * size, c], [1, size, size, 1]));
        }
      }
    }
    const weighted: tf.Tensor4D = weight === 1 ? sum : tf.mul(sum, weight);
    return theta === 1 ? weighted : tf.div<tf.Tensor4D>(weighted, theta);
  });
}

/**
 * The gradient of `sumPool` with respect to its input of [inHeight, inWidth]: each output's gradient
 * spread to its window by nearest-neighbour upsampling (wasm's AvgPoolGrad is slow), zero for the rows
 * and columns the pooling dropped.
 */
export function sumPoolGradient(g: tf.Tensor4D, size: number, factor: number, inHeight: number, inWidth: number): tf.Tensor4D {
  return tf.tidy(() => {
    const [, outH, outW] = g.shape;
    let spread: tf.Tensor4D = tf.image.resizeNearestNeighbor(g, [outH * size, outW * size]);
    if (outH * size !== inHeight || outW * size !== inWidth) spread = tf.pad(spread, [[0, 0], [0, inHeight - outH * size], [0, inWidth - outW * size], [0, 0]]);
    return tf.mul(spread, factor / (size * size));
  });
}
