/**
 * The wasm training kernels registered by spikegrad (Conv2DBackpropFilter, which wasm lacks, the
 * faster Conv2DBackpropInput, transposed matMul and row gather, the sparse error·weights product, the forward convolution of sparse inputs of few channels, and the bias gradients' sums) against the cpu backend's, on integer-valued
 * tensors so the comparison is exact.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { useBackend } from '../../src/train/tfjs/backend.js';
import { Rng } from '../../src/random.js';
import { scatterWindows } from '../../src/train/tfjs/im2col.js';
import { assembleWat, SPARSE_CONV_WAT } from '../../scripts/buildWasm.js';
import { sparseChannelSums } from '../../src/train/tfjs/sparseChannelSums.js';
import { SPARSE_CONV_WASM_BASE64 } from '../../src/train/tfjs/wasm/sparseConvBinary.js';
import { sparseConvForward, sparseEnough, SPARSE_AT_MOST } from '../../src/train/tfjs/sparseConvForward.js';
import { sparseFilterGradient } from '../../src/train/tfjs/sparseFilterGradient.js';
import { SPARSE_ROW_PRODUCT } from '../../src/train/tfjs/sparseRowProduct.js';
import { errorTimesWeights } from '../../src/train/tfjs/spikeOps.js';

const integers = (shape: number[], seed: number) => {
  const rng = new Rng(seed);
  return { shape, values: Float32Array.from({ length: shape.reduce((a, b) => a * b) }, () => rng.int(-5, 5)) };
};

async function onBoth(compute: () => tf.Tensor): Promise<{ cpu: number[]; wasm: number[] }> {
  const out: Record<string, number[]> = {};
  for (const backend of ['cpu', 'wasm'] as const) {
    await useBackend(backend);
    const t = compute();
    out[backend] = Array.from(t.dataSync(), (v) => v + 0);
    t.dispose();
  }
  return out as { cpu: number[]; wasm: number[] };
}

type Pad = 'valid' | 'same' | number | [[number, number], [number, number], [number, number], [number, number]];
const cases: { name: string; x: number[]; k: number; out: number; stride: number; pad: Pad }[] = [
  { name: '5x5 valid', x: [3, 12, 12, 2], k: 5, out: 4, stride: 1, pad: 'valid' },
  { name: '3x3 same', x: [2, 9, 9, 3], k: 3, out: 5, stride: 1, pad: 'same' },
  { name: '3x3 padding 1', x: [2, 8, 8, 1], k: 3, out: 2, stride: 1, pad: 1 },
  { name: '3x3 stride 2 valid', x: [2, 11, 11, 2], k: 3, out: 3, stride: 2, pad: 'valid' },
  { name: '2x2 stride 2 explicit uneven padding', x: [1, 7, 7, 2], k: 2, out: 3, stride: 2, pad: [[0, 0], [1, 0], [0, 1], [0, 0]] },
];

describe('wasm training kernels equal the cpu backend', () => {
  it.each(cases)('conv2d gradients: $name', async ({ x, k, out, stride, pad }) => {
    const xv = integers(x, 1);
    const fv = integers([k, k, x[3], out], 2);
    const grads = (which: 0 | 1) => () =>
      tf.tidy(() => {
        const input = tf.tensor4d(xv.values, xv.shape as [number, number, number, number]);
        const filter = tf.tensor4d(fv.values, fv.shape as [number, number, number, number]);
        // A loss whose gradient with respect to the output varies by position.
        const f = (a: tf.Tensor, b: tf.Tensor) => {
          const y = tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, stride, pad);
          return tf.sum(tf.mul(y, tf.mod(tf.reshape(tf.range(1, 1 + y.size), y.shape), 7)));
        };
        return tf.grads(f)([input, filter])[which];
      });
    for (const which of [0, 1] as const) {
      const { cpu, wasm } = await onBoth(grads(which));
      expect(wasm).toEqual(cpu);
      expect(cpu.some((v) => v !== 0)).toBe(true);
    }
  });

  // [m, k, n]: the transposed operand smaller or larger than the other (the transposed-product path).
  it.each([
    [false, true, [5, 7, 4]], [true, false, [5, 7, 4]], [true, true, [5, 7, 4]],
    [false, true, [3, 20, 30]], [true, false, [30, 20, 3]],
  ])('matMul with transposeA %s, transposeB %s, m·k·n %j', async (ta, tb, [m, k, n]) => {
    const a = integers(ta ? [k, m] : [m, k], 3);
    const b = integers(tb ? [n, k] : [k, n], 4);
    const { cpu, wasm } = await onBoth(() => tf.matMul(tf.tensor2d(a.values, a.shape as [number, number]), tf.tensor2d(b.values, b.shape as [number, number]), ta, tb));
    expect(wasm).toEqual(cpu);
  });

  it.each([
    ['rows of an image batch, repeated and out of order', [4, 3, 2, 2], [2, 0, 2], 0],
    ['rows of a matrix', [5, 3], [4, 1], 0],
    ['along another axis (the wasm kernel itself)', [3, 4], [3, 0], 1],
  ])('gather: %s', async (_, shape, rows, axis) => {
    const x = integers(shape as number[], 5);
    const { cpu, wasm } = await onBoth(() => tf.gather(tf.tensor(x.values, shape as number[]), tf.tensor1d(rows as number[], 'int32'), axis as number));
    expect(wasm).toEqual(cpu);
    expect(cpu.length).toBe(((shape as number[]).reduce((a, b) => a * b) / (shape as number[])[axis as number]) * (rows as number[]).length);
  });

  it('gather refuses a row outside the batch', async () => {
    await useBackend('wasm');
    expect(() => tf.gather(tf.zeros([3, 2]), tf.tensor1d([3], 'int32'))).toThrow(/index value 3 is not in \[0, 2\]/);
  });
});

/** Mostly zeros, the rest small integers: what the spike gradient's errors look like. */
const sparseIntegers = (shape: number[], seed: number, share: number) => {
  const rng = new Rng(seed);
  return Float32Array.from({ length: shape.reduce((a, b) => a * b) }, () => (rng.float() < share ? rng.int(-3, 3) || 1 : 0));
};

