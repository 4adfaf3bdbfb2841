/** The rows' wasm loops against the same arithmetic as JavaScript: identical V and crossings, exactly. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { forwardRows, NARROW_NO_LOWER, type ForwardRows } from '../../../src/actors/kernels/forwardRows.js';
import { sizeOf, type Conv2dLayer, type DenseLayer, type NeuronLayer } from '../../../src/network/topology.js';
import { spikeCaseArbitrary } from '../../../src/verify/properties/arbitraries.js';
import { assembleWat, ROWS_WAT } from '../../../scripts/buildWasm.js';
import { ROWS_WASM_BASE64 } from '../../../src/actors/kernels/wasm/rowsBinary.js';
import { initNetwork } from '../../../src/network/init.js';
import { mnistArchitecture } from '../../../src/network/presets.js';

/** Dense or convolution layers of the property cases (any shape, stride, padding, weights beyond ±Θ). */
const layersOf = (kind: 'dense' | 'conv2d') =>
  spikeCaseArbitrary({ kinds: [kind], maxHidden: 2 })
    .map((c) => c.network.layers.filter((l): l is DenseLayer | Conv2dLayer => l.kind === kind))
    .filter((layers) => layers.length > 0)
    .chain((layers) => fc.constantFrom(...layers));
const denseLayer = layersOf('dense');
const convLayer = layersOf('conv2d');

/** A layer, a shard [lo, hi) of it (possibly empty of channels), and a run of events into it. */
const scenario = (layer: fc.Arbitrary<NeuronLayer>) =>
  layer.chain((l) => {
    // A convolution's shards own whole channels.
    const unit = l.kind === 'conv2d' ? l.outShape[1] * l.outShape[2] : 1;
    const n = sizeOf(l.outShape) / unit, inputs = sizeOf(l.inShape);
    return fc.record({
      layer: fc.constant(l),
      bounds: fc.tuple(fc.integer({ min: 0, max: n }), fc.integer({ min: 0, max: n })).map(([a, b]) => [Math.min(a, b) * unit, Math.max(a, b) * unit] as const),
      events: fc.array(fc.tuple(fc.integer({ min: 0, max: inputs - 1 }), fc.constantFrom(1, -1, 3)), { maxLength: 40 }),
      theta: fc.integer({ min: 1, max: 12 }),
      fires: fc.boolean(),
      seed: fc.integer(),
    });
  });

/**
 * Runs the events through the rows' own compartments (wasm, in the rows' order), through copies of
 * them in neuron order by the rows' JavaScript (on their own weight layout), and through copies by
 * the JavaScript of `reference` (rows on the heap, in channel planes), and where the rows have them
 * through their int32 compartments (wasm, four lanes): all exactly equal.
 */
function compare(rows: ForwardRows, reference: ForwardRows, events: [number, number][], theta: number, fires: boolean, seed: number) {
  const m = rows.V.length, narrow = rows.narrow;
  const place = rows.storage ?? Int32Array.from({ length: m }, (_, i) => i);
  let s = seed | 0;
  const next = () => ((s = (Math.imul(s, 1103515245) + 12345) | 0) >>> 16) % 9;
  const V = new Float64Array(m), lowerFire = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    V[i] = next() - 4;
    lowerFire[i] = next() < 3 ? -Infinity : -(next() + 1);
    rows.V[place[i]] = V[i];
    rows.lowerFire[place[i]] = lowerFire[i];
    if (narrow) {
      narrow.V[place[i]] = V[i];
      narrow.lowerFire[place[i]] = lowerFire[i] === -Infinity ? NARROW_NO_LOWER : lowerFire[i];
    }
  }
  const V2 = V.slice(), lowerFire2 = lowerFire.slice(), never = new Float64Array(m).fill(-Infinity);
  const size = Math.max(1, rows.maxRow);
  const fast = new Int32Array(size), slow = new Int32Array(size), ref = new Int32Array(size), four = new Int32Array(size);
  const th = fires ? theta : Infinity;
  for (const [j, x] of events) {
    const a = rows.accumulate(j, x, rows.V, fires ? rows.lowerFire : rows.neverFires, th, fast);
    const b = rows.accumulate(j, x, V, fires ? lowerFire : never, th, slow);
    const c = reference.accumulate(j, x, V2, fires ? lowerFire2 : never, th, ref);
    expect(a).toBe(c);
    expect(b).toBe(c);
    expect(Array.from(fast.subarray(0, a))).toEqual(Array.from(ref.subarray(0, c)));
    expect(Array.from(slow.subarray(0, b))).toEqual(Array.from(ref.subarray(0, c)));
    if (narrow) {
      const d = rows.accumulate(j, x, narrow.V, fires ? narrow.lowerFire : narrow.neverFires, th, four);
      expect(Array.from(four.subarray(0, d))).toEqual(Array.from(ref.subarray(0, c)));
    }
  }
  if (narrow) expect(Array.from(place, (k) => narrow.V[k])).toEqual(Array.from(V2));
  expect(Array.from(place, (k) => rows.V[k])).toEqual(Array.from(V2));
  expect(Array.from(V)).toEqual(Array.from(V2));
}

