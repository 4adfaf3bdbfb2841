/**
 * The SpikeGrad activation, errors and pooling as TensorFlow.js ops (docs/algorithm.md §4–§5), in real units: a
 * layer's activation is the spike count S = roundHalfAway(f(z)) with z = a/Θ, and the errors are the
 * α-scaled integer errors E. `tf.round` rounds halves to even, so rounding is sign(x)·floor(|x| + 0.5).
 */
import * as tf from '@tensorflow/tfjs-core';
import { ROUNDED_ERROR, SPIKE_COUNTS, SPREAD_POOL, type RoundedErrorAttrs, type SpikeCountsAttrs, type SpreadPoolAttrs } from './roundingKernels.js';
import { SPARSE_ROW_PRODUCT } from './sparseRowProduct.js';

export type GradientMode = 'spike' | 'float';

/** Whether the current backend registers one of spikegrad's own kernels (which replace a chain of ops, same bits). */
const registered = (kernel: string): boolean => tf.getKernel(kernel, tf.getBackend()) !== undefined;

const run = (kernel: string, inputs: Record<string, tf.Tensor>, attrs: SpikeCountsAttrs | RoundedErrorAttrs | SpreadPoolAttrs): tf.Tensor =>
  tf.engine().runKernel(kernel, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;

/**
 * roundHalfAway(x) = sign(x)·floor(|x| + 0.5). wasm's Sign is slow; clip(4x, −1, 1) is ±1 wherever
 * |x| ≥ 0.5, and elsewhere floor(|x| + 0.5) is 0, so the product is the same.
 */
export function roundHalfAway(x: tf.Tensor): tf.Tensor {
  if (registered(SPIKE_COUNTS)) return run(SPIKE_COUNTS, { x }, { multiplier: 1, weight: 1, divisor: 1, nonNegative: false });
  return tf.tidy(() => tf.mul(tf.clipByValue(tf.mul(x, 4), -1, 1), tf.floor(tf.add(tf.abs(x), 0.5))));
}

/** Spike counts of a layer's output y: roundHalfAway(y), cheaper when y ≥ 0 (after relu). */
export function spikeCounts(y: tf.Tensor, nonNegative: boolean): tf.Tensor {
  if (registered(SPIKE_COUNTS)) return run(SPIKE_COUNTS, { x: y }, { multiplier: 1, weight: 1, divisor: 1, nonNegative });
  return nonNegative ? tf.tidy(() => tf.floor(tf.add(y, 0.5))) : roundHalfAway(y);
}

/**
 * The error of a rounded layer from the gradient g of its spike counts: E = roundHalfAway(g·scale) in
 * spike mode, g·scale in float mode, with `scale` = Θ of the layer above / Θbp of this one (1 when Θbp
 * is chained, docs/algorithm.md §5); at a relu layer, times f'(z) = step(z) of its `gate` z.
 */
export function roundedError(g: tf.Tensor, mode: GradientMode, scale: number, gate?: tf.Tensor): tf.Tensor {
  if (mode === 'spike' && registered(ROUNDED_ERROR)) return run(ROUNDED_ERROR, gate ? { g, gate } : { g }, { scale });
  return tf.tidy(() => {
    const scaled = scale === 1 ? g : tf.mul(g, scale);
    const error = mode === 'spike' ? roundHalfAway(scaled) : scaled;
    return gate ? tf.mul(error, tf.step(gate)) : error;
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
      // roundedError(·, 'spike', Θbp) is roundHalfAway(·Θbp).
      return mode === 'spike' ? roundHalfAway(tf.div(roundedError(diff, 'spike', thetaBp), thetaBp)) : diff;
    });
}

/**
 * The window sums of size×size windows (stride size) as t·multiplier, exact for integers: avgPool
 * divides by a power of two, which multiplying back undoes; other sizes add the window's slices.
 * (avgPool alone divides by size² first: a 3×3 window turns a half into a little less than a half.)
 */
function windowSums(x: tf.Tensor4D, size: number): { sums: tf.Tensor4D; multiplier: number } {
  const windows = size * size;
  if ((windows & (windows - 1)) === 0) return { sums: tf.avgPool(x, size, size, 'valid'), multiplier: windows };
  const [n, h, w, c] = x.shape;
  const outH = Math.floor(h / size), outW = Math.floor(w / size);
  let sums: tf.Tensor4D = tf.zeros([n, outH, outW, c]);
  for (let dy = 0; dy < size; dy++) {
    for (let dx = 0; dx < size; dx++) {
      sums = tf.add(sums, tf.stridedSlice(x, [0, dy, dx, 0], [n, dy + outH * size, dx + outW * size, c], [1, size, size, 1]));
    }
  }
  return { sums, multiplier: 1 };
}

/**
 * Sum pooling of size×size windows (stride size), times the pooling weight, divided by Θ: the window
 * sum exact (integers in float32), then one correctly rounded division, so that a half stays a half
 * for the rounding that follows.
 */
export function sumPool(x: tf.Tensor4D, size: number, weight: number, theta: number): tf.Tensor4D {
  return tf.tidy((): tf.Tensor4D => {
    const { sums, multiplier } = windowSums(x, size);
    const sum = multiplier === 1 ? sums : tf.mul<tf.Tensor4D>(sums, multiplier);
    const weighted: tf.Tensor4D = weight === 1 ? sum : tf.mul(sum, weight);
    return theta === 1 ? weighted : tf.div<tf.Tensor4D>(weighted, theta);
  });
}

/** The spike counts of a sum pool's output: spikeCounts(sumPool(…)), in one kernel after the window sums where the backend has it. */
export function pooledSpikeCounts(x: tf.Tensor4D, size: number, weight: number, theta: number, nonNegative: boolean): tf.Tensor4D {
  if (!registered(SPIKE_COUNTS)) return tf.tidy(() => spikeCounts(sumPool(x, size, weight, theta), nonNegative) as tf.Tensor4D);
  return tf.tidy(() => {
    const { sums, multiplier } = windowSums(x, size);
    return run(SPIKE_COUNTS, { x: sums }, { multiplier, weight, divisor: theta, nonNegative }) as tf.Tensor4D;
  });
}

/**
 * The gradient of `sumPool` with respect to its input of [inHeight, inWidth]: each output's gradient
 * spread to its window by nearest-neighbour upsampling (wasm's AvgPoolGrad is slow), zero for the rows
 * and columns the pooling dropped.
 */
export function sumPoolGradient(g: tf.Tensor4D, size: number, factor: number, inHeight: number, inWidth: number): tf.Tensor4D {
  if (registered(SPREAD_POOL)) return run(SPREAD_POOL, { g }, { size, factor: factor / (size * size), inHeight, inWidth }) as tf.Tensor4D;
  return tf.tidy(() => {
    const [, outH, outW] = g.shape;
    let spread: tf.Tensor4D = tf.image.resizeNearestNeighbor(g, [outH * size, outW * size]);
    if (outH * size !== inHeight || outW * size !== inWidth) spread = tf.pad(spread, [[0, 0], [0, inHeight - outH * size], [0, inWidth - outW * size], [0, 0]]);
    return tf.mul(spread, factor / (size * size));
  });
}