describe('the sparse error paths: the same bits as the full products', () => {
  const geometry = { batch: 3, height: 9, width: 9, inChannels: 2, outHeight: 5, outWidth: 5, outChannels: 4, kernelHeight: 3, kernelWidth: 3, strideY: 2, strideX: 2, padTop: 1, padLeft: 1 };
  const xShape = [3, 9, 9, 2], dyShape = [3, 5, 5, 4];
  /** dW in float64 straight from the definition. */
  const reference = (x: Float32Array, dy: Float32Array) => {
    const g = geometry, dW = new Float64Array(3 * 3 * 2 * 4);
    for (let b = 0; b < g.batch; b++) for (let oy = 0; oy < 5; oy++) for (let ox = 0; ox < 5; ox++) for (let co = 0; co < 4; co++) {
      const e = dy[((b * 5 + oy) * 5 + ox) * 4 + co];
      for (let ky = 0; ky < 3; ky++) for (let kx = 0; kx < 3; kx++) {
        const iy = oy * 2 + ky - 1, ix = ox * 2 + kx - 1;
        if (iy < 0 || iy >= 9 || ix < 0 || ix >= 9) continue;
        for (let ci = 0; ci < 2; ci++) dW[((ky * 3 + kx) * 2 + ci) * 4 + co] += e * x[((b * 9 + iy) * 9 + ix) * 2 + ci];
      }
    }
    return Array.from(Float32Array.from(dW));
  };

  it('the filter gradient from the non-zero errors alone equals its definition, and the wasm kernel takes it', async () => {
    const x = integers(xShape, 7).values, dy = sparseIntegers(dyShape, 8, 0.05);
    const sparse = sparseFilterGradient(x, dy, geometry, new Int32Array(64));
    expect(sparse).not.toBeNull();
    expect(Array.from(sparse!)).toEqual(reference(x, dy));
    const { cpu, wasm } = await onBoth(() => tf.engine().runKernel('Conv2DBackpropFilter', { x: tf.tensor4d(x, xShape as never), dy: tf.tensor4d(dy, dyShape as never) }, { strides: 2, pad: 1, dataFormat: 'NHWC', filterShape: [3, 3, 2, 4] }) as tf.Tensor);
    expect(wasm).toEqual(cpu);
  });

  it('equals its definition for kernels wider than the padding allows, strides, uneven sizes and one input channel', () => {
    const rng = new Rng(11);
    let compared = 0;
    for (let trial = 0; trial < 60; trial++) {
      const KH = rng.int(1, 5), KW = rng.int(1, 5), strideY = rng.int(1, 3), strideX = rng.int(1, 3);
      const padTop = rng.int(0, KH - 1), padLeft = rng.int(0, KW - 1);
      const H = rng.int(KH, 10), W = rng.int(KW, 10), CI = rng.int(1, 3), CO = rng.int(1, 4), batch = rng.int(1, 2);
      const OH = Math.floor((H + 2 * padTop - KH) / strideY) + 1, OW = Math.floor((W + 2 * padLeft - KW) / strideX) + 1;
      const g = { batch, height: H, width: W, inChannels: CI, outHeight: OH, outWidth: OW, outChannels: CO, kernelHeight: KH, kernelWidth: KW, strideY, strideX, padTop, padLeft };
      const x = integers([batch, H, W, CI], 100 + trial).values, dy = sparseIntegers([batch, OH, OW, CO], 200 + trial, 0.08);
      const expected = new Float64Array(KH * KW * CI * CO);
      for (let b = 0; b < batch; b++) for (let oy = 0; oy < OH; oy++) for (let ox = 0; ox < OW; ox++) for (let co = 0; co < CO; co++) {
        const e = dy[((b * OH + oy) * OW + ox) * CO + co];
        for (let ky = 0; ky < KH; ky++) for (let kx = 0; kx < KW; kx++) {
          const iy = oy * strideY + ky - padTop, ix = ox * strideX + kx - padLeft;
          if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
          for (let ci = 0; ci < CI; ci++) expected[((ky * KW + kx) * CI + ci) * CO + co] += e * x[((b * H + iy) * W + ix) * CI + ci];
        }
      }
      const dW = sparseFilterGradient(x, dy, g, new Int32Array(dy.length));
      if (dW === null) continue; // too many errors for the sparse path: the dense kernel's case
      expect(Array.from(dW), JSON.stringify(g)).toEqual(Array.from(Float32Array.from(expected)));
      compared++;
    }
    expect(compared).toBeGreaterThan(40);
  });

  it('reads −0 as no error and an error tensor whose length is not a multiple of 4', () => {
    const g = { ...geometry, outChannels: 3 };
    const x = integers(xShape, 7).values;
    const dy = new Float32Array(3 * 5 * 5 * 3);
    dy[0] = -0;
    dy[dy.length - 1] = 2;
    dy[101] = -1;
    const dW = sparseFilterGradient(x, dy, g, new Int32Array(64))!;
    // Only the last position (b 2, oy 4, ox 4, co 2) and position 101 (b 1, oy 1, ox 3, co 2) contribute.
    const expected = new Float64Array(3 * 3 * 2 * 3);
    for (const [i, e] of [[dy.length - 1, 2], [101, -1]]) {
      const co = i % 3, pos = (i - co) / 3, ox = pos % 5, oy = ((pos - ox) / 5) % 5, b = Math.floor(i / 75);
      for (let ky = 0; ky < 3; ky++) for (let kx = 0; kx < 3; kx++) {
        const iy = oy * 2 + ky - 1, ix = ox * 2 + kx - 1;
        if (iy < 0 || iy >= 9 || ix < 0 || ix >= 9) continue;
        for (let ci = 0; ci < 2; ci++) expected[((ky * 3 + kx) * 2 + ci) * 3 + co] += e * x[((b * 9 + iy) * 9 + ix) * 2 + ci];
      }
    }
    expect(Array.from(dW)).toEqual(Array.from(Float32Array.from(expected)));
  });

  it('where the bound Σ|e|·max|x| cannot promise exactness, checks each product instead and still answers', () => {
    const x = integers(xShape, 7).values, dy = new Float32Array(3 * 5 * 5 * 4);
    dy[0] = 3; // b 0, oy 0, ox 0, co 0: its window reaches input rows and columns 0–1 of image 0 only
    const far = ((2 * 9 + 8) * 9 + 8) * 2; // image 2, the last pixel: never visited
    for (const [name, value] of [['a huge input', 2 ** 23], ['an input that is not an integer', 0.25]] as const) {
      const altered = x.slice();
      altered[far] = value;
      const dW = sparseFilterGradient(altered, dy, geometry, new Int32Array(64));
      expect(dW, name).not.toBeNull();
      expect(Array.from(dW!), name).toEqual(reference(altered, dy));
    }
  });

  it('answers null, so the full kernel runs, where it cannot promise the same bits or would not pay', () => {
    const x = integers(xShape, 7).values, dy = sparseIntegers(dyShape, 8, 0.05);
    const buffer = new Int32Array(64);
    expect(sparseFilterGradient(x, dy.map((v) => (v === 0 ? 0 : v + 0.5)), geometry, buffer)).toBeNull(); // an error that is not an integer
    expect(sparseFilterGradient(x.map((v) => v + 0.25), dy, geometry, buffer)).toBeNull(); // an input that is not
    expect(sparseFilterGradient(x.map((v) => v * 2 ** 22), dy.map((v) => v * 4), geometry, buffer)).toBeNull(); // Σ|terms| ≥ 2^24
    expect(sparseFilterGradient(x, sparseIntegers(dyShape, 9, 0.5), geometry, new Int32Array(1000))).toBeNull(); // too many errors
  });

  /** dx of a stride-1 valid convolution by scattering each non-zero error's products in error order, in float32 as the kernel adds. */
  const scatteredInputGradient = (dy: Float32Array, w: Float32Array, [B, OH, OW, CO]: number[], [H, W, C]: number[], K: number) => {
    const dx = new Float32Array(B * H * W * C);
    for (let i = 0; i < dy.length; i++) {
      if (dy[i] === 0) continue;
      const co = i % CO, ox = Math.floor(i / CO) % OW, oy = Math.floor(i / (CO * OW)) % OH, b = Math.floor(i / (CO * OW * OH));
      for (let ky = 0; ky < K; ky++) for (let kx = 0; kx < K; kx++) for (let c = 0; c < C; c++) {
        const at = ((b * H + oy + ky) * W + ox + kx) * C + c;
        dx[at] = Math.fround(dx[at] + Math.fround(dy[i] * w[((ky * K + kx) * C + c) * CO + co]));
      }
    }
    return dx;
  };
  /** The product over every row, the filter transposed, then the windows scattered (the path for other errors). */
  const productInputGradient = (dy: Float32Array, w: Float32Array, [B, OH, OW, CO]: number[], [H, W, C]: number[], K: number) => {
    const cols = tf.tidy(() => tf.matMul(tf.tensor2d(dy, [B * OH * OW, CO]), tf.transpose(tf.tensor2d(w, [K * K * C, CO]))).dataSync() as Float32Array);
    const full = new Float32Array(B * H * W * C);
    scatterWindows(cols, { batch: B, height: H, width: W, channels: C, kernelHeight: K, kernelWidth: K, outHeight: OH, outWidth: OW, padTop: 0, padLeft: 0 }, full);
    return full;
  };
  const inputGradient = (dy: Float32Array, w: Float32Array, [B, OH, OW, CO]: number[], [H, W, C]: number[], K: number) =>
    tf.tidy(() => (tf.engine().runKernel('Conv2DBackpropInput', { dy: tf.tensor4d(dy, [B, OH, OW, CO]), filter: tf.tensor4d(w, [K, K, C, CO]) }, { strides: 1, pad: 'valid', dataFormat: 'NHWC', inputShape: [B, H, W, C] }) as tf.Tensor).dataSync() as Float32Array);

  it.each([0.02, 0.1, 0.2])('the input gradient from integer errors (%s of the entries), float weights: each error\'s products added in error order, image by image', async (share) => {
    await useBackend('wasm');
    const [B, OH, OW, CO, K, C] = [4, 8, 8, 40, 5, 15];
    const dy = sparseIntegers([B, OH, OW, CO], 11, share);
    const rng = new Rng(12);
    const w = Float32Array.from({ length: K * K * C * CO }, () => Math.fround((rng.float() - 0.5) / 7.3));
    const got = inputGradient(dy, w, [B, OH, OW, CO], [12, 12, C], K);
    expect(Array.from(got)).toEqual(Array.from(scatteredInputGradient(dy, w, [B, OH, OW, CO], [12, 12, C], K)));
    expect(got.some((v) => v !== 0)).toBe(true);
    // An image's values do not depend on the rest of the batch.
    const last = inputGradient(dy.subarray(3 * OH * OW * CO), w, [1, OH, OW, CO], [12, 12, C], K);
    expect(Array.from(last)).toEqual(Array.from(got.subarray(3 * 12 * 12 * C)));
  });

  it('with integer weights (W/Θ, every sum exact) the same bits as the product; an image with errors that are not integers, or with more than a quarter non-zero, takes the product', async () => {
    await useBackend('wasm');
    const [B, OH, OW, CO, K, C] = [3, 6, 6, 8, 3, 5];
    const dy = sparseIntegers([B, OH, OW, CO], 13, 0.1);
    const rng = new Rng(14);
    const w = Float32Array.from({ length: K * K * C * CO }, () => rng.int(-30, 30) / 16);
    const exact = inputGradient(dy, w, [B, OH, OW, CO], [8, 8, C], K);
    expect(Array.from(exact)).toEqual(Array.from(productInputGradient(dy, w, [B, OH, OW, CO], [8, 8, C], K)));
    // Image 1's errors made fractional (the float gradient's), image 2's 40 % non-zero: their values
    // are the product's, image 0's the scatter's.
    const mixed = dy.slice();
    for (let i = OH * OW * CO; i < 2 * OH * OW * CO; i++) mixed[i] *= 0.37;
    mixed.set(sparseIntegers([1, OH, OW, CO], 15, 0.4), 2 * OH * OW * CO);
    const floats = Float32Array.from({ length: w.length }, () => Math.fround((rng.float() - 0.5) / 3.1));
    const got = inputGradient(mixed, floats, [B, OH, OW, CO], [8, 8, C], K);
    const product = productInputGradient(mixed, floats, [B, OH, OW, CO], [8, 8, C], K);
    const scattered = scatteredInputGradient(mixed, floats, [B, OH, OW, CO], [8, 8, C], K);
    const n = 8 * 8 * C;
    expect(Array.from(got.subarray(n))).toEqual(Array.from(product.subarray(n)));
    expect(Array.from(got.subarray(0, n))).toEqual(Array.from(scattered.subarray(0, n)));
    // (the two orders do differ here, so the comparisons above tell the paths apart)
    expect(Array.from(product.subarray(0, n))).not.toEqual(Array.from(scattered.subarray(0, n)));
  });
});

