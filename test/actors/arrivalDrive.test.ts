/** The guard's convolution drives on the spiking rows against the integer ANN's magnitude kernel: the same values, exactly. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ArrivalDrives } from '../../src/actors/arrivalDrive.js';
import { SampleRangeGuard } from '../../src/equivalence/rangeGuard.js';
import { RangeGuardError } from '../../src/errors.js';
import { initNetwork } from '../../src/network/init.js';
import { mnistArchitecture } from '../../src/network/presets.js';
import { neuronLayerIndices, sizeOf, type Network, type NeuronLayer } from '../../src/network/topology.js';
import { Rng } from '../../src/random.js';
import { spikeCaseArbitrary } from '../../src/verify/properties/arbitraries.js';

const sorted = (a: Float64Array) => Array.from(a).sort((x, y) => x - y);

/** Every layer's drives from random arrivals (some negative, most zero), by both kernels. */
function compareDrives(network: Network, seed: number, maxCount: number) {
  const indices = neuronLayerIndices(network);
  const layers = indices.map((i) => network.layers[i] as NeuronLayer);
  const guard = new SampleRangeGuard(layers, indices), drives = new ArrivalDrives(layers);
  const rng = new Rng(seed);
  let convolutions = 0;
  layers.forEach((layer, l) => {
    const arrived = Float64Array.from({ length: sizeOf(layer.inShape) }, () => (rng.int(0, 3) === 0 ? rng.int(-maxCount, maxCount) : 0));
    const ours = drives.drive(l, arrived);
    if (layer.kind !== 'conv2d') return expect(ours).toBeNull();
    convolutions++;
    // The rows may keep another neuron order: the guard reads only the largest drive and a sum over neurons.
    expect(sorted(ours!.slice())).toEqual(sorted(guard.forward(l, arrived, false).slice()));
  });
  return convolutions;
}

describe('arrival drives of the range guard', () => {
  it('equal the integer ANN magnitude kernel on random networks', () => {
    let convolutions = 0;
    fc.assert(
      fc.property(spikeCaseArbitrary({ kinds: ['conv2d'], maxHidden: 2 }), fc.integer(), (c, seed) => {
        convolutions += compareDrives(c.network, seed, 9);
      }),
      { seed: 31, numRuns: 200 },
    );
    expect(convolutions).toBeGreaterThan(100);
  });

  it("equal it on the MNIST topology's convolutions, in planes and channels last", () => {
    expect(compareDrives(initNetwork(mnistArchitecture(), { seed: 3 }), 5, 40)).toBe(2);
  });

  it('refuse through the same check: a drive beyond 2^53 − 1 names the layer', () => {
    const network = initNetwork(mnistArchitecture(), { seed: 3 });
    const indices = neuronLayerIndices(network);
    const layers = indices.map((i) => network.layers[i] as NeuronLayer);
    const drive = new ArrivalDrives(layers).drive(2, new Float64Array(sizeOf(layers[2].inShape)).fill(2 ** 52))!;
    expect(() => new SampleRangeGuard(layers, indices).checkDrive(2, drive)).toThrow(RangeGuardError);
    expect(() => new SampleRangeGuard(layers, indices).checkDrive(2, drive)).toThrow(/layer 2 \(conv2d\): the potential/);
  });
});
