/**
 * Range guard (docs/algorithm.md §1): bound every potential, error and increment from |b| + Σ|w|·max|input|, layer
 * by layer, and refuse a computation that could leave ±(2^53 − 1). The bounds are computed with the
 * exact kernels themselves, run on absolute values.
 */
import { RangeGuardError } from '../errors.js';
import { roundHalfAway, roundHalfAwayReal } from '../network/rounding.js';
import { neuronLayerIndices, sizeOf, type Network, type NeuronLayer } from '../network/topology.js';
import { layerBackward, layerForward, layerIncrements } from './kernels/index.js';
import { absLayer, magnitudeForward } from './kernels/magnitudes.js';
import { layerForwardRepeated } from './kernels/repeatedPositions.js';

export const MAX_EXACT = Number.MAX_SAFE_INTEGER;

export interface LayerBounds {
  /** Index into network.layers. */
  layer: number;
  kind: NeuronLayer['kind'];
  /** max |a| (total integrated input) and so of |V| up to one Θ. */
  potential: number;
  /** max |S|. */
  activation: number;
  /** max |U| of the error compartment. */
  errorSum: number;
  /** max |E|. */
  error: number;
  /** max |ΔW| and |Δb| of one example. */
  increment: number;
}

export { absLayer } from './kernels/magnitudes.js';

const maxOf = (v: Float64Array): number => v.reduce((m, x) => Math.max(m, x), 0);

/** Per-neuron-layer worst-case magnitudes for inputs with |x| ≤ maxAbsInput and the given α. */
export function computeBounds(network: Network, maxAbsInput: number, alpha: number): LayerBounds[] {
  const indices = neuronLayerIndices(network);
  const layers = indices.map((i) => absLayer(network.layers[i] as NeuronLayer));
  const inputs: Float64Array[] = [];
  const potentials: Float64Array[] = [];
  let x = new Float64Array(sizeOf(layers[0].inShape)).fill(maxAbsInput);
  for (let l = 0; l < layers.length; l++) {
    const a = new Float64Array(sizeOf(layers[l].outShape));
    // A uniform input keeps most rows and columns alike: each class of them computed once.
    layerForwardRepeated(layers[l], x, a);
    inputs.push(x);
    potentials.push(a);
    const layer = layers[l];
    x = a.map((v) => roundHalfAway(v, layer.theta));
  }
  const top = layers[layers.length - 1];
  const bounds: LayerBounds[] = new Array(layers.length);
  let U = new Float64Array(sizeOf(top.outShape)).fill(roundHalfAwayReal(alpha * top.thetaBp));
  for (let l = layers.length - 1; l >= 0; l--) {
    const layer = layers[l];
    const E = U.map((u) => roundHalfAway(u, layer.thetaBp));
    const dW = new Float64Array(layer.kind === 'avgpool' ? 0 : layer.weights.length);
    const db = new Float64Array(layer.kind === 'avgpool' ? 0 : layer.bias.length);
    // The increment kernels subtract; with non-negative bounds the magnitudes come out negated.
    layerIncrements(layer, E, inputs[l], dW, db);
    bounds[l] = {
      layer: indices[l],
      kind: layer.kind,
      potential: maxOf(potentials[l]),
      activation: l + 1 < layers.length ? maxOf(inputs[l + 1]) : 0,
      errorSum: maxOf(U),
      error: maxOf(E),
      increment: Math.max(maxOf(dW.map(Math.abs)), maxOf(db.map(Math.abs))),
    };
    const below = new Float64Array(sizeOf(layer.inShape));
    layerBackward(layer, E, below);
    U = below;
  }
  return bounds;
}

/**
 * Whether some potential's worst-case bound already leaves the exact range: the forward half of
 * computeBounds, stopping at the first such layer. Enough to know that assertExactRange would refuse
 * (not which quantity it would name first), at a fraction of its cost.
 */
export function forwardBoundExceeds(network: Network, maxAbsInput: number): boolean {
  const indices = neuronLayerIndices(network);
  let x = new Float64Array(sizeOf((network.layers[indices[0]] as NeuronLayer).inShape)).fill(maxAbsInput);
  for (const i of indices) {
    const layer = network.layers[i] as NeuronLayer;
    const a = new Float64Array(sizeOf(layer.outShape));
    magnitudeForward(layer, x, a);
    if (!(maxOf(a) <= MAX_EXACT)) return true;
    x = a.map((v) => roundHalfAway(v, layer.theta));
  }
  return false;
}

/**
 * Throw a RangeGuardError naming the first layer and quantity whose bound could leave the exact range;
 * `examples` multiplies increment bounds (mini-batch sums). Returns the bounds when all is safe.
 */
export function assertExactRange(network: Network, maxAbsInput: number, alpha: number, examples = 1): LayerBounds[] {
  const bounds = computeBounds(network, maxAbsInput, alpha);
  for (const b of bounds) {
    const checks: [string, number][] = [
      ['potential', b.potential],
      ['error compartment', b.errorSum],
      [`weight increment (${examples} example${examples === 1 ? '' : 's'})`, b.increment * examples],
    ];
    for (const [what, value] of checks) {
      if (!(value <= MAX_EXACT)) {
        throw new RangeGuardError(
          `layer ${b.layer} (${b.kind}): the ${what} bound ${value.toExponential(3)} exceeds 2^53 − 1 ` +
            `(${MAX_EXACT.toExponential(3)}) by a factor of ${(value / MAX_EXACT).toFixed(3)}; ` +
            `lower the weights, biases, input range or α, or raise the thresholds`,
        );
      }
    }
  }
  return bounds;
}

