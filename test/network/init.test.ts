import { describe, expect, it } from 'vitest';
import { initNetwork } from '../../src/network/init.js';
import { mnistArchitecture } from '../../src/network/presets.js';
import type { Architecture } from '../../src/network/architecture.js';

const rms = (a: Float64Array): number => Math.sqrt(a.reduce((s, v) => s + v * v, 0) / a.length);

/** The MNIST topology with its pools' Θ (and the Θbp of the layer feeding each) set to `poolTheta`. */
function withPoolTheta(poolTheta: number): Architecture {
  const arch = mnistArchitecture();
  return {
    ...arch,
    layers: arch.layers.map((l, i) => {
      if (l.kind === 'avgpool') return { ...l, theta: poolTheta };
      if (arch.layers[i + 1]?.kind === 'avgpool' && 'thetaBp' in l) return { ...l, thetaBp: poolTheta };
      return l;
    }),
  };
}

describe('initNetwork', () => {
  it('divides the weights above a pool by the pool gain weight·size²/Θ, and leaves averaging pools alone', () => {
    const average = initNetwork(mnistArchitecture(), { seed: 3 });
    const sum = initNetwork(withPoolTheta(1), { seed: 3 });
    const weights = (n: typeof average, i: number): Float64Array => {
      const layer = n.layers[i];
      if (!('weights' in layer)) throw new Error(`layer ${i} has no weights`);
      return layer.weights;
    };
    // The first layer has no pool below it: the same integers from the same seed.
    expect(Array.from(weights(sum, 0))).toEqual(Array.from(weights(average, 0)));
    // conv2 and fc1 sit on a sum pool (gain 4): their weights come out a quarter as large.
    for (const i of [2, 5]) expect(rms(weights(average, i)) / rms(weights(sum, i))).toBeGreaterThan(3.8);
    for (const i of [2, 5]) expect(rms(weights(average, i)) / rms(weights(sum, i))).toBeLessThan(4.2);
    // The classification layer sits on a dense layer: unchanged.
    expect(Array.from(weights(sum, 6))).toEqual(Array.from(weights(average, 6)));
  });
});
