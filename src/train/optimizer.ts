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

/**
 * SGD with momentum and weight decay on float64 master values, one flat array per weighted layer
 * (weights then biases, in any fixed layout). `units[k]` is the real units per master unit of layer k's
 * weights. Shared by the integer optimizer and the tfjs engine, so both take the same step.
 */
export class RealSgd {
  state: OptimizerState;

  constructor(
    master: Float64Array[],
    readonly weightCounts: readonly number[],
    readonly units: readonly number[],
    readonly config: OptimizerConfig,
  ) {
    this.state = { step: 0, master, velocity: master.map((m) => new Float64Array(m.length)) };
  }

  learningRate(step = this.state.step): number {
    const { lr, schedule, totalSteps } = this.config;
    if (schedule === 'constant' || totalSteps <= 1) return lr;
    const t = Math.min(1, step / totalSteps);
    return lr * (0.01 + 0.99 * 0.5 * (1 + Math.cos(Math.PI * t)));
  }

  /**
   * One step from the summed increments ΣΔW of `batchSize` examples (`sign` −1), or from the summed
   * gradients Σ E·Sᵀ = −ΣΔW (`sign` 1); both are α-scaled.
   */
  step(layers: readonly LayerIncrements[], batchSize: number, sign: 1 | -1): void {
    if (layers.length !== this.state.master.length) throw new InputError(`optimizer: expected values for ${this.state.master.length} weighted layers, found ${layers.length}`);
    const { momentum, weightDecay, alpha } = this.config;
    const lr = this.learningRate();
    const scale = 1 / (alpha * batchSize);
    layers.forEach(({ dW, db }, k) => {
      const master = this.state.master[k];
      const velocity = this.state.velocity[k];
      const nw = this.weightCounts[k];
      const unit = this.units[k];
      // Weights (with decay), then biases: two branch-free loops over the same float64 expressions.
      for (let i = 0; i < nw; i++) {
        const grad = (sign * dW[i] * scale) / unit + weightDecay * master[i];
        velocity[i] = momentum * velocity[i] + grad;
        master[i] -= lr * velocity[i];
      }
      for (let i = nw; i < master.length; i++) {
        const grad = sign * db[i - nw] * scale;
        velocity[i] = momentum * velocity[i] + grad;
        master[i] -= lr * velocity[i];
      }
    });
    this.state.step++;
  }

  /**
   * One step from gradients Σ E·Sᵀ = −ΣΔW given in parts (one per worker, each a weights and a bias
   * array per layer, summed in part order in float64), writing the new real weights (master/unit) and
   * biases to `out` in the same layout: one pass over memory instead of a sum, a step and a copy.
   */
  stepFromParts(parts: readonly (readonly Float32Array[])[], batchSize: number, out: readonly Float32Array[]): void {
    const { momentum, weightDecay, alpha } = this.config;
    const lr = this.learningRate();
    const scale = 1 / (alpha * batchSize);
    this.state.master.forEach((master, k) => {
      const velocity = this.state.velocity[k];
      const nw = this.weightCounts[k];
      const unit = this.units[k];
      const [w0, w1] = firstTwoSummed(parts.map((p) => p[2 * k]));
      const [b0, b1] = firstTwoSummed(parts.map((p) => p[2 * k + 1]));
      const [weightsOut, biasOut] = [out[2 * k], out[2 * k + 1]];
      // The same float64 expressions as step() with sign 1.
      for (let i = 0; i < nw; i++) {
        const g = w1 === null ? w0[i] : w0[i] + w1[i];
        const v = momentum * velocity[i] + ((g * scale) / unit + weightDecay * master[i]);
        velocity[i] = v;
        const m = master[i] - lr * v;
        master[i] = m;
        weightsOut[i] = m / unit;
      }
      for (let i = nw; i < master.length; i++) {
        const grad = (b1 === null ? b0[i - nw] : b0[i - nw] + b1[i - nw]) * scale;
        velocity[i] = momentum * velocity[i] + grad;
        master[i] -= lr * velocity[i];
        biasOut[i - nw] = master[i];
      }
    });
    this.state.step++;
  }
}

/** Two arrays whose sum is Σ parts in part order: the first two as they are (the common cases), or the first and the sum of the rest after it. */
function firstTwoSummed(parts: Float32Array[]): [ArrayLike<number>, ArrayLike<number> | null] {
  if (parts.length <= 2) return [parts[0], parts[1] ?? null];
  const sum = Float64Array.from(parts[0]);
  for (const p of parts.slice(1)) for (let i = 0; i < p.length; i++) sum[i] += p[i];
  return [sum, null];
}

/** The integer optimizer: RealSgd on the network's layout, then roundHalfAway(master·Θ) into the network. */
export class IntegerSgd {
  readonly layers: (DenseLayer | Conv2dLayer)[];
  private readonly sgd: RealSgd;

  constructor(
    readonly network: Network,
    readonly config: OptimizerConfig,
  ) {
    this.layers = network.layers.filter(hasWeights);
    const units = this.layers.map((_, k) => firstLayerUnit(network, this.layers, k, config));
    // One array per layer: weights then biases, in real units (first layer: per normalised input).
    const master = this.layers.map((l, k) => {
      const nw = l.weights.length;
      return Float64Array.from([...l.weights, ...l.bias], (v, i) => (v / l.theta) * (i < nw ? units[k] : 1));
    });
    this.sgd = new RealSgd(master, this.layers.map((l) => l.weights.length), units, config);
  }

  get state(): OptimizerState {
    return this.sgd.state;
  }

  set state(state: OptimizerState) {
    this.sgd.state = state;
  }

  learningRate(step = this.state.step): number {
    return this.sgd.learningRate(step);
  }

  /** Apply one mini-batch of `batchSize` examples; writes the new integer weights into the network. */
  step(increments: readonly LayerIncrements[], batchSize: number): void {
    this.sgd.step(increments, batchSize, -1);
    this.layers.forEach((layer, k) => {
      const master = this.state.master[k];
      const nw = layer.weights.length;
      const unit = this.sgd.units[k];
      for (let i = 0; i < nw; i++) layer.weights[i] = roundHalfAwayReal((master[i] / unit) * layer.theta);
      for (let i = nw; i < master.length; i++) layer.bias[i - nw] = roundHalfAwayReal(master[i] * layer.theta);
    });
  }
}

/** Real units per master unit of a weight: the input scale for the layer that reads the input. */
export function firstLayerUnit(network: Network, weighted: readonly (DenseLayer | Conv2dLayer)[], k: number, config: Pick<OptimizerConfig, 'inputScale'>): number {
  return k === 0 && network.layers[0] === weighted[0] ? (config.inputScale ?? 1) : 1;
}