/** How the exact range is guarded: by the worst case over all inputs, per example, or the first where it suffices. */
export type RangeCheck = 'auto' | 'static' | 'sample';
export const RANGE_CHECKS: readonly RangeCheck[] = ['auto', 'static', 'sample'];

const absInto = (v: ArrayLike<number>, into: Float64Array): Float64Array => {
  for (let i = 0; i < into.length; i++) into[i] = Math.abs(v[i]);
  return into;
};

/**
 * The range guard of one example, from the magnitudes that actually reached each layer instead of
 * the worst case over every input: a potential is bounded by |b| + Σ|w|·m over what arrived (m = |S|
 * below for the ANN, or the number of events for the SNN, which also covers every partial sum in any
 * order), an error sum by Σ|w|·m over the errors from above, an increment by the same products the
 * increments are made of. Bounds do not compound through layers, so deep networks whose worst case
 * leaves the exact range are admitted as long as their actual values stay inside it.
 */
export class SampleRangeGuard {
  /** Magnitudes, dW and db per layer, made when first needed (a thread may be handed only some layers' tasks). */
  private readonly absLayers: (NeuronLayer | null)[];
  private readonly drive: Float64Array[];
  private readonly inMagnitude: Float64Array[];
  private readonly below: Float64Array[];
  private readonly incrementBuffers: ({ dW: Float64Array; db: Float64Array } | null)[];

  constructor(
    private readonly layers: readonly NeuronLayer[],
    private readonly layerIndex: readonly number[],
  ) {
    this.absLayers = layers.map(() => null);
    this.drive = layers.map((l) => new Float64Array(sizeOf(l.outShape)));
    this.inMagnitude = layers.map((l) => new Float64Array(sizeOf(l.inShape)));
    this.below = layers.map((l) => new Float64Array(sizeOf(l.inShape)));
    this.incrementBuffers = layers.map(() => null);
  }

  private abs(l: number): NeuronLayer {
    return (this.absLayers[l] ??= absLayer(this.layers[l]));
  }

  private refuse(l: number, what: string, value: number): never {
    throw new RangeGuardError(
      `layer ${this.layerIndex[l]} (${this.layers[l].kind}): the ${what} of this example could reach ${value.toExponential(3)} ` +
        `(bounded from the values that arrived), beyond 2^53 − 1 (${MAX_EXACT.toExponential(3)}) by a factor of ${(value / MAX_EXACT).toFixed(3)}; ` +
        `lower the weights, biases, input range or α, or raise the thresholds`,
    );
  }

  /**
   * |b| + Σ|w|·|in| for every neuron of layer l: refuse when one leaves the exact range (or only
   * return them, `check` false). Valid until the next call for this layer.
   */
  forward(l: number, input: ArrayLike<number>, check = true): Float64Array {
    const drive = this.drive[l];
    layerForward(this.abs(l), absInto(input, this.inMagnitude[l]), drive);
    if (check) this.checkDrive(l, drive);
    return drive;
  }

  /** Refuse when a drive of layer l (computed here or by another kernel, in any neuron order) leaves the exact range. */
  checkDrive(l: number, drive: Float64Array): void {
    let max = 0;
    for (let i = 0; i < drive.length; i++) max = Math.max(max, drive[i]);
    if (!(max <= MAX_EXACT)) this.refuse(l, 'potential', max);
  }

  /** Σ|w|·|e| over layer l's errors, reaching the layer below: refuse when one leaves the exact range. */
  backward(l: number, errors: ArrayLike<number>, check = true): Float64Array {
    const below = this.below[l];
    below.fill(0);
    layerBackward(this.abs(l), absInto(errors, this.drive[l]), below);
    if (!check) return below;
    let max = 0;
    for (let i = 0; i < below.length; i++) max = Math.max(max, below[i]);
    if (!(max <= MAX_EXACT)) this.refuse(l - 1, 'error compartment', max);
    return below;
  }

  /** The largest |ΔW| or |Δb| that errors `errors` of layer l on inputs `input` add (one example). */
  increments(l: number, errors: ArrayLike<number>, input: ArrayLike<number>): number {
    const kind = this.layers[l].kind;
    if (kind === 'avgpool') return 0;
    // A dense increment is one product e_i·x_j: the largest is max|e|·max|x| (or a bias's max|e|).
    if (kind === 'dense') {
      let e = 0, x = 0;
      for (let i = 0; i < errors.length; i++) e = Math.max(e, Math.abs(errors[i]));
      for (let j = 0; j < input.length; j++) x = Math.max(x, Math.abs(input[j]));
      return Math.max(e * x, e);
    }
    const layer = this.abs(l) as Exclude<NeuronLayer, { kind: 'avgpool' }>;
    const { dW, db } = (this.incrementBuffers[l] ??= { dW: new Float64Array(layer.weights.length), db: new Float64Array(layer.bias.length) });
    dW.fill(0);
    db.fill(0);
    // The increment kernels subtract; with magnitudes the sums come out negated.
    layerIncrements(this.abs(l), absInto(errors, this.drive[l]), absInto(input, this.inMagnitude[l]), dW, db);
    let max = 0;
    for (let i = 0; i < dW.length; i++) max = Math.max(max, -dW[i]);
    for (let i = 0; i < db.length; i++) max = Math.max(max, -db[i]);
    return max;
  }

  /** Refuse summed increments that could leave the exact range. */
  checkIncrementSum(l: number, sum: number, examples: number): void {
    if (!(sum <= MAX_EXACT)) this.refuse(l, `weight increment (${examples} example${examples === 1 ? '' : 's'} summed)`, sum);
  }
}