describe('a dense layer\'s error times its weights, from the non-zero errors (sparseRowProduct)', () => {
  const [M, K, N] = [6, 30, 17];

  it('equals the float64 sum of the picked rows, rounded once, for float weights; wasm takes it, cpu the plain product', async () => {
    const g = sparseIntegers([M, K], 13, 0.15);
    g[3] = -0;
    const rng = new Rng(14);
    const w = Float32Array.from({ length: K * N }, () => Math.fround((rng.float() - 0.5) / 3.1));
    const expected = new Float32Array(M * N);
    for (let r = 0; r < M; r++) for (let c = 0; c < N; c++) {
      let sum = 0;
      for (let j = 0; j < K; j++) sum += g[r * K + j] * w[j * N + c];
      expected[r * N + c] = sum;
    }
    await useBackend('wasm');
    const product = () => tf.tidy(() => Array.from(errorTimesWeights(tf.tensor2d(g, [M, K]), tf.tensor2d(w, [K, N]), 'spike').dataSync()));
    expect(tf.getKernel(SPARSE_ROW_PRODUCT, 'wasm')).toBeDefined();
    expect(product()).toEqual(Array.from(expected));
    // A row's bits do not depend on the other rows (a worker computes part of a batch).
    const firstTwo = tf.tidy(() => Array.from(errorTimesWeights(tf.tensor2d(g.subarray(0, 2 * K), [2, K]), tf.tensor2d(w, [K, N]), 'spike').dataSync()));
    expect(firstTwo).toEqual(Array.from(expected.subarray(0, 2 * N)));
    await useBackend('cpu');
    expect(tf.getKernel(SPARSE_ROW_PRODUCT, 'cpu')).toBeUndefined();
    // Integer weights: every order gives the same exact sums, so the plain product agrees to the bit.
    const wi = integers([K, N], 15).values;
    const on = (backend: 'cpu' | 'wasm') => useBackend(backend).then(() => tf.tidy(() => Array.from(errorTimesWeights(tf.tensor2d(g, [M, K]), tf.tensor2d(wi, [K, N]), 'spike').dataSync(), (v) => v + 0)));
    expect(await on('wasm')).toEqual(await on('cpu'));
  });

  it('refuses operands that are not float32 matrices of matching inner size', async () => {
    await useBackend('wasm');
    expect(() => tf.engine().runKernel(SPARSE_ROW_PRODUCT, { a: tf.zeros([2, 3]), b: tf.zeros([4, 5]) }, {})).toThrow(/expected float32 matrices \[m, k\] and \[k, n\], found float32 \[2, 3\] and float32 \[4, 5\]/);
  });
});

