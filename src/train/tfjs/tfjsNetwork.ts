/**
 * A TensorFlow.js mirror of an integer network (docs/algorithm.md §6): real-unit parameters w/Θ and b/Θ in tfjs
 * layouts (conv filters [ky][kx][in][out], dense [out][in], activations NHWC), rounded spike-count
 * activations, and the spike gradient computed layer by layer from the recorded forward pass. For an
 * integer network with power-of-two thresholds and every value below 2^24, its forward pass is the
 * integer ANN's exactly, and so are its gradients −ΣΔW, −ΣΔb.
 */
import * as tf from '@tensorflow/tfjs-core';
import { type Activation, type Conv2dLayer, type DenseLayer, type Layer, type Network } from '../../network/topology.js';
import { droppedLayers, type DroppedLayer } from './dropout.js';
import { errorTimesWeights, pooledSpikeCounts, roundedError, spikeCounts, sumPool, sumPoolGradient, topError, type GradientMode } from './spikeOps.js';

type Step =
  | { kind: 'conv2d'; param: number; stride: number; padding: number; activation: Activation }
  | { kind: 'dense'; param: number; activation: Activation }
  | { kind: 'avgpool'; size: number; weight: number; theta: number; factor: number; inHeight: number; inWidth: number }
  | { kind: 'flatten' };

interface PlannedLayer {
  step: Step;
  /** Rounding to spike counts, for neuron layers below the top; undefined for flatten and the top layer. */
  round?: { nonNegative: boolean; errorScale: number };
}

/** What the backward pass needs of a layer's forward pass. */
interface LayerRecord {
  /** The shape of the layer's input as the layer below gave it. */
  inShape: number[];
  /** Weighted and pooling layers: the input as the op took it (an image for conv and pool, features for dense). */
  input?: tf.Tensor;
  /** relu layers: f(z) before rounding, whose sign is f'(z) = [z > 0]. */
  activated?: tf.Tensor;
  /** Dropout: the mask (k or 0 per unit) that multiplied the layer's output. */
  dropout?: tf.Tensor;
}

export interface TfjsNetworkOptions {
  gradient: GradientMode;
  alpha: number;
  /**
   * Spike gradient: back-propagate only the images whose top error is not all zero (the others add
   * exactly nothing to any gradient). Default on; off back-propagates every image, for comparison.
   */
  skipSettled?: boolean;
}

/** Shapes of one weighted layer's parameters in tfjs layout. */
export interface ParamShapes {
  weights: number[];
  bias: number[];
}

export interface BatchGradients {
  /** Summed cross-entropy over the batch. */
  loss: number;
  correct: number;
  /** Images whose errors were back-propagated (with `skipSettled`, the rest had an all-zero top error). */
  backpropagated: number;
  /** Per parameter tensor (weights, bias of each weighted layer): Σ over the batch of E·Sᵀ (= −ΣΔW), Σ E (= −ΣΔb); tfjs layout. */
  grads: Float32Array[];
}

const neuronThetas = (layers: Layer[]): number[] => layers.filter((l) => l.kind !== 'flatten').map((l) => (l as { theta: number }).theta);

export class TfjsNetwork {
  readonly params: ParamShapes[];
  private readonly plan: PlannedLayer[];
  private readonly mode: GradientMode;
  private readonly topError: (logP: tf.Tensor, y: tf.Tensor) => tf.Tensor;
  private readonly skipSettled: boolean;
  /** A row whose every |p − y| is below this has an all-zero spike-gradient top error (−1: never skip). */
  private readonly settledBelow: number;
  /** The lowest weighted layer: the backward pass stops there. */
  private readonly lowestWeighted: number;
  readonly inputShape: readonly number[];
  readonly classes: number;
  /** The layers a dropout mask row covers (dropout.ts), and its width. */
  readonly dropped: DroppedLayer[];
  readonly dropoutWidth: number;

  constructor(
    readonly network: Network,
    options: TfjsNetworkOptions,
  ) {
    this.inputShape = network.inputShape;
    this.mode = options.gradient;
    const thetas = neuronThetas(network.layers);
    const top = network.layers[network.layers.length - 1] as DenseLayer | Conv2dLayer;
    this.classes = top.outShape[0] * top.outShape[1] * top.outShape[2];
    this.topError = topError(options.gradient, options.alpha, top.thetaBp);
    this.skipSettled = options.gradient === 'spike' && (options.skipSettled ?? true);
    this.settledBelow = this.skipSettled ? (0.5 - 0.5 / top.thetaBp) / options.alpha - 1e-5 : -1;
    this.lowestWeighted = network.layers.findIndex((l) => l.kind === 'dense' || l.kind === 'conv2d');
    this.dropped = droppedLayers(network);
    this.dropoutWidth = this.dropped.reduce((t, d) => t + d.units, 0);
    this.params = [];
    let neuron = 0;
    this.plan = network.layers.map((layer, index) => {
      if (layer.kind === 'flatten') return { step: { kind: 'flatten' } };
      const isTop = index === network.layers.length - 1;
      // Θ of the layer above / Θbp of this one: the rounding scale of the errors reaching this layer.
      const above = thetas[neuron + 1];
      neuron++;
      const round = isTop ? undefined : { nonNegative: layer.activation === 'relu', errorScale: above / layer.thetaBp };
      if (layer.kind === 'avgpool') {
        const factor = (layer.weight * layer.size * layer.size) / layer.theta;
        return { step: { kind: 'avgpool', size: layer.size, weight: layer.weight, theta: layer.theta, factor, inHeight: layer.inShape[1], inWidth: layer.inShape[2] }, round };
      }
      const param = this.params.length;
      if (layer.kind === 'dense') {
        this.params.push({ weights: [layer.units, layer.inShape[0] * layer.inShape[1] * layer.inShape[2]], bias: [layer.units] });
        return { step: { kind: 'dense', param, activation: layer.activation }, round };
      }
      this.params.push({ weights: [layer.kernel, layer.kernel, layer.inShape[0], layer.channels], bias: [layer.channels] });
      return { step: { kind: 'conv2d', param, stride: layer.stride, padding: layer.padding, activation: layer.activation }, round };
    });
  }

