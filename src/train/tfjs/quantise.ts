/**
 * Export of real-unit weights to an integer network: per weighted layer a power-of-two Θ chosen so the
 * largest weight gets `weightBits` bits (quantisation then costs no accuracy), w = roundHalfAway(W·Θ),
 * b = roundHalfAway(b·Θ), and every Θbp rescaled with the Θ above it (unscaled gradients, docs/algorithm.md §5).
 */
import { InputError } from '../../errors.js';
import { fromTfjsLayout } from './paramLayout.js';
import { architectureOf, buildNetwork, type LayerParams } from '../../network/build.js';
import { roundHalfAwayReal } from '../../network/rounding.js';
import { hasWeights, type Network } from '../../network/topology.js';

export const DEFAULT_WEIGHT_BITS = 14;

/** The power of two Θ that maps the largest |weight| to about 2^bits (at least 1). */
export function powerOfTwoTheta(maxAbsWeight: number, weightBits: number): number {
  if (!(maxAbsWeight > 0)) return 2 ** weightBits;
  return 2 ** Math.max(0, Math.round(weightBits - Math.log2(maxAbsWeight)));
}

/**
 * `real[k]`: weighted layer k's real weights (per raw input unit) then biases, in tfjs layout. The
 * template gives the topology and the pools' thresholds.
 */
export function quantiseNetwork(template: Network, real: readonly ArrayLike<number>[], weightBits = DEFAULT_WEIGHT_BITS): Network {
  const arch = architectureOf(template);
  const weighted = template.layers.filter(hasWeights);
  if (real.length !== weighted.length) throw new InputError(`export: expected parameters for ${weighted.length} weighted layers, found ${real.length}`);
  const params: (LayerParams | undefined)[] = template.layers.map(() => undefined);
  const thetas = template.layers.map((l) => ('theta' in l ? l.theta : 0));
  weighted.forEach((layer, k) => {
    const nw = layer.weights.length;
    let max = 0;
    for (let i = 0; i < nw; i++) max = Math.max(max, Math.abs(real[k][i]));
    const theta = powerOfTwoTheta(max, weightBits);
    const weights = fromTfjsLayout(layer, Array.prototype.slice.call(real[k], 0, nw) as number[]);
    for (let i = 0; i < nw; i++) weights[i] = roundHalfAwayReal(weights[i] * theta);
    const bias = new Float64Array(layer.bias.length);
    for (let i = 0; i < bias.length; i++) bias[i] = roundHalfAwayReal(real[k][nw + i] * theta);
    if (![...weights, ...bias].every(Number.isSafeInteger)) throw new InputError(`export: layer ${template.layers.indexOf(layer)} has weights outside the exact integer range (NaN or too large)`);
    const index = template.layers.indexOf(layer);
    params[index] = { weights, bias };
    thetas[index] = theta;
  });
  // Θbp of each neuron layer keeps its ratio to the Θ of the neuron layer above (the top: to its own Θ).
  const neurons = arch.layers.map((l, i) => ('theta' in l ? i : -1)).filter((i) => i >= 0);
  const layers = arch.layers.map((l, i) => {
    if (!('theta' in l)) return l;
    const next = neurons[neurons.indexOf(i) + 1];
    const above = next ?? i;
    const old = template.layers[above] as { theta: number };
    const thetaBp = Math.max(1, Math.round((thetas[above] * l.thetaBp) / old.theta));
    return { ...l, theta: thetas[i], thetaBp };
  });
  return buildNetwork({ ...arch, layers }, params);
}
