/**
 * The rounding kernels of the wasm backend (roundingKernels.ts) against the chains of backend ops
 * they replace, bit for bit (signed zeros included), on values chosen at the edges of the rounding
 * (halves, the largest halves float32 holds, the float just under a half) and on random floats;
 * then a whole network's forward pass and spike gradients with and without them.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig } from '@tensorflow/tfjs-core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { assembleWat, SPIKE_ROUNDING_WAT } from '../../scripts/buildWasm.js';
import { chainThetaBp } from '../../src/network/presets.js';
import { Rng } from '../../src/random.js';
import { useBackend } from '../../src/train/tfjs/backend.js';
import { ROUNDED_ERROR, ROUNDING_KERNELS, SPIKE_COUNTS, SPREAD_POOL } from '../../src/train/tfjs/roundingKernels.js';
import { pooledSpikeCounts, roundedError, roundHalfAway, spikeCounts, sumPoolGradient } from '../../src/train/tfjs/spikeOps.js';
import { TfjsNetwork } from '../../src/train/tfjs/tfjsNetwork.js';
import { SPIKE_ROUNDING_WASM_BASE64 } from '../../src/train/tfjs/wasm/spikeRoundingBinary.js';
import { inputs, inputTensor, paramsOf, randomNetwork } from '../support/tfjsBatch.js';

const bits = (t: tf.Tensor): number[] => Array.from(new Uint32Array(Float32Array.from(t.dataSync() as Float32Array).buffer));

/** f() with the rounding kernels unregistered (so spikeOps.ts takes the op chains), then registered again. */
function withoutKernels<T>(f: () => T): T {
  const configs = ROUNDING_KERNELS.map(({ kernelName }) => tf.getKernel(kernelName, 'wasm') as KernelConfig);
  expect(configs.every((c) => c !== undefined)).toBe(true);
  for (const { kernelName } of ROUNDING_KERNELS) tf.unregisterKernel(kernelName, 'wasm');
  try {
    return f();
  } finally {
    for (const c of configs) tf.registerKernel(c);
  }
}

/** f() with the rounding kernels registered (the kernels) and unregistered (the op chains). */
function bothWays(f: () => tf.Tensor): { kernels: number[]; ops: number[] } {
  const kernels = tf.tidy(() => bits(f()));
  return { kernels, ops: withoutKernels(() => tf.tidy(() => bits(f()))) };
}

const EDGES = [0, -0, 0.5, -0.5, 1.5, -1.5, 2.5, -2.5, 0.49999997, -0.49999997, 0.5000001, 2 ** 23 - 0.5, -(2 ** 23 - 0.5), 2 ** 23 + 1, 2 ** 24 + 2, 1e-40, -1e-40, 3.4e38, Infinity, -Infinity];

/** Edge values, halves and random floats, `length` in all. */
function values(length: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length }, (_, i) => {
    if (i < EDGES.length) return EDGES[i];
    if (i % 3 === 0) return (rng.int(-40, 40) + 0.5) / 2;
    return (rng.float() - 0.5) * 40;
  });
}

