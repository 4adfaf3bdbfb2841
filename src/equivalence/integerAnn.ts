/**
 * The equivalent integer ANN (docs/algorithm.md §5): the ground truth the spiking network must equal bit for bit.
 * Buffers are allocated once per network and re-used across examples; increments accumulate until
 * `clearIncrements()` so a mini-batch sums them.
 */
import { InputError } from '../errors.js';
import { roundHalfAway } from '../network/rounding.js';
import { neuronLayerIndices, sizeOf, type Network, type NeuronLayer } from '../network/topology.js';
import { layerBackward, layerForward, layerIncrements } from './kernels/index.js';
import { assertExactRange, MAX_EXACT, SampleRangeGuard, type RangeCheck } from './rangeGuard.js';
import { RangeGuardError } from '../errors.js';
import { argmax, topErrorCompartment } from './topError.js';

export interface AnnLayerState {
  /** Total integrated input a = b + Σ w S (for the top layer: V^L). */
  a: Float64Array;
  /** Rounded activation S (unused for the top layer). */
  S: Float64Array;
  /** Error sum reaching the layer (for the top layer: the initial error compartment U^L). */
  U: Float64Array;
  /** Transmitted error E. */
  E: Float64Array;
  /** Accumulated weight and bias increments (empty for pooling). */
  dW: Float64Array;
  db: Float64Array;
}

export class IntegerAnn {
  readonly network: Network;
  readonly layers: NeuronLayer[];
  /** Indices into network.layers of `layers`. */
  readonly layerIndex: number[];
  readonly state: AnnLayerState[];
  private input: Float64Array;
  private guardedInput = -1;
  private guardedAlpha = -1;
  private examples = 0;
  private maxIncrement = 0;
  /** Set when the worst case leaves the exact range (or per-example checks were asked for): each example is checked on its own values. */
  private sample: SampleRangeGuard | null = null;
  /** Per layer: the summed per-example increment bounds since the last clear. */
  private incrementSums: number[];
  private absInput: Float64Array;

  constructor(
    network: Network,
    /** `auto`: the worst-case bound when it holds, else each example's own (see SampleRangeGuard). */
    readonly rangeCheck: RangeCheck = 'auto',
  ) {
    this.network = network;
    this.layerIndex = neuronLayerIndices(network);
    this.layers = this.layerIndex.map((i) => network.layers[i] as NeuronLayer);
    this.input = new Float64Array(sizeOf(this.layers[0].inShape));
    this.absInput = new Float64Array(this.input.length);
    this.incrementSums = this.layers.map(() => 0);
    if (rangeCheck === 'sample') this.sample = new SampleRangeGuard(this.layers, this.layerIndex);
    this.state = this.layers.map((layer) => {
      const n = sizeOf(layer.outShape);
      const params = layer.kind === 'avgpool' ? { w: 0, b: 0 } : { w: layer.weights.length, b: layer.bias.length };
      return {
        a: new Float64Array(n),
        S: new Float64Array(n),
        U: new Float64Array(n),
        E: new Float64Array(n),
        dW: new Float64Array(params.w),
        db: new Float64Array(params.b),
      };
    });
  }

  get top(): AnnLayerState {
    return this.state[this.state.length - 1];
  }

  /** Values feeding neuron layer l: the input for l = 0, else S of the layer below. */
  inputOf(l: number): Float64Array {
    return l === 0 ? this.input : this.state[l - 1].S;
  }

  /** Forward pass: a and S of every layer. Returns the predicted class (argmax of V^L). */
  forward(input: ArrayLike<number>, alpha = 1): number {
    if (input.length !== this.input.length) {
      throw new InputError(`input: expected ${this.input.length} values, found ${input.length}`);
    }
    let maxAbs = 0;
    for (let j = 0; j < input.length; j++) {
      this.input[j] = input[j];
      maxAbs = Math.max(maxAbs, Math.abs(input[j]));
    }
    this.guard(maxAbs, alpha);
    const last = this.layers.length - 1;
    for (let l = 0; l <= last; l++) {
      const layer = this.layers[l];
      const { a, S } = this.state[l];
      this.sample?.forward(l, this.inputOf(l));
      layerForward(layer, this.inputOf(l), a);
      if (l === last) break;
      const relu = layer.activation === 'relu';
      for (let i = 0; i < a.length; i++) S[i] = roundHalfAway(relu && a[i] < 0 ? 0 : a[i], layer.theta);
    }
    return argmax(this.top.a);
  }

