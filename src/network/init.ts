/** Seeded integer initialisation of a network's parameters (He-style, expressed on the Θ grid). */
import { Rng } from '../random.js';
import { roundHalfAwayReal } from './rounding.js';
import { buildNetwork, paramCounts, type LayerParams } from './build.js';
import type { Architecture } from './architecture.js';
import type { Network } from './topology.js';

export const DEFAULT_INIT_ACTIVATION = 4;

export interface InitConstraints {
  /** Seed of the generator (default 1). */
  seed?: number;
  /** Root mean square of the input values, so first-layer outputs have a few spikes (default 100, MNIST-like). */
  inputRms?: number;
  /** Typical |S| of a hidden neuron the weights aim for (default DEFAULT_INIT_ACTIVATION). */
  targetActivation?: number;
}

/**
 * Integer weights w = round(N(0,1) · Θ · √2 / √fanIn · scale), so the real weights w/Θ follow He
 * initialisation rescaled for the integer activations; biases start at zero. A pool whose output is
 * not the window's average (weight·size²/Θ ≠ 1, a sum pool for example) scales the spike counts that
 * reach the next weighted layer by that gain, so that layer's weights are divided by it.
 */
export function initNetwork(arch: Architecture, constraints: InitConstraints = {}): Network {
  const rng = new Rng(constraints.seed ?? 1);
  const target = constraints.targetActivation ?? DEFAULT_INIT_ACTIVATION;
  const shapes = buildNetwork(arch);
  let poolGain = 1;
  const params: (LayerParams | undefined)[] = arch.layers.map((layer, i) => {
    if (layer.kind === 'avgpool') poolGain *= (layer.weight * layer.size * layer.size) / layer.theta;
    const counts = paramCounts(layer, shapes.layers[i].inShape);
    if (!counts || !('theta' in layer)) return undefined;
    const gain = Math.abs(poolGain) || 1;
    poolGain = 1;
    const fanIn = counts.weights / counts.bias;
    const isFirst = shapes.layers.slice(0, i).every((l) => l.kind === 'flatten');
    const isTop = i === arch.layers.length - 1;
    // Hidden spike counts aim at `target`; the classification layer's z = a/Θ at about 1 (unsaturated softmax).
    const scale = (isFirst ? target / (constraints.inputRms ?? 100) : 1) * (isTop && !isFirst ? 1 / target : 1);
    const std = (layer.theta * Math.SQRT2 * scale) / (Math.sqrt(fanIn) * gain);
    const weights = new Float64Array(counts.weights);
    for (let k = 0; k < weights.length; k++) weights[k] = roundHalfAwayReal(rng.normal() * std);
    return { weights, bias: new Float64Array(counts.bias) };
  });
  return buildNetwork(arch, params);
}
