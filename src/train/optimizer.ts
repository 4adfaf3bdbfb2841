/**
 * The one optimizer step shared by every training path (SPEC §6): it maps the integer weights and the
 * summed integer increments ΣΔW of a mini-batch to new integer weights. State lives in float64 "master"
 * weights in real units (w/Θ), updated with SGD + momentum + weight decay; the integer weights are
 * roundHalfAway(master·Θ). All arithmetic is float64 in a fixed order, so an SNN trained on-line and the
 * integer ANN trained on the same data stay identical weight for weight.
 *
 * Units: ΔW = −E·Sᵀ with errors scaled by α, so the gradient in real units is −ΣΔW / (α·B): the
 * learning rate is divided by α as in the paper.
 */
import { InputError } from '../errors.js';
import { roundHalfAwayReal } from '../network/rounding.js';
import { hasWeights, type Conv2dLayer, type DenseLayer, type Network } from '../network/topology.js';

export interface OptimizerConfig {
  /** Learning rate in real units (default 0.05). */
  lr: number;
  momentum: number;
  weightDecay: number;
  /** Error scale α of the increments. */
  alpha: number;
  /** Learning-rate schedule over `totalSteps`: constant, or cosine decay to 1 % of lr. */
  schedule: 'constant' | 'cosine';
  totalSteps: number;
  /**
   * Magnitude of one input unit in the data (255 for 8-bit pixels). The first layer's master weights
   * are kept in units of the normalised input, so it learns at the pace of the others (default 1).
   */
  inputScale?: number;
}

/** The documented defaults (MNIST, Θ = 1024, α = 50, batch 32); 8-bit pixel inputs. */
export const DEFAULT_HYPERPARAMETERS = { lr: 0.005, momentum: 0.9, weightDecay: 1e-4, inputScale: 255 } as const;

/** Summed increments of one weighted layer. */
export interface LayerIncrements {
  dW: ArrayLike<number>;
  db: ArrayLike<number>;
}

export interface OptimizerState {
  step: number;
  /** Per weighted layer: master weights, master biases, and their velocities. */
  master: Float64Array[];
  velocity: Float64Array[];
}

export class IntegerSgd {
  readonly layers: (DenseLayer | Conv2dLayer)[];
  state: OptimizerState;

  constructor(
    readonly network: Network,
    readonly config: OptimizerConfig,
  ) {
    this.layers = network.layers.filter(hasWeights);
    this.state = {
      step: 0,
      // One array per layer: weights then biases, in real units (first layer: per normalised input).
      master: this.layers.map((l, k) => {
        const nw = l.weights.length;
        return Float64Array.from([...l.weights, ...l.bias], (v, i) => (v / l.theta) * (i < nw ? this.weightUnit(k) : 1));
      }),
      velocity: this.layers.map((l) => new Float64Array(l.weights.length + l.bias.length)),
    };
  }

  /** Real units per master unit of a weight: the input scale for the layer that reads the input. */
  private weightUnit(k: number): number {
    return k === 0 && this.network.layers[0] === this.layers[0] ? (this.config.inputScale ?? 1) : 1;
  }

  learningRate(step = this.state.step): number {
    const { lr, schedule, totalSteps } = this.config;
    if (schedule === 'constant' || totalSteps <= 1) return lr;
    const t = Math.min(1, step / totalSteps);
    return lr * (0.01 + 0.99 * 0.5 * (1 + Math.cos(Math.PI * t)));
  }

  /** Apply one mini-batch of `batchSize` examples; writes the new integer weights into the network. */
  step(increments: readonly LayerIncrements[], batchSize: number): void {
    if (increments.length !== this.layers.length) throw new InputError(`optimizer: expected increments for ${this.layers.length} weighted layers, found ${increments.length}`);
    const { momentum, weightDecay, alpha } = this.config;
    const lr = this.learningRate();
    const scale = 1 / (alpha * batchSize);
    this.layers.forEach((layer, k) => {
      const master = this.state.master[k];
      const velocity = this.state.velocity[k];
      const nw = layer.weights.length;
      const unit = this.weightUnit(k);
      const { dW, db } = increments[k];
      for (let i = 0; i < master.length; i++) {
        const isWeight = i < nw;
        const increment = isWeight ? dW[i] : db[i - nw];
        let grad = isWeight ? (-increment * scale) / unit : -increment * scale;
        if (isWeight) grad += weightDecay * master[i];
        velocity[i] = momentum * velocity[i] + grad;
        master[i] -= lr * velocity[i];
        const w = roundHalfAwayReal((isWeight ? master[i] / unit : master[i]) * layer.theta);
        if (isWeight) layer.weights[i] = w;
        else layer.bias[i - nw] = w;
      }
    });
    this.state.step++;
  }
}