  /** Logits z^L = a^L/Θ_L. */
  forward(x: tf.Tensor, params: readonly tf.Tensor[]): tf.Tensor2D {
    const outputs = this.layerOutputs(x, params);
    return tf.reshape(outputs[outputs.length - 1], [x.shape[0], this.classes]);
  }

  /**
   * The outputs of every layer (S for neuron layers below the top, z = a/Θ for the top); with
   * `records`, what the backward pass needs is pushed there, one per layer.
   */
  layerOutputs(x: tf.Tensor, params: readonly tf.Tensor[], records?: LayerRecord[], dropout?: ReadonlyMap<number, tf.Tensor>): tf.Tensor[] {
    const outputs: tf.Tensor[] = [];
    let h = x;
    for (const [index, { step, round }] of this.plan.entries()) {
      const record: LayerRecord = { inShape: h.shape };
      let y: tf.Tensor;
      if (step.kind === 'flatten') {
        y = h.rank === 4 ? toChannelsFirstFlat(h) : h;
      } else if (step.kind === 'avgpool') {
        record.input = asImage(h);
        // Below the top, pooled and rounded in one go (the same bits as sumPool, then spikeCounts).
        y = round === undefined
          ? sumPool(record.input as tf.Tensor4D, step.size, step.weight, step.theta)
          : pooledSpikeCounts(record.input as tf.Tensor4D, step.size, step.weight, step.theta, round.nonNegative);
      } else {
        const [weights, bias] = [params[2 * step.param], params[2 * step.param + 1]];
        const { activation } = step;
        if (step.kind === 'dense') {
          record.input = h.rank === 4 ? toChannelsFirstFlat(h) : h;
          // x·Wᵀ: the backends compute it as (W·xᵀ)ᵀ where that is faster (wasmTrainingKernels.ts).
          const z = tf.add(tf.matMul(record.input as tf.Tensor2D, weights as tf.Tensor2D, false, true), bias);
          y = activation === 'relu' ? tf.relu(z) : z;
        } else {
          record.input = asImage(h);
          const pad = step.padding === 0 ? 'valid' : step.padding;
          y = tf.fused.conv2d({ x: record.input as tf.Tensor4D, filter: weights as tf.Tensor4D, strides: step.stride, pad, bias, activation });
        }
        if (activation === 'relu') record.activated = y;
      }
      h = round === undefined || step.kind === 'avgpool' ? y : spikeCounts(y, round.nonNegative);
      const mask = dropout?.get(index);
      if (mask) {
        h = tf.mul(h, mask);
        record.dropout = mask;
      }
      records?.push(record);
      outputs.push(h);
    }
    return outputs;
  }

  /**
   * Summed loss, correct predictions and parameter gradients of one batch; the gradients are written
   * into `out` when given (re-used buffers: this VM pays for every freshly touched page). One forward
   * pass over the batch; with `skipSettled`, only the images whose top error may be non-zero go
   * through the backward pass (the others add exactly nothing).
   */
  gradients(x: tf.Tensor, targets: tf.Tensor2D, labels: ArrayLike<number>, params: readonly tf.Tensor[], out?: Float32Array[], dropoutMasks?: Float32Array): BatchGradients {
    let result: BatchGradients | undefined;
    tf.tidy(() => {
      const records: LayerRecord[] = [];
      const outputs = this.layerOutputs(x, params, records, dropoutMasks ? this.maskTensors(dropoutMasks, x.shape[0]) : undefined);
      const top = outputs[outputs.length - 1];
      const logits = tf.reshape(top, [x.shape[0], this.classes]);
      const { loss, correct, active } = this.scoreRows(logits.dataSync() as Float32Array, labels);
      const count = x.shape[0];
      const rows = this.skipSettled ? active : Array.from({ length: count }, (_, n) => n);
      let grads: Float32Array[];
      if (rows.length === 0) {
        grads = this.params.flatMap((shapes, k) => [shapes.weights, shapes.bias].map((shape, j) => zeroed(out?.[2 * k + j], shape)));
      } else {
        const index = rows.length === count ? null : tf.tensor1d(rows, 'int32');
        const pick = (t: tf.Tensor): tf.Tensor => (index === null ? t : tf.gather(t, index));
        const error = this.topError(tf.logSoftmax(pick(logits)), pick(targets));
        const topError = tf.reshape(error, [rows.length, ...top.shape.slice(1)]);
        grads = this.backward(topError, records, pick, params).map((g, k) => readInto(g, out?.[k]));
      }
      result = { loss, correct, backpropagated: rows.length, grads };
    });
    return result!;
  }