describe('forward rows: wasm loops', () => {
  // A wasm memory is whole 64 KiB pages; the weights come first in it.
  const inRowMemory = (rows: ForwardRows) => rows.V.buffer.byteLength % 65536 === 0 && rows.V.byteOffset > 0;

  it('keep the compartments in the row memory when asked, and on the heap when asked', () => {
    const layer = fc.sample(denseLayer, { seed: 1, numRuns: 1 })[0];
    expect(inRowMemory(forwardRows(layer, 0, 1, 'memory'))).toBe(true);
    expect(inRowMemory(forwardRows(layer, 0, 1, 'heap'))).toBe(false);
  });

  it('by default: small layers on the heap, the MNIST topology\'s convolutions and hidden dense layer in row memories', () => {
    expect(inRowMemory(forwardRows(fc.sample(convLayer, { seed: 2, numRuns: 1 })[0], 0, 0))).toBe(false);
    const layers = initNetwork(mnistArchitecture(), { seed: 1 }).layers.filter((l) => l.kind !== 'flatten') as NeuronLayer[];
    expect(layers.map((l) => inRowMemory(forwardRows(l, 0, sizeOf(l.outShape))))).toEqual([true, false, true, false, true, false]);
  });

  it('dense rows equal the JavaScript arithmetic, shards included', () => {
    fc.assert(
      fc.property(scenario(denseLayer), ({ layer, bounds, events, theta, fires, seed }) => {
        compare(forwardRows(layer, bounds[0], bounds[1], 'memory'), forwardRows(layer, bounds[0], bounds[1], 'heap'), events, theta, fires, seed);
      }),
      { seed: 13, numRuns: 300 },
    );
  });

  it.each(['planes', 'channels-last'] as const)('convolution rows (%s) equal the JavaScript arithmetic, shards and channel-less shards included', (layout) => {
    fc.assert(
      fc.property(scenario(convLayer), ({ layer, bounds, events, theta, fires, seed }) => {
        const rows = forwardRows(layer, bounds[0], bounds[1], 'memory', layout);
        expect(rows.storage === null).toBe(layout === 'planes');
        expect(rows.narrow === null).toBe(layout === 'planes');
        compare(rows, forwardRows(layer, bounds[0], bounds[1], 'heap'), events, theta, fires, seed);
      }),
      { seed: 14, numRuns: 300 },
    );
  });

  it("by default the MNIST topology's second convolution (40 channels, 5 wide) lies channels last, whole or in two shards; the first (15) in planes", () => {
    const [conv1, , conv2] = initNetwork(mnistArchitecture(), { seed: 1 }).layers.filter((l) => l.kind !== 'flatten') as NeuronLayer[];
    expect(forwardRows(conv1, 0, sizeOf(conv1.outShape)).storage).toBeNull();
    expect(forwardRows(conv2, 0, sizeOf(conv2.outShape)).storage).not.toBeNull();
    expect(forwardRows(conv2, 0, sizeOf(conv2.outShape) / 2).storage).not.toBeNull();
  });

  it('the embedded binary is the assembled rows.wat', async () => {
    expect(Buffer.from(ROWS_WASM_BASE64, 'base64').equals(Buffer.from(await assembleWat(ROWS_WAT)))).toBe(true);
  });
});