it('the sparse convolution loops in use are sparseConv.wat as it stands (npm run build:wasm)', async () => {
  expect(Buffer.from(SPARSE_CONV_WASM_BASE64, 'base64').equals(Buffer.from(await assembleWat(SPARSE_CONV_WAT)))).toBe(true);
});

describe('the forward convolution of a sparse input with few channels (sparseConvForward): the same bits as the full kernel', () => {
  type Case = { name: string; x: [number, number, number, number]; k: number; out: number; stride: number; pad: Pad; relu: boolean; bias: boolean };
  const convCases: Case[] = [
    { name: 'MNIST first layer: 1 channel, 15 maps, 5x5 valid, relu', x: [3, 28, 28, 1], k: 5, out: 15, stride: 1, pad: 'valid', relu: true, bias: true },
    { name: '16 maps (one whole chunk), same padding, linear', x: [2, 9, 9, 1], k: 3, out: 16, stride: 1, pad: 'same', relu: false, bias: true },
    { name: '2 channels, 17 maps, padding 2, stride 2', x: [2, 11, 10, 2], k: 3, out: 17, stride: 2, pad: 2, relu: true, bias: true },
    { name: '3 channels, 40 maps, stride 3, explicit uneven padding, no bias', x: [2, 13, 12, 3], k: 4, out: 40, stride: 3, pad: [[0, 0], [1, 2], [0, 1], [0, 0]], relu: true, bias: false },
    { name: 'two maps, a kernel as wide as the padded input', x: [2, 5, 5, 1], k: 7, out: 2, stride: 1, pad: 1, relu: false, bias: true },
  ];
  const run = (c: Case, x: Float32Array, w: Float32Array, b: Float32Array) => () =>
    tf.tidy(() => tf.fused.conv2d({
      x: tf.tensor4d(x, c.x), filter: tf.tensor4d(w, [c.k, c.k, c.x[3], c.out]), bias: c.bias ? tf.tensor1d(b) : undefined,
      strides: c.stride, pad: c.pad, activation: c.relu ? 'relu' : 'linear',
    }));

  it.each(convCases)('$name', async (c) => {
    // Spike counts (a fifth non-zero), weights and biases on a grid of 1/64 as W/Θ: every sum exact.
    const rng = new Rng(21);
    const x = Float32Array.from({ length: c.x.reduce((a, d) => a * d) }, () => (rng.float() < 0.2 ? rng.int(1, 9) : 0));
    const w = Float32Array.from({ length: c.k * c.k * c.x[3] * c.out }, () => rng.int(-40, 40) / 64);
    const b = Float32Array.from({ length: c.out }, () => rng.int(-90, 90) / 64);
    expect(sparseEnough(x)).toBe(true);
    const { cpu, wasm } = await onBoth(run(c, x, w, b));
    expect(wasm).toEqual(cpu);
    expect(cpu.some((v) => v > 0)).toBe(true);
    if (!c.relu && cpu.length > 8) expect(cpu.some((v) => v < 0)).toBe(true);
    // The kernel itself, called directly, gives the same values; so does each image on its own.
    const [batch, height, width, inChannels] = c.x;
    // [top, bottom, left, right]; 'same' here only with stride 1 and an odd kernel.
    const [top, bottom, left, right] = c.pad === 'valid' ? [0, 0, 0, 0] : c.pad === 'same' ? Array(4).fill((c.k - 1) / 2) : typeof c.pad === 'number' ? Array(4).fill(c.pad) : [...c.pad[1], ...c.pad[2]];
    const outHeight = Math.floor((height + top + bottom - c.k) / c.stride) + 1;
    const outWidth = Math.floor((width + left + right - c.k) / c.stride) + 1;
    expect(batch * outHeight * outWidth * c.out).toBe(cpu.length);
    const geometry = { batch, height, width, inChannels, outHeight, outWidth, outChannels: c.out, kernelHeight: c.k, kernelWidth: c.k, stride: c.stride, padTop: top, padLeft: left };
    const direct = new Float32Array(cpu.length);
    sparseConvForward(x, w, c.bias ? b : null, geometry, c.relu, direct);
    expect(Array.from(direct, (v) => v + 0)).toEqual(cpu);
    const perImage = cpu.length / batch;
    const one = new Float32Array(perImage);
    sparseConvForward(x.subarray((batch - 1) * (x.length / batch)), w, c.bias ? b : null, { ...geometry, batch: 1 }, c.relu, one);
    expect(Array.from(one, (v) => v + 0)).toEqual(cpu.slice((batch - 1) * perImage));
  });

  it(`leaves inputs with more than ${SPARSE_AT_MOST} non-zero, or with 4 channels or more, to the backend's kernel, with the same values`, async () => {
    const rng = new Rng(22);
    const inputs: [[number, number, number, number], number][] = [[[2, 10, 10, 1], 0.9], [[2, 10, 10, 4], 0.1]];
    for (const [shape, share] of inputs) {
      const x = Float32Array.from({ length: shape.reduce((a, d) => a * d) }, () => (rng.float() < share ? rng.int(1, 5) : 0));
      const w = Float32Array.from({ length: 9 * shape[3] * 6 }, () => rng.int(-8, 8) / 16);
      const { cpu, wasm } = await onBoth(() => tf.tidy(() => tf.fused.conv2d({ x: tf.tensor4d(x, shape), filter: tf.tensor4d(w, [3, 3, shape[3], 6]), bias: tf.zeros([6]), strides: 1, pad: 'valid', activation: 'relu' })));
      expect(wasm).toEqual(cpu);
    }
    expect(sparseEnough(new Float32Array([1, 0, 0, 0]))).toBe(true);
    expect(sparseEnough(new Float32Array([1, 2, 0, 0]))).toBe(false);
  });

  it('refuses arrays that do not match the geometry', () => {
    const geometry = { batch: 1, height: 4, width: 4, inChannels: 1, outHeight: 2, outWidth: 2, outChannels: 3, kernelHeight: 3, kernelWidth: 3, stride: 1, padTop: 0, padLeft: 0 };
    expect(() => sparseConvForward(new Float32Array(15), new Float32Array(27), null, geometry, true, new Float32Array(12))).toThrow(/expected 16 inputs, 27 weights, 3 biases and 12 outputs; found 15/);
  });
});