describe('rounding kernels equal the chains of ops they replace (wasm)', () => {
  beforeEach(async () => {
    await useBackend('wasm');
  });

  it('the binary is the assembled text', async () => {
    expect(Buffer.from(SPIKE_ROUNDING_WASM_BASE64, 'base64').equals(Buffer.from(await assembleWat(SPIKE_ROUNDING_WAT)))).toBe(true);
  });

  it('the wasm backend registers them', () => {
    for (const name of [SPIKE_COUNTS, ROUNDED_ERROR, SPREAD_POOL]) expect(tf.getKernel(name, 'wasm')).toBeDefined();
  });

  it.each([[7], [64], [1001]])('spike counts, both roundings, %i values (scalar tails too)', (length) => {
    const x = values(length, length);
    for (const nonNegative of [false, true]) {
      const input = nonNegative ? x.map((v) => Math.abs(v)) : x;
      const { kernels, ops } = bothWays(() => spikeCounts(tf.tensor1d(input), nonNegative));
      expect(kernels).toEqual(ops);
    }
    const { kernels, ops } = bothWays(() => roundHalfAway(tf.tensor1d(x)));
    expect(kernels).toEqual(ops);
  });

  it.each([
    { size: 2, weight: 1, theta: 4, height: 9 },
    { size: 2, weight: -3, theta: 2, height: 8 },
    { size: 3, weight: -3, theta: 2, height: 7 },
    { size: 3, weight: 5, theta: 16, height: 9 },
  ])('pooled spike counts: $size×$size windows, weight $weight, Θ $theta, $height rows', ({ size, weight, theta, height }) => {
    const rng = new Rng(size * 100 + theta);
    const x = Float32Array.from({ length: 2 * height * height * 5 }, () => rng.int(-9, 9));
    for (const nonNegative of [false, true]) {
      const { kernels, ops } = bothWays(() => pooledSpikeCounts(tf.tensor4d(x, [2, height, height, 5]), size, weight, theta, nonNegative));
      expect(kernels).toEqual(ops);
      // Not vacuous: some outputs are not zero.
      expect(kernels.some((b) => b !== 0 && b !== 0x80000000)).toBe(true);
    }
  });

  it.each([1, 2, 0.5, 3, 1 / 3, -2])('rounded errors, scale %s, with and without a relu gate', (scale) => {
    const g = values(1003, 7);
    const rng = new Rng(8);
    // z of a relu layer: zeros, positives, and negative values the gate must treat as zero too.
    const z = Float32Array.from({ length: g.length }, () => [0, -0, 1, 0.25, -1][rng.int(0, 4)]);
    for (const gated of [false, true]) {
      const { kernels, ops } = bothWays(() => roundedError(tf.tensor1d(g), 'spike', scale, gated ? tf.tensor1d(z) : undefined));
      expect(kernels).toEqual(ops);
    }
  });

  it.each([
    { size: 2, factor: 1, inHeight: 24, inWidth: 24, channels: 15 },
    { size: 2, factor: -1.5, inHeight: 9, inWidth: 8, channels: 6 },
    { size: 3, factor: 4.5, inHeight: 7, inWidth: 11, channels: 3 },
  ])('pool gradients: $size×$size windows into $inHeight×$inWidth, factor $factor, $channels channels', ({ size, factor, inHeight, inWidth, channels }) => {
    const [outHeight, outWidth] = [Math.floor(inHeight / size), Math.floor(inWidth / size)];
    const g = values(2 * outHeight * outWidth * channels, 11);
    const { kernels, ops } = bothWays(() => sumPoolGradient(tf.tensor4d(g, [2, outHeight, outWidth, channels]), size, factor, inHeight, inWidth));
    expect(kernels).toEqual(ops);
  });
});

describe('a network trains to the same bits with and without the rounding kernels (wasm)', () => {
  afterEach(() => tf.disposeVariables());

  it.each([1, 2])('forward outputs and spike gradients, seed %i', async (seed) => {
    await useBackend('wasm');
    const network = randomNetwork(
      {
        inputShape: [1, 12, 12],
        layers: chainThetaBp([
          { kind: 'conv2d', channels: 4, kernel: 3, stride: 1, padding: 0, activation: 'relu', theta: 16, thetaBp: 1 },
          { kind: 'avgpool', size: 2, weight: 1, activation: 'linear', theta: 2, thetaBp: 1 },
          { kind: 'conv2d', channels: 5, kernel: 3, stride: 1, padding: 1, activation: 'relu', theta: 16, thetaBp: 1 },
          { kind: 'avgpool', size: 2, weight: 1, activation: 'linear', theta: 4, thetaBp: 1 },
          { kind: 'flatten' },
          { kind: 'dense', units: 12, activation: 'relu', theta: 16, thetaBp: 1 },
          { kind: 'dense', units: 4, activation: 'linear', theta: 16, thetaBp: 1 },
        ]),
      },
      seed,
    );
    const model = new TfjsNetwork(network, { gradient: 'spike', alpha: 20 });
    const rng = new Rng(seed + 300);
    const batch = inputs(network, 6, rng);
    const labels = batch.map(() => rng.int(0, model.classes - 1));
    const params = paramsOf(network, model);
    const x = inputTensor(network, batch);
    const targets = tf.oneHot(tf.tensor1d(labels, 'int32'), model.classes).toFloat() as tf.Tensor2D;
    const run = () => {
      const outputs = model.layerOutputs(x, params).map((t) => bits(t));
      const grads = model.gradients(x, targets, labels, params).grads.map((g) => Array.from(new Uint32Array(Float32Array.from(g).buffer)));
      return { outputs, grads };
    };
    const withKernels = tf.tidy(run);
    const withOps = withoutKernels(() => tf.tidy(run));
    expect(withKernels).toEqual(withOps);
    // Not vacuous: errors reached the lowest layer.
    expect(withKernels.grads[0].some((b) => b !== 0 && b !== 0x80000000)).toBe(true);
    tf.dispose([...params, x, targets]);
  });
});
