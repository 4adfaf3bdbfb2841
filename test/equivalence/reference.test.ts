/** The fast kernels against the explicit-connection reference, and conv/pool against their dense expansion. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runAnnCase } from '../../src/equivalence/layerResults.js';
import { buildNetwork, architectureOf, type LayerParams } from '../../src/network/build.js';
import type { LayerArch } from '../../src/network/architecture.js';
import type { SpikeCase } from '../../src/network/caseFile.js';
import { sizeOf, type NeuronLayer } from '../../src/network/topology.js';
import { spikeCaseArbitrary } from '../../src/verify/properties/arbitraries.js';
import { biasIndexOf, connectionsOf, referenceAnn } from '../support/referenceAnn.js';

const runs = { numRuns: 300, seed: 20261129 };

describe('fast integer ANN = explicit-connection reference', () => {
  it('on random mixed networks', () => {
    fc.assert(fc.property(spikeCaseArbitrary(), (c) => {
      expect(runAnnCase(c).layers).toEqual(referenceAnn(c));
    }), runs);
  });
  it.each(['dense', 'conv2d', 'avgpool'] as const)('on random networks of %s layers', (kind) => {
    fc.assert(fc.property(spikeCaseArbitrary({ kinds: [kind] }), (c) => {
      expect(runAnnCase(c).layers).toEqual(referenceAnn(c));
    }), runs);
  });
});

/** Replace every conv2d and avgpool by the dense layer with the same connections. */
function expandToDense(c: SpikeCase): SpikeCase {
  const archs: LayerArch[] = [];
  const params: (LayerParams | undefined)[] = [];
  const arch = architectureOf(c.network);
  c.network.layers.forEach((layer, i) => {
    if (layer.kind === 'flatten' || layer.kind === 'dense') {
      archs.push(arch.layers[i]);
      params.push(layer.kind === 'dense' ? { weights: layer.weights, bias: layer.bias } : undefined);
      return;
    }
    const nIn = sizeOf(layer.inShape);
    const nOut = sizeOf(layer.outShape);
    const weights = new Float64Array(nIn * nOut);
    for (const k of connectionsOf(layer as NeuronLayer)) weights[k.to * nIn + k.from] += k.weight;
    const bias = new Float64Array(nOut).map((_, o) => (layer.kind === 'conv2d' ? layer.bias[biasIndexOf(layer, o)] : 0));
    archs.push({ kind: 'dense', units: nOut, activation: layer.activation, theta: layer.theta, thetaBp: layer.thetaBp });
    params.push({ weights, bias });
  });
  return { ...c, network: buildNetwork({ inputShape: [sizeOf(c.network.layers[0].inShape)], layers: archs }, params) };
}

describe('conv2d and avgpool expanded into dense layers give identical results', () => {
  it('S, V, E equal; conv dW equals the expanded dW summed over shared weights', () => {
    fc.assert(
      fc.property(spikeCaseArbitrary({ kinds: ['conv2d', 'avgpool'] }), (c) => {
        const original = runAnnCase(c).layers;
        const expanded = runAnnCase(expandToDense(c)).layers;
        c.network.layers.forEach((layer, i) => {
          expect(expanded[i].S ?? expanded[i].V).toEqual(original[i].S ?? original[i].V);
          expect(expanded[i].E).toEqual(original[i].E);
          if (layer.kind === 'conv2d') {
            const nIn = sizeOf(layer.inShape);
            const dW = new Array<number>(layer.weights.length).fill(0);
            const db = new Array<number>(layer.bias.length).fill(0);
            for (const k of connectionsOf(layer)) dW[k.param] += expanded[i].dW![k.to * nIn + k.from];
            expanded[i].db!.forEach((v, o) => (db[biasIndexOf(layer, o)] += v));
            expect(dW.map((v) => v + 0)).toEqual(original[i].dW);
            expect(db.map((v) => v + 0)).toEqual(original[i].db);
          }
        });
      }),
      runs,
    );
  });
});