  /** A batch's mask rows (dropout.ts) as one tensor per dropped layer. */
  private maskTensors(masks: Float32Array, count: number): Map<number, tf.Tensor> {
    if (masks.length !== count * this.dropoutWidth) throw new Error(`dropout masks: expected ${count} × ${this.dropoutWidth} values, found ${masks.length}`);
    const all = tf.tensor2d(masks, [count, this.dropoutWidth]);
    return new Map(this.dropped.map((d) => [d.layer, d.units === this.dropoutWidth ? all : tf.slice(all, [0, d.offset], [count, d.units])]));
  }

  /**
   * From the top error, layer by layer down to the lowest weighted layer: E = roundHalfAway(g·scale)
   * at each rounded layer (docs/algorithm.md §5), gated by f' = [z > 0] at relu layers; −ΣΔW = E·Sᵀ summed over the
   * images and positions, −ΣΔb = ΣE. `pick` selects the back-propagated images of a recorded tensor.
   */
  private backward(topError: tf.Tensor, records: LayerRecord[], pick: (t: tf.Tensor) => tf.Tensor, params: readonly tf.Tensor[]): tf.Tensor[] {
    const grads: tf.Tensor[] = [];
    const images = topError.shape[0];
    const withImages = (shape: number[]) => [images, ...shape.slice(1)];
    let g = topError;
    for (let l = this.plan.length - 1; l >= this.lowestWeighted; l--) {
      const { step, round } = this.plan[l];
      const record = records[l];
      // A dropped unit's output was multiplied by its mask: so is the error that reaches it.
      if (record.dropout) g = tf.mul(g, pick(record.dropout));
      // f'(z) = [z > 0] at relu layers, applied with the rounding where there is one.
      const gate = record.activated ? pick(record.activated) : undefined;
      if (round) g = roundedError(g, this.mode, round.errorScale, gate);
      else if (gate) g = tf.mul(g, tf.step(gate));
      if (step.kind === 'flatten') {
        if (record.inShape.length === 4) g = fromChannelsFirstFlat(g, withImages(record.inShape));
        continue;
      }
      if (step.kind === 'avgpool') {
        g = tf.reshape(sumPoolGradient(g as tf.Tensor4D, step.size, step.factor, step.inHeight, step.inWidth), withImages(record.inShape));
        continue;
      }
      const input = pick(record.input!);
      const weights = params[2 * step.param];
      const needsInputError = l > this.lowestWeighted;
      if (step.kind === 'dense') {
        grads[2 * step.param] = tf.matMul(g as tf.Tensor2D, input as tf.Tensor2D, true, false);
        grads[2 * step.param + 1] = tf.sum(g, 0);
        if (needsInputError) {
          const below = errorTimesWeights(g as tf.Tensor2D, weights as tf.Tensor2D, this.mode);
          g = record.inShape.length === 4 ? fromChannelsFirstFlat(below, withImages(record.inShape)) : below;
        }
      } else {
        const attrs = { strides: step.stride, pad: step.padding === 0 ? 'valid' : step.padding, dataFormat: 'NHWC' };
        grads[2 * step.param] = tf.engine().runKernel('Conv2DBackpropFilter', { x: input, dy: g }, { ...attrs, filterShape: weights.shape }) as tf.Tensor;
        grads[2 * step.param + 1] = tf.sum(g, [0, 1, 2]);
        if (needsInputError) {
          const below = tf.engine().runKernel('Conv2DBackpropInput', { dy: g, filter: weights }, { ...attrs, inputShape: input.shape }) as tf.Tensor;
          g = tf.reshape(below, withImages(record.inShape));
        }
      }
    }
    return grads;
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
  evaluate(x: tf.Tensor, labels: ArrayLike<number>, params: readonly tf.Tensor[]): { loss: number; correct: number } {
    const logits = tf.tidy(() => this.forward(x, params));
    const { loss, correct } = this.scoreRows(logits.dataSync() as Float32Array, labels);
    logits.dispose();
    return { loss, correct };
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

/** The inverse of toChannelsFirstFlat, to an NHWC `shape`. */
function fromChannelsFirstFlat(g: tf.Tensor, [n, height, width, channels]: number[]): tf.Tensor4D {
  return tf.transpose(tf.reshape(g, [n, channels, height, width]), [0, 2, 3, 1]);
}
