/**
 * Seeded dropout on the outputs of the hidden dense layers (tfjs engine, training only). With rate
 * p = 1 − 1/k, each unit of each training image is kept with probability 1/k and its spike count is
 * then multiplied by k, so the layer above receives on average what the exported network, which has
 * no dropout, gives it; a dropped unit passes no spikes up and no errors down. The factor is a whole
 * number so that activations and spike-gradient errors stay integers, and with them every gradient
 * sum exact in any order. Masks are a function of (seed, epoch, step), drawn for the whole mini-batch
 * before it is split across workers: the weights do not depend on the worker count, and a resumed run
 * draws the same masks.
 */
import { InputError } from '../../errors.js';
import type { Network } from '../../network/topology.js';
import { Rng } from '../../random.js';

/** Where a dropout mask applies: a hidden dense layer (index into network.layers) and its units' columns in a mask row. */
export interface DroppedLayer {
  layer: number;
  offset: number;
  units: number;
}

/** The hidden dense layers (every dense layer but the classification layer), their columns in one mask row. */
export function droppedLayers(network: Network): DroppedLayer[] {
  const last = network.layers.length - 1;
  const out: DroppedLayer[] = [];
  let offset = 0;
  network.layers.forEach((layer, index) => {
    if (layer.kind !== 'dense' || index === last) return;
    out.push({ layer: index, offset, units: layer.units });
    offset += layer.units;
  });
  return out;
}

/** The whole-number factor k of a rate p = 1 − 1/k (0 for no dropout), or a refusal naming the option. */
export function dropoutFactor(rate: number, option = '--dropout'): number {
  if (rate === 0) return 0;
  const k = 1 / (1 - rate);
  const whole = Math.round(k);
  // 2/3 typed as 0.6667 is meant as k = 3.
  if (!(rate > 0 && rate < 1) || whole < 2 || Math.abs(k - whole) > 1e-3 * whole) {
    throw new InputError(`${option}: expected a rate 1 − 1/k for a whole k ≥ 2 (0.5, 0.6667, 0.75, 0.8, 0.9, …: a kept unit's spikes count k times, so activations stay integers), found ${rate}`);
  }
  return whole;
}

/** One mask row per image of the batch: k for a kept unit (probability 1/k), 0 for a dropped one. */
export function dropoutMasks(seed: number, epoch: number, step: number, count: number, factor: number, width: number): Float32Array {
  const rng = new Rng((seed * 7919 + epoch * 1_000_033 + step * 3_001 + 0x5bd1) | 0);
  const masks = new Float32Array(count * width);
  for (let i = 0; i < masks.length; i++) masks[i] = rng.int(0, factor - 1) === 0 ? factor : 0;
  return masks;
}
