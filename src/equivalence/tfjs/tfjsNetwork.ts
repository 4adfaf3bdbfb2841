/**
 * A TensorFlow.js mirror of an integer network (SPEC §6): real-unit parameters w/Θ and b/Θ in tfjs
 * layouts (conv filters [ky][kx][in][out], dense [in][out], activations NHWC), rounded spike-count
 * activations, and the spike gradient through custom gradients. For an integer network with
 * power-of-two thresholds and every value below 2^24, its forward pass is the integer ANN's exactly.
 */
import * as tf from '@tensorflow/tfjs-core';
import { type Activation, type Conv2dLayer, type DenseLayer, type Layer, type Network } from '../../network/topology.js';
import { poolOp, spikeRounding, topLoss, type GradientMode } from './spikeOps.js';

type Step =
  | { kind: 'conv2d'; param: number; stride: number; padding: number; activation: Activation }
  | { kind: 'dense'; param: number; activation: Activation }
  | { kind: 'avgpool'; pool: (x: tf.Tensor) => tf.Tensor }
  | { kind: 'flatten' };

interface PlannedLayer {
  step: Step;
  /** Rounding to spike counts, for neuron layers below the top; undefined for flatten and the top layer. */
  round?: (y: tf.Tensor) => tf.Tensor;
}

export interface TfjsNetworkOptions {
  gradient: GradientMode;
  alpha: number;
  /**
   * Spike gradient: back-propagate only the images whose top error is not all zero (the others add
   * exactly nothing to any gradient). Default on; off runs the dense backward pass, for comparison.
   */
  skipSettled?: boolean;
}

/** Above this share of images with a non-zero error, one dense pass is cheaper than forward + sparse backward. */
const DENSE_ABOVE = 0.6;

/** Shapes of one weighted layer's parameters in tfjs layout. */
export interface ParamShapes {
  weights: number[];
  bias: number[];
}

export interface BatchGradients {
  /** Summed cross-entropy over the batch. */
  loss: number;
  correct: number;
  /** Images whose errors were back-propagated (the rest had an all-zero top error). */
  backpropagated: number;
  /** Per parameter tensor (weights, bias of each weighted layer): Σ over the batch of E·Sᵀ (= −ΣΔW), Σ E (= −ΣΔb); tfjs layout. */
  grads: Float32Array[];
}

const neuronThetas = (layers: Layer[]): number[] => layers.filter((l) => l.kind !== 'flatten').map((l) => (l as { theta: number }).theta);

export class TfjsNetwork {
  readonly params: ParamShapes[];
  private readonly plan: PlannedLayer[];
  private readonly loss: (z: tf.Tensor, y: tf.Tensor) => tf.Tensor;
  /** A row whose every |p − y| is below this has an all-zero spike-gradient top error (−1: never skip). */
  private readonly settledBelow: number;
  private readonly skipSettled: boolean;
  /** Share of images back-propagated in the last batch: decides whether the next one first probes. */
  private lastActiveShare = 0;
  readonly inputShape: readonly number[];
  readonly classes: number;

  constructor(
    readonly network: Network,
    options: TfjsNetworkOptions,
  ) {
    this.inputShape = network.inputShape;
    const thetas = neuronThetas(network.layers);
    const top = network.layers[network.layers.length - 1] as DenseLayer | Conv2dLayer;
    this.classes = top.outShape[0] * top.outShape[1] * top.outShape[2];
    this.loss = topLoss(options.gradient, options.alpha, top.thetaBp);
    this.skipSettled = options.gradient === 'spike' && (options.skipSettled ?? true);
    this.settledBelow = this.skipSettled ? (0.5 - 0.5 / top.thetaBp) / options.alpha - 1e-5 : -1;
    this.params = [];
    let neuron = 0;
    this.plan = network.layers.map((layer, index) => {
      if (layer.kind === 'flatten') return { step: { kind: 'flatten' } };
      const isTop = index === network.layers.length - 1;
      // Θ of the layer above / Θbp of this one: the rounding scale of the errors reaching this layer.
      const above = thetas[neuron + 1];
      neuron++;
      const round = isTop ? undefined : spikeRounding(layer.activation === 'relu', options.gradient, above / layer.thetaBp);
      if (layer.kind === 'avgpool') {
        const factor = (layer.weight * layer.size * layer.size) / layer.theta;
        return { step: { kind: 'avgpool', pool: poolOp(layer.size, factor, layer.inShape[1], layer.inShape[2]) }, round };
      }
      const param = this.params.length;
      if (layer.kind === 'dense') {
        this.params.push({ weights: [layer.inShape[0] * layer.inShape[1] * layer.inShape[2], layer.units], bias: [layer.units] });
        return { step: { kind: 'dense', param, activation: layer.activation }, round };
      }
      this.params.push({ weights: [layer.kernel, layer.kernel, layer.inShape[0], layer.channels], bias: [layer.channels] });
      return { step: { kind: 'conv2d', param, stride: layer.stride, padding: layer.padding, activation: layer.activation }, round };
    });
  }

