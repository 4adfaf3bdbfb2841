/**
 * The wasm training kernels registered by spikegrad (Conv2DBackpropFilter, which wasm lacks, and the
 * faster Conv2DBackpropInput, transposed matMul and row gather) against the cpu backend's, on integer-valued
 * tensors so the comparison is exact.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { useBackend } from '../../src/train/tfjs/backend.js';
import { Rng } from '../../src/random.js';

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
