/**
 * A deep, narrow dense chain whose worst case compounds out of the exact range (as the CIFAR-10
 * topology's does) while its actual values on a small input stay small: what the per-example range
 * guard and the counted event budget are for.
 */
import { buildNetwork } from '../../src/network/build.js';
import type { Network } from '../../src/network/topology.js';
import { Rng } from '../../src/random.js';

export function deepChain(depth = 24, weightScale = 1, theta = 8): Network {
  const rng = new Rng(3);
  const width = 6;
  const layers = Array.from({ length: depth }, (_, i) => ({
    kind: 'dense' as const,
    units: i === depth - 1 ? 3 : width,
    activation: (i === depth - 1 ? 'linear' : 'relu') as 'relu' | 'linear',
    theta,
    thetaBp: theta,
  }));
  const params = layers.map((l, i) => ({
    weights: Float64Array.from({ length: l.units * (i === 0 ? 4 : width) }, () => rng.int(-12, 12) * weightScale),
    bias: new Float64Array(l.units),
  }));
  return buildNetwork({ inputShape: [1, 1, 4], layers }, params);
}

export const DEEP_INPUT = Float64Array.from([3, 0, 2, 1]);