  /** The outputs of every layer (S for neuron layers below the top, z = a/Θ for the top). */
  forwardLayers(x: tf.Tensor, params: readonly tf.Tensor[]): tf.Tensor[] {
    const outputs: tf.Tensor[] = [];
    let h = x;
    for (const { step, round } of this.plan) {
      // y = f(z). Under a gradient tape tfjs un-fuses relu (matMul/conv, add, relu), whose rounding
      // differs from the fused kernel's; relu layers are always un-fused here so that a pass without a
      // tape (evaluation, the sparse backward's probe) computes the very values the taped pass does.
      let y: tf.Tensor;
      if (step.kind === 'flatten') {
        y = h.rank === 4 ? toChannelsFirstFlat(h) : h;
      } else if (step.kind === 'avgpool') {
        y = step.pool(asImage(h));
      } else if (step.kind === 'dense') {
        const flat = h.rank === 4 ? toChannelsFirstFlat(h) : h;
        const [weights, bias] = [params[2 * step.param] as tf.Tensor2D, params[2 * step.param + 1]];
        y = step.activation === 'relu' ? tf.relu(tf.add(tf.matMul(flat as tf.Tensor2D, weights), bias)) : tf.fused.matMul({ a: flat as tf.Tensor2D, b: weights, bias });
      } else {
        const pad = step.padding === 0 ? 'valid' : step.padding;
        const [filter, bias] = [params[2 * step.param] as tf.Tensor4D, params[2 * step.param + 1]];
        const x4 = asImage(h);
        y = step.activation === 'relu' ? tf.relu(tf.add(tf.conv2d(x4, filter, step.stride, pad), bias)) : tf.fused.conv2d({ x: x4, filter, strides: step.stride, pad, bias });
      }
      h = round === undefined ? y : round(y);
      outputs.push(h);
    }
    return outputs;
  }

  /** Logits z^L = a^L/Θ_L. */
  forward(x: tf.Tensor, params: readonly tf.Tensor[]): tf.Tensor2D {
    const outputs = this.forwardLayers(x, params);
    return tf.reshape(outputs[outputs.length - 1], [x.shape[0], this.classes]);
  }

  /**
   * Summed loss, correct predictions and parameter gradients of one batch; the gradients are written
   * into `out` when given (re-used buffers: this VM pays for every freshly touched page). With
   * `skipSettled`, a forward pass first finds the images whose top error is certainly all zero, and
   * only the others go through the taped forward and backward passes: each image's values do not
   * depend on the batch it is in, and the gradients are sums of exact integers, so they are the same.
   */
  gradients(x: tf.Tensor, targets: tf.Tensor2D, labels: ArrayLike<number>, params: readonly tf.Tensor[], out?: Float32Array[]): BatchGradients {
    const count = x.shape[0];
    if (!this.skipSettled || this.lastActiveShare > DENSE_ABOVE) {
      const { logits, grads } = this.tapedGradients(x, targets, params, out);
      const { loss, correct, active } = this.scoreRows(logits, labels);
      const backpropagated = this.skipSettled ? active.length : count;
      this.lastActiveShare = backpropagated / count;
      return { loss, correct, backpropagated, grads };
    }
    const logits = tf.tidy(() => this.forward(x, params));
    const { loss, correct, active } = this.scoreRows(logits.dataSync() as Float32Array, labels);
    logits.dispose();
    this.lastActiveShare = active.length / count;
    const result = { loss, correct, backpropagated: active.length };
    if (active.length === count) return { ...result, grads: this.tapedGradients(x, targets, params, out).grads };
    if (active.length === 0) {
      return { ...result, grads: this.params.flatMap((shapes, k) => [shapes.weights, shapes.bias].map((shape, j) => zeroed(out?.[2 * k + j], shape))) };
    }
    const rows = tf.tensor1d(active, 'int32');
    const [xs, ts] = [tf.gather(x, rows), tf.gather(targets, rows) as tf.Tensor2D];
    try {
      return { ...result, grads: this.tapedGradients(xs, ts, params, out).grads };
    } finally {
      tf.dispose([rows, xs, ts]);
    }
  }

