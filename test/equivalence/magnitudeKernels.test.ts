import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { conv2dForward } from '../../src/equivalence/kernels/conv2d.js';
import { contentIds, conv2dForwardRepeated } from '../../src/equivalence/kernels/repeatedPositions.js';
import { layerForward, layerIncrements } from '../../src/equivalence/kernels/index.js';
import { absLayer, magnitudeForward } from '../../src/equivalence/kernels/magnitudes.js';
import { computeBounds, forwardBoundExceeds, SampleRangeGuard } from '../../src/equivalence/rangeGuard.js';
import { neuronLayerIndices, sizeOf, type NeuronLayer } from '../../src/network/topology.js';
import { spikeCaseArbitrary } from '../../src/verify/properties/arbitraries.js';
import { initNetwork } from '../../src/network/init.js';
import { cifar10Architecture } from '../../src/network/presets.js';
import type { Conv2dLayer } from '../../src/network/topology.js';

const conv = (inShape: [number, number, number], channels: number, kernel: number, stride: number, padding: number, weights: number[], bias: number[]): Conv2dLayer => {
  const outH = Math.floor((inShape[1] + 2 * padding - kernel) / stride) + 1;
  const outW = Math.floor((inShape[2] + 2 * padding - kernel) / stride) + 1;
  return { kind: 'conv2d', channels, kernel, stride, padding, activation: 'relu', theta: 1, thetaBp: 1, weights: Float64Array.from(weights), bias: Float64Array.from(bias), inShape, outShape: [channels, outH, outW] };
};

/** A map whose rows and columns are drawn from a few patterns (as the worst case's are), or free. */
const layerAndInput = fc
  .record({ C: fc.integer({ min: 1, max: 3 }), H: fc.integer({ min: 1, max: 12 }), W: fc.integer({ min: 1, max: 12 }), O: fc.integer({ min: 1, max: 3 }), k: fc.integer({ min: 1, max: 4 }), s: fc.integer({ min: 1, max: 3 }), p: fc.integer({ min: 0, max: 2 }), patterns: fc.integer({ min: 1, max: 3 }), seed: fc.integer() })
  .filter(({ H, W, k, p }) => H + 2 * p >= k && W + 2 * p >= k)
  .chain(({ C, H, W, O, k, s, p, patterns }) =>
    fc.record({
      layer: fc.tuple(fc.array(fc.integer({ min: -9, max: 9 }), { minLength: O * C * k * k, maxLength: O * C * k * k }), fc.array(fc.integer({ min: -9, max: 9 }), { minLength: O, maxLength: O })).map(([w, b]) => conv([C, H, W], O, k, s, p, w, b)),
      rowPattern: fc.array(fc.integer({ min: 0, max: patterns - 1 }), { minLength: H, maxLength: H }),
      colPattern: fc.array(fc.integer({ min: 0, max: patterns - 1 }), { minLength: W, maxLength: W }),
      values: fc.array(fc.integer({ min: 0, max: 5 }), { minLength: C * patterns * patterns, maxLength: C * patterns * patterns }),
    }),
  )
  .map(({ layer, rowPattern, colPattern, values }) => {
    const [C, H, W] = layer.inShape;
    const n = Math.sqrt(values.length / C);
    const x = new Float64Array(C * H * W);
    for (let c = 0; c < C; c++) for (let y = 0; y < H; y++) for (let i = 0; i < W; i++) x[(c * H + y) * W + i] = values[(c * n + rowPattern[y]) * n + colPattern[i]];
    return { layer, x };
  });

describe('forward kernel on repeated positions', () => {
  it('gives conv2dForward bit for bit, for any kernel, stride and padding', () => {
    fc.assert(
      fc.property(layerAndInput, ({ layer, x }) => {
        const full = new Float64Array(layer.outShape.reduce((a, b) => a * b));
        const once = new Float64Array(full.length);
        conv2dForward(layer, x, full);
        conv2dForwardRepeated(layer, x, once);
        expect(Array.from(once, (v) => v + 0)).toEqual(Array.from(full, (v) => v + 0));
      }),
      { numRuns: 300, seed: 11 },
    );
  });

  it('tells rows (and columns) apart by content in every channel', () => {
    // Two channels of 3×2: rows 0 and 2 agree in both channels, row 1 differs in the second only.
    const x = Float64Array.from([1, 2, 1, 2, 1, 2, 5, 5, 5, 6, 5, 5]);
    expect(Array.from(contentIds(x, [2, 3, 2], 'rows'))).toEqual([0, 1, 0]);
    expect(Array.from(contentIds(x, [2, 3, 2], 'columns'))).toEqual([0, 1]);
  });

  it('leaves the worst-case bounds of the CIFAR-10 topology as the full kernels give them', () => {
    // Its first layers are where the work is saved; the bounds must not move by a bit.
    const network = initNetwork(cifar10Architecture(), { seed: 1 });
    const small = { ...network, layers: network.layers.slice(0, 3) };
    const bounds = computeBounds(small, 255, 50);
    const layer = small.layers[0] as Conv2dLayer;
    const abs: Conv2dLayer = { ...layer, weights: layer.weights.map(Math.abs), bias: layer.bias.map(Math.abs) };
    const a = new Float64Array(abs.outShape.reduce((p, q) => p * q));
    conv2dForward(abs, new Float64Array(3 * 32 * 32).fill(255), a);
    expect(bounds[0].potential).toBe(a.reduce((m, v) => Math.max(m, v), 0));
    expect(forwardBoundExceeds(network, 255)).toBe(true);
  });

  it('on magnitudes: the kernels of absLayer, bit for bit, without copying a dense layer; the largest increment likewise', () => {
    fc.assert(
      fc.property(spikeCaseArbitrary(), fc.integer({ min: 0, max: 1000 }), (c, scale) => {
        for (const i of neuronLayerIndices(c.network)) {
          const layer = c.network.layers[i] as NeuronLayer;
          const x = Float64Array.from({ length: sizeOf(layer.inShape) }, (_, j) => ((j * 7919 + scale) % 13) * scale);
          const e = Float64Array.from({ length: sizeOf(layer.outShape) }, (_, j) => (((j * 104729 + scale) % 11) - 5) * scale);
          const expected = new Float64Array(sizeOf(layer.outShape));
          const got = new Float64Array(expected.length);
          layerForward(absLayer(layer), x, expected);
          magnitudeForward(layer, x, got);
          expect(Array.from(got)).toEqual(Array.from(expected));
          // The guard's largest increment against the increment kernel on magnitudes.
          const guard = new SampleRangeGuard([layer], [i]);
          let largest = 0;
          if (layer.kind !== 'avgpool') {
            const dW = new Float64Array(layer.weights.length), db = new Float64Array(layer.bias.length);
            layerIncrements(absLayer(layer), e.map(Math.abs), x, dW, db);
            largest = Math.max(...Array.from(dW, (v) => -v), ...Array.from(db, (v) => -v), 0);
          }
          expect(guard.increments(0, e, x)).toBe(largest);
        }
      }),
      { numRuns: 200, seed: 23 },
    );
  });
});