  /** Backward pass after `forward`: top error, E of every layer, and increments added to dW, db. */
  backward(target: number, alpha: number): void {
    this.guard(this.guardedInput, alpha);
    this.guardIncrements(this.examples + 1);
    this.examples++;
    const last = this.layers.length - 1;
    const top = this.layers[last];
    topErrorCompartment(this.top.a, top.theta, top.thetaBp, target, alpha, this.top.U);
    const sample = this.sample;
    for (let l = last; l >= 0; l--) {
      const layer = this.layers[l];
      const { a, U, E, dW, db } = this.state[l];
      const gated = l < last && layer.activation === 'relu';
      for (let i = 0; i < E.length; i++) E[i] = gated && !(a[i] > 0) ? 0 : roundHalfAway(U[i], layer.thetaBp);
      if (sample) {
        this.incrementSums[l] += sample.increments(l, E, this.inputOf(l));
        sample.checkIncrementSum(l, this.incrementSums[l], this.examples);
      }
      layerIncrements(layer, E, this.inputOf(l), dW, db);
      if (l > 0) {
        sample?.backward(l, E);
        layerBackward(layer, E, this.state[l - 1].U);
      }
    }
  }

  /** Forward and backward for one example; returns the predicted class. */
  run(input: ArrayLike<number>, target: number, alpha: number): number {
    const predicted = this.forward(input, alpha);
    this.backward(target, alpha);
    return predicted;
  }

  /** Largest |ΔW| or |Δb| one example can add, from the last range check (0 before any). */
  get incrementBound(): number {
    return this.maxIncrement;
  }

  /**
   * The weights changed, and someone else (the thread that changed them) has already proved that
   * inputs up to `maxAbsInput` and this α stay exact, with `maxIncrement` per example.
   */
  rangeCheckedElsewhere(maxAbsInput: number, alpha: number, maxIncrement: number): void {
    this.guardedInput = maxAbsInput;
    this.guardedAlpha = alpha;
    this.maxIncrement = maxIncrement;
  }

  /** The weights changed (an optimizer step): the exact-range bounds must be computed again. */
  weightsChanged(): void {
    this.guardedInput = -1;
    this.guardedAlpha = -1;
    // The per-example guard holds the weights' magnitudes.
    if (this.sample) this.sample = new SampleRangeGuard(this.layers, this.layerIndex);
  }

  /** Is each example checked on its own values (the worst case leaves the exact range)? */
  get checksPerExample(): boolean {
    return this.sample !== null;
  }

  clearIncrements(): void {
    for (const s of this.state) {
      s.dW.fill(0);
      s.db.fill(0);
    }
    this.examples = 0;
    this.incrementSums.fill(0);
  }

  /**
   * Re-compute the worst-case bounds only when the input magnitude or α grows; where they leave the
   * exact range, `auto` checks each example on its own values from then on.
   */
  private guard(maxAbsInput: number, alpha: number): void {
    if (this.sample) return;
    if (maxAbsInput <= this.guardedInput && alpha <= this.guardedAlpha) return;
    const input = Math.max(maxAbsInput, this.guardedInput);
    const a = Math.max(alpha, this.guardedAlpha);
    try {
      const bounds = assertExactRange(this.network, input, a, Math.max(1, this.examples));
      this.maxIncrement = Math.max(...bounds.map((b) => b.increment));
    } catch (e) {
      if (!(e instanceof RangeGuardError) || this.rangeCheck === 'static') throw e;
      this.sample = new SampleRangeGuard(this.layers, this.layerIndex);
      return;
    }
    this.guardedInput = input;
    this.guardedAlpha = a;
  }

  /** Summed increments of `examples` examples must stay exact too. */
  private guardIncrements(examples: number): void {
    if (this.sample || !(this.maxIncrement * examples > MAX_EXACT)) return;
    try {
      assertExactRange(this.network, this.guardedInput, this.guardedAlpha, examples);
    } catch (e) {
      if (!(e instanceof RangeGuardError) || this.rangeCheck === 'static') throw e;
      this.sample = new SampleRangeGuard(this.layers, this.layerIndex);
      // The examples already summed stayed within the worst case of one example each.
      this.incrementSums.fill(this.maxIncrement * this.examples);
    }
  }
}
