/**
 * The one optimizer step shared by every training path (docs/algorithm.md §6): it maps the integer weights and the
 * summed integer increments ΣΔW of a mini-batch to new integer weights. State lives in float64 "master"
 * weights in real units (w/Θ), updated with SGD + momentum + weight decay; the integer weights are
 * roundHalfAway(master·Θ). All arithmetic is float64 in a fixed order, so an SNN trained on-line and the
 * integer ANN trained on the same data stay identical weight for weight.
 *
 * Units: ΔW = −E·Sᵀ with errors scaled by α, so the gradient in real units is −ΣΔW / (α·B): the
 * learning rate is divided by α as in the paper.
 */
import { InputError } from '../errors.js';
import { partRange } from '../workers/partition.js';
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
  /**
   * Decay β per step of an exponential moving average of the master values (0 or absent: none). The
   * average starts at the initial masters and warms up as TensorFlow's does: step t uses
   * min(β, (1 + t)/(10 + t)).
   */
  averageDecay?: number;
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
  /** The moving average of the masters, where the configuration keeps one (`averageDecay`). */
  average?: Float64Array[];
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
    if ((config.averageDecay ?? 0) > 0) this.state.average = master.map((m) => Float64Array.from(m));
  }

  learningRate(step = this.state.step): number {
    const { lr, schedule, totalSteps } = this.config;
    if (schedule === 'constant' || totalSteps <= 1) return lr;
    const t = Math.min(1, step / totalSteps);
    return lr * (0.01 + 0.99 * 0.5 * (1 + Math.cos(Math.PI * t)));
  }

  /**
   * One step from the summed increments ΣΔW of `batchSize` examples (`sign` −1), or from the summed
   * gradients Σ E·Sᵀ = −ΣΔW (`sign` 1); both are α-scaled. The one-slice case of `updateSlice`.
   */
  step(layers: readonly LayerIncrements[], batchSize: number, sign: 1 | -1): void {
    if (layers.length !== this.state.master.length) throw new InputError(`optimizer: expected values for ${this.state.master.length} weighted layers, found ${layers.length}`);
    const c = this.coefficients(batchSize);
    // −(x·s) = x·(−s) exactly: the sign folds into the scale without changing a bit.
    updateSlice(this.layout, [layers.flatMap(({ dW, db }) => [dW, db])], { ...c, scale: sign * c.scale }, null, 0, 1);
    this.state.step++;
  }

  /** The coefficients of the next step for a batch of `batchSize` (the learning rate of the current step). */
  coefficients(batchSize: number): StepCoefficients {
    const { momentum, weightDecay, alpha, averageDecay = 0 } = this.config;
    const t = this.state.step;
    return { lr: this.learningRate(), scale: 1 / (alpha * batchSize), momentum, weightDecay, ...(averageDecay > 0 ? { averageDecay: Math.min(averageDecay, (1 + t) / (10 + t)) } : {}) };
  }

  /** The layout `updateSlice` needs, over this optimizer's state. */
  get layout(): SgdLayout {
    const { master, velocity, average } = this.state;
    return { master, velocity, ...(average ? { average } : {}), weightCounts: this.weightCounts, units: this.units };
  }

  /** After every slice of a step was updated (`updateSlice`), count the step. */
  finishStep(): void {
    this.state.step++;
  }
}

export interface StepCoefficients {
  lr: number;
  /** 1/(α·batch size). */
  scale: number;
  momentum: number;
  weightDecay: number;
  /** This step's decay of the masters' moving average, where the layout keeps one. */
  averageDecay?: number;
}

/** Master values and velocities per weighted layer (weights then biases), and how to read them. */
export interface SgdLayout {
  master: Float64Array[];
  velocity: Float64Array[];
  /** The masters' moving average, updated after each step where the coefficients give its decay. */
  average?: Float64Array[];
  weightCounts: readonly number[];
  units: readonly number[];
}

/**
 * Slice `slice` of `slices` of one step (of every layer, so workers share it evenly) from gradients
 * Σ E·Sᵀ = −ΣΔW given in parts (one per worker, each a weights and a bias array per layer, summed in
 * part order in float64); writes the new real weights (master/unit) and biases to `out` in the same
 * layout when given. Element by element, so the result does not depend on the slicing. This is the
 * optimizer's one SGD expression; `RealSgd.step` is its one-slice case.
 */
