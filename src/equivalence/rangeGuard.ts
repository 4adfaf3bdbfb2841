/**
 * Range guard (docs/algorithm.md §1): bound every potential, error and increment from |b| + Σ|w|·max|input|, layer
 * by layer, and refuse a computation that could leave ±(2^53 − 1). The bounds are computed with the
 * exact kernels themselves, run on absolute values.
 */
import { RangeGuardError } from '../errors.js';
import { roundHalfAway, roundHalfAwayReal } from '../network/rounding.js';
import { neuronLayerIndices, sizeOf, type Network, type NeuronLayer } from '../network/topology.js';
import { layerBackward, layerForward, layerIncrements } from './kernels/index.js';

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

/** The layer with every weight and bias replaced by its magnitude (for worst-case bounds). */
export function absLayer(layer: NeuronLayer): NeuronLayer {
  if (layer.kind === 'avgpool') return { ...layer, weight: Math.abs(layer.weight) };
  return { ...layer, weights: layer.weights.map(Math.abs), bias: layer.bias.map(Math.abs) };
}

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
    layerForward(layers[l], x, a);
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
