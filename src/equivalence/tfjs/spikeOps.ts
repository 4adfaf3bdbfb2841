/**
 * The SpikeGrad activation and top error as TensorFlow.js ops with custom gradients (SPEC §4–§5), in
 * real units: a layer's activation is the spike count S = roundHalfAway(f(z)) with z = a/Θ, and the
 * gradients are the α-scaled integer errors E. `tf.round` rounds halves to even, so rounding is
 * sign(x)·floor(|x| + 0.5) here.
 */
import * as tf from '@tensorflow/tfjs-core';

export type GradientMode = 'spike' | 'float';

/**
 * roundHalfAway(x) = sign(x)·floor(|x| + 0.5). wasm's Sign is slow; clip(4x, −1, 1) is ±1 wherever
 * |x| ≥ 0.5, and elsewhere floor(|x| + 0.5) is 0, so the product is the same.
 */
export function roundHalfAway(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.mul(tf.clipByValue(tf.mul(x, 4), -1, 1), tf.floor(tf.add(tf.abs(x), 0.5))));
}

/** roundHalfAway of values known to be ≥ 0 (outputs of relu). */
const roundNonNegative = (x: tf.Tensor): tf.Tensor => tf.tidy(() => tf.floor(tf.add(x, 0.5)));

/**
 * The spike count S = roundHalfAway(y) of a layer's output y (already through relu when the layer is
 * relu: the fused op gates its gradient by f' = [z > 0]). Backward: E = roundHalfAway(g·scale) in spike
 * mode, g·scale in float mode, with `scale` = Θ of the layer above / Θbp of this one (1 when Θbp is
 * chained, SPEC §5).
 */
export function spikeRounding(nonNegative: boolean, mode: GradientMode, scale: number): (y: tf.Tensor) => tf.Tensor {
  return tf.customGrad((y) => ({
    value: nonNegative ? roundNonNegative(y as tf.Tensor) : roundHalfAway(y as tf.Tensor),
    gradFunc: (dy) => {
      const scaled = scale === 1 ? (dy as tf.Tensor) : tf.mul(dy as tf.Tensor, scale);
      return mode === 'spike' ? roundHalfAway(scaled) : scaled;
    },
  })) as (y: tf.Tensor) => tf.Tensor;
}

/**
 * Sum pooling of size×size windows (stride size) times `factor` = weight·size²/Θ; its gradient spreads
 * each output's gradient to its window with nearest-neighbour upsampling (wasm's AvgPoolGrad is slow).
 */
export function poolOp(size: number, factor: number, inHeight: number, inWidth: number): (x: tf.Tensor) => tf.Tensor {
  return tf.customGrad((x) => ({
    value: tf.tidy(() => {
      const pooled = tf.avgPool(x as tf.Tensor4D, size, size, 'valid');
      return factor === 1 ? pooled : tf.mul(pooled, factor);
    }),
    gradFunc: (dy) =>
      tf.tidy(() => {
        const g = dy as tf.Tensor4D;
        const [, outH, outW] = g.shape;
        let spread: tf.Tensor4D = tf.image.resizeNearestNeighbor(g, [outH * size, outW * size]);
        if (outH * size !== inHeight || outW * size !== inWidth) spread = tf.pad(spread, [[0, 0], [0, inHeight - outH * size], [0, inWidth - outW * size], [0, 0]]);
        return tf.mul(spread, factor / (size * size));
      }),
  })) as (x: tf.Tensor) => tf.Tensor;
}

/**
 * The top error from log-probabilities: E^L = roundHalfAway(roundHalfAway(α(p − y)·Θbp) / Θbp)
 * (spike; SPEC §4's compartment then its first spikes) or α(p − y) (float).
 */
function topError(mode: GradientMode, alpha: number, thetaBp: number): (logP: tf.Tensor, targets: tf.Tensor) => tf.Tensor {
  return (logP, targets) =>
    tf.tidy(() => {
      const diff = tf.mul(tf.sub(tf.exp(logP), targets), alpha);
      return mode === 'spike' ? roundHalfAway(tf.div(roundHalfAway(tf.mul(diff, thetaBp)), thetaBp)) : diff;
    });
}

/** The summed cross-entropy of p = softmax(z) against one-hot targets; its gradient with respect to z is `topError`. */
export function topLoss(mode: GradientMode, alpha: number, thetaBp: number): (z: tf.Tensor, targets: tf.Tensor) => tf.Tensor {
  const error = topError(mode, alpha, thetaBp);
  const op = (zt: tf.Tensor, yt: tf.Tensor, save: tf.GradSaveFunc) => {
    const logP = tf.logSoftmax(zt);
    save([logP, yt]);
    return {
      value: tf.neg(tf.sum(tf.mul(logP, yt))),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [savedLogP, y] = saved;
        return [tf.mul(error(savedLogP, y), dy), tf.zerosLike(y)];
      },
    };
  };
  return tf.customGrad(op as never) as (z: tf.Tensor, targets: tf.Tensor) => tf.Tensor;
}