describe('sums over every axis but the last (the bias gradients) from the non-zero values: the same bits as the full sum', () => {
  it.each([
    ['a conv layer\'s errors [4, 9, 7, 15], 1 % non-zero', [4, 9, 7, 15], 0.01],
    ['a dense layer\'s errors [6, 33], 20 % non-zero (a length that is no multiple of 16)', [6, 33], 0.2],
    ['all non-zero [3, 5, 5, 2]', [3, 5, 5, 2], 1],
  ])('%s', async (_, shape, share) => {
    const x = sparseIntegers(shape as number[], 31, share as number);
    const { cpu, wasm } = await onBoth(() => tf.sum(tf.tensor(x, shape as number[]), (shape as number[]).slice(0, -1).map((__, i) => i)));
    expect(wasm).toEqual(cpu);
    expect(cpu.some((v) => v !== 0)).toBe(true);
    const direct = new Float32Array(cpu.length);
    expect(sparseChannelSums(x, cpu.length, direct)).toBe(true);
    expect(Array.from(direct)).toEqual(cpu);
  });

  it('answers false where it cannot promise exactness, and the backend\'s own sum then runs', async () => {
    const out = new Float32Array(3);
    expect(sparseChannelSums(new Float32Array([0, 0, 0, 1.5, 0, 0]), 3, out)).toBe(false); // not an integer
    expect(sparseChannelSums(new Float32Array([2 ** 23, 0, 0, 2 ** 23, 0, 0]), 3, out)).toBe(false); // Σ|v| reaches 2^24
    expect(sparseChannelSums(new Float32Array([-0, 0, 0, -2, 0, 3]), 3, out)).toBe(true);
    expect(Array.from(out)).toEqual([-2, 0, 3]);
    // Float errors (--gradient float): the backend's sum, the same bits as with keepDims (which this
    // kernel never takes).
    await useBackend('wasm');
    const rng = new Rng(32);
    const floats = tf.tensor3d(Float32Array.from({ length: 4 * 5 * 6 }, () => Math.fround(rng.float() - 0.5)), [4, 5, 6]);
    const leading = Array.from(tf.sum(floats, [0, 1]).dataSync());
    expect(leading).toEqual(Array.from(tf.sum(floats, [0, 1], true).dataSync()));
    expect(leading.some((v) => !Number.isInteger(v))).toBe(true);
  });
});