export function updateSlice(
  layout: SgdLayout,
  parts: readonly (readonly ArrayLike<number>[])[],
  c: StepCoefficients,
  out: readonly Float32Array[] | null,
  slice: number,
  slices: number,
): void {
  const { lr, scale, momentum, weightDecay } = c;
  layout.master.forEach((master, k) => {
    stepLayerSlice(k, master);
    if (layout.average && c.averageDecay !== undefined) averageSlice(layout.average[k], master, c.averageDecay, ...partRange(master.length, slices, slice));
  });

  function stepLayerSlice(k: number, master: Float64Array): void {
    const velocity = layout.velocity[k];
    const nw = layout.weightCounts[k];
    const unit = layout.units[k];
    const [from, to] = partRange(master.length, slices, slice);
    const weightParts = parts.map((p) => p[2 * k]);
    const biasParts = parts.map((p) => p[2 * k + 1]);
    const [weightsOut, biasOut] = out ? [out[2 * k], out[2 * k + 1]] : [null, null];
    const wEnd = Math.min(to, nw);
    if (parts.length <= 2) {
      // One and two parts (one thread, two workers): loops with the sum written out and no call per element.
      const [w0, w1] = [weightParts[0], weightParts[1] ?? null];
      const [b0, b1] = [biasParts[0], biasParts[1] ?? null];
      if (unit === 1 && weightsOut) {
        // Dividing by 1 changes nothing: the hidden layers' loops (nearly every weight) go without,
        // each value read once (the stores could alias it otherwise).
        if (w1 === null) unitStep(w0, w0, 1, master, velocity, weightsOut, from, wEnd, c);
        else unitStep(w0, w1, 2, master, velocity, weightsOut, from, wEnd, c);
      } else {
        for (let i = from; i < wEnd; i++) {
          const g = w1 === null ? w0[i] : w0[i] + w1[i];
          const grad = (g * scale) / unit + weightDecay * master[i];
          const v = (velocity[i] = momentum * velocity[i] + grad);
          const m = (master[i] -= lr * v);
          if (weightsOut) weightsOut[i] = m / unit;
        }
      }
      for (let i = Math.max(from, nw); i < to; i++) {
        const g = b1 === null ? b0[i - nw] : b0[i - nw] + b1[i - nw];
        const v = (velocity[i] = momentum * velocity[i] + g * scale);
        const m = (master[i] -= lr * v);
        if (biasOut) biasOut[i - nw] = m;
      }
      return;
    }
    for (let i = from; i < wEnd; i++) {
      const grad = (sumAt(weightParts, i) * scale) / unit + weightDecay * master[i];
      velocity[i] = momentum * velocity[i] + grad;
      master[i] -= lr * velocity[i];
      if (weightsOut) weightsOut[i] = master[i] / unit;
    }
    for (let i = Math.max(from, nw); i < to; i++) {
      const grad = sumAt(biasParts, i - nw) * scale;
      velocity[i] = momentum * velocity[i] + grad;
      master[i] -= lr * velocity[i];
      if (biasOut) biasOut[i - nw] = master[i];
    }
  }
}

/** average ← β·average + (1 − β)·master over [from, to), after the step: element by element, so any slicing gives the same bits. */
function averageSlice(average: Float64Array, master: Float64Array, decay: number, from: number, to: number): void {
  const rest = 1 - decay;
  for (let i = from; i < to; i++) average[i] = decay * average[i] + rest * master[i];
}

/**
 * The SGD expression where the unit is 1, over [from, to) of one or two gradient parts; a function of
 * its own so that it is compiled for typed arrays alone, and each value is read once (the stores
 * could alias it otherwise).
 */
function unitStep(w0: ArrayLike<number>, w1: ArrayLike<number>, parts: 1 | 2, master: Float64Array, velocity: Float64Array, out: Float32Array, from: number, to: number, c: StepCoefficients): void {
  const { lr, scale, momentum, weightDecay } = c;
  if (parts === 1) {
    for (let i = from; i < to; i++) {
      const m = master[i];
      const v = momentum * velocity[i] + (w0[i] * scale + weightDecay * m);
      velocity[i] = v;
      const next = m - lr * v;
      master[i] = next;
      out[i] = next;
    }
    return;
  }
  for (let i = from; i < to; i++) {
    const m = master[i];
    const v = momentum * velocity[i] + ((w0[i] + w1[i]) * scale + weightDecay * m);
    velocity[i] = v;
    const next = m - lr * v;
    master[i] = next;
    out[i] = next;
  }
}

/** Σ parts[p][i] in part order. */
function sumAt(parts: readonly ArrayLike<number>[], i: number): number {
  let sum = 0;
  for (const p of parts) sum += p[i];
  return sum;
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
      roundMasters(master.subarray(0, nw), master.subarray(nw), this.sgd.units[k], layer);
    });
  }
}

/**
 * The integer parameters of a layer from master values in the network's layout: the one rounding of
 * masters, w = roundHalfAway(master/unit·Θ), b = roundHalfAway(master·Θ), written into `layer`.
 */
export function roundMasters(weights: ArrayLike<number>, bias: ArrayLike<number>, unit: number, layer: DenseLayer | Conv2dLayer, theta = layer.theta): void {
  for (let i = 0; i < layer.weights.length; i++) layer.weights[i] = roundHalfAwayReal((weights[i] / unit) * theta);
  for (let i = 0; i < layer.bias.length; i++) layer.bias[i] = roundHalfAwayReal(bias[i] * theta);
}

/** Real units per master unit of a weight: the input scale for the layer that reads the input. */
export function firstLayerUnit(network: Network, weighted: readonly (DenseLayer | Conv2dLayer)[], k: number, config: Pick<OptimizerConfig, 'inputScale'>): number {
  return k === 0 && network.layers[0] === weighted[0] ? (config.inputScale ?? 1) : 1;
}