  /** The taped forward and backward passes over the whole batch given: its logits and gradients. */
  private tapedGradients(x: tf.Tensor, targets: tf.Tensor2D, params: readonly tf.Tensor[], out?: Float32Array[]): { logits: Float32Array; grads: Float32Array[] } {
    let logits: tf.Tensor2D | undefined;
    const { value, grads } = tf.valueAndGrads((...p: tf.Tensor[]) => {
      const z = this.forward(x, p);
      logits = tf.keep(z);
      return this.loss(z, targets) as tf.Scalar;
    })([...params]);
    const z = logits as tf.Tensor2D;
    const result = { logits: z.dataSync() as Float32Array, grads: grads.map((g, k) => readInto(g, out?.[k])) };
    tf.dispose([value, ...grads, z]);
    return result;
  }

  /**
   * From a batch's logits (float32, computed in float64 here): the summed cross-entropy, the correct
   * predictions (argmax, lowest index on ties, as the integer path) and the rows that may have a
   * non-zero spike-gradient top error. E^L = roundHalfAway(roundHalfAway(α(p − y)Θbp)/Θbp) is all zero
   * when every |p − y| < (1/2 − 1/(2Θbp))/α; a margin of 1e-5 in p, far above float32's error in the
   * softmax, keeps rows near that bound: a row back-propagated with a zero error adds nothing, a row
   * skipped with a non-zero one would be wrong.
   */
  private scoreRows(logits: Float32Array, labels: ArrayLike<number>): { loss: number; correct: number; active: number[] } {
    const { classes, settledBelow } = this;
    const count = logits.length / classes;
    let loss = 0, correct = 0;
    const active: number[] = [];
    const p = new Float64Array(classes);
    for (let n = 0; n < count; n++) {
      const row = n * classes;
      let best = 0;
      for (let k = 1; k < classes; k++) if (logits[row + k] > logits[row + best]) best = k;
      if (best === labels[n]) correct++;
      const max = logits[row + best];
      let total = 0;
      for (let k = 0; k < classes; k++) total += p[k] = Math.exp(logits[row + k] - max);
      loss += Math.log(total) - (logits[row + labels[n]] - max);
      let settled = true;
      for (let k = 0; k < classes && settled; k++) settled = Math.abs(p[k] / total - (k === labels[n] ? 1 : 0)) < settledBelow;
      if (!settled) active.push(n);
    }
    return { loss, correct, active };
  }

  /** Summed loss and correct predictions of one batch (forward only). */
  evaluate(x: tf.Tensor, targets: tf.Tensor2D, labels: ArrayLike<number>, params: readonly tf.Tensor[]): { loss: number; correct: number } {
    const logits = tf.tidy(() => this.forward(x, params));
    const loss = tf.tidy(() => tf.neg(tf.sum(tf.mul(tf.logSoftmax(logits), targets))));
    const result = { loss: loss.dataSync()[0], correct: countCorrect(logits, labels) };
    tf.dispose([logits, loss]);
    return result;
  }
}

/** Zeros of `shape`, in `out` when given. */
function zeroed(out: Float32Array | undefined, shape: number[]): Float32Array {
  return out ? out.fill(0) : new Float32Array(shape.reduce((a, b) => a * b, 1));
}

/** A tensor's values, copied into `out` when given (straight from the wasm heap when the backend allows). */
function readInto(t: tf.Tensor, out?: Float32Array): Float32Array {
  if (!out) return t.dataSync() as Float32Array;
  const backend = tf.backend() as unknown as { typedArrayFromHeap?: (t: tf.Tensor) => Float32Array };
  out.set(backend.typedArrayFromHeap ? backend.typedArrayFromHeap(t) : (t.dataSync() as Float32Array));
  return out;
}

/** Features [B, n] as the image [B, 1, 1, n] they are in the integer layout ([n, 1, 1] in CHW). */
function asImage(h: tf.Tensor): tf.Tensor4D {
  return (h.rank === 4 ? h : tf.reshape(h, [h.shape[0], 1, 1, -1])) as tf.Tensor4D;
}

/** NHWC → NCHW, flattened: the integer network's flatten order. */
function toChannelsFirstFlat(h: tf.Tensor): tf.Tensor2D {
  return tf.reshape(tf.transpose(h, [0, 3, 1, 2]), [h.shape[0], -1]);
}

/** argmax with the lowest index on ties, as the integer path's argmax. */
function countCorrect(logits: tf.Tensor2D, labels: ArrayLike<number>): number {
  const values = logits.dataSync();
  const classes = logits.shape[1];
  let correct = 0;
  for (let n = 0; n < logits.shape[0]; n++) {
    let best = 0;
    for (let k = 1; k < classes; k++) if (values[n * classes + k] > values[n * classes + best]) best = k;
    if (best === labels[n]) correct++;
  }
  return correct;
}
