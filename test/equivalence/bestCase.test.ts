import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fanSizes } from '../../src/equivalence/bestCase.js';
import { forEachConnection } from '../../src/network/connectivity.js';
import { neuronLayerIndices, sizeOf, type NeuronLayer } from '../../src/network/topology.js';
import { spikeCaseArbitrary } from '../../src/verify/properties/arbitraries.js';

describe('fan sizes', () => {
  it('count the connections forEachConnection visits, per input and per neuron, for every kind', () => {
    fc.assert(
      fc.property(spikeCaseArbitrary(), (c) => {
        for (const i of neuronLayerIndices(c.network)) {
          const layer = c.network.layers[i] as NeuronLayer;
          const fanOut = new Array(sizeOf(layer.inShape)).fill(0);
          const fanIn = new Array(sizeOf(layer.outShape)).fill(0);
          forEachConnection(layer, (j, n) => (fanOut[j]++, fanIn[n]++));
          const sizes = fanSizes(layer);
          expect(Array.from(sizes.fanOut)).toEqual(fanOut);
          expect(Array.from(sizes.fanIn)).toEqual(fanIn);
        }
      }),
      { numRuns: 300, seed: 5 },
    );
  });
});
