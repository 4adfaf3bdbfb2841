/** Small, fast versions of training: the loss falls, resume equals an uninterrupted run, bad inputs are refused. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tinyMnistTopology } from '../support/tinyTopology.js';
import { initNetwork } from '../../src/network/init.js';
import { decodeCheckpoint, loadCheckpoint, saveCheckpoint, type Checkpoint } from '../../src/train/checkpoint.js';
import { decodeSafetensors, encodeSafetensors } from '../../src/network/safetensors.js';
import { sliceDataset } from '../../src/train/data/dataset.js';
import { loadDataset } from '../../src/train/data/sources.js';
import { trainExact } from '../../src/train/exact/exactTrainer.js';
import { TrainingError, type TrainConfig } from '../../src/train/trainingLoop.js';
import { IntegerSgd, RealSgd, updateSlice } from '../../src/train/optimizer.js';
import { hasWeights, type Network } from '../../src/network/topology.js';

const tiny = tinyMnistTopology();
const splits = loadDataset('mnist');
const train = sliceDataset(splits.train, 0, 320);
const validation = sliceDataset(splits.validation, 0, 100);
const config: TrainConfig = { epochs: 2, batch: 16, alpha: 50, seed: 3, inputScale: 255, optimizer: { lr: 0.01, momentum: 0.9, weightDecay: 1e-4, schedule: 'cosine' } };
const weightsOf = (c: { network: Network }) => c.network.layers.filter(hasWeights).map((l) => [Array.from(l.weights), Array.from(l.bias)]);

describe('exact engine', () => {
  it('lowers the loss on a few hundred images', async () => {
    const r = await trainExact(initNetwork(tiny, { seed: 2 }), train, validation, { ...config, epochs: 3 });
    expect(r.history).toHaveLength(3);
    expect(r.history[2].loss).toBeLessThan(r.history[0].loss * 0.8);
    expect(r.history[2].validationAccuracy).toBeGreaterThan(0.3);
  });

  it('resumed from a checkpoint (mid-epoch, through the file) ends with the same weights as an uninterrupted run', async () => {
    const full = await trainExact(initNetwork(tiny, { seed: 2 }), train, validation, config);
    let calls = 0;
    let saved: Checkpoint | null = null;
    const first = await trainExact(initNetwork(tiny, { seed: 2 }), train, validation, config, {
      interrupted: () => ++calls === 27, // epoch 2, step 7
      onInterrupt: (c) => (saved = c),
    });
    expect(first.interrupted).toBe(true);
    const dir = mkdtempSync(join(tmpdir(), 'spikegrad-ckpt-'));
    saveCheckpoint(join(dir, 'c.ckpt'), saved!);
    const resume = loadCheckpoint(join(dir, 'c.ckpt'));
    expect(resume.progress.epoch).toBe(1);
    expect(resume.progress.batch).toBe(6);
    const second = await trainExact(resume.network, train, validation, config, {}, resume);
    expect(weightsOf(second)).toEqual(weightsOf(full));
    expect(second.optimizer.state.master).toEqual(full.optimizer.state.master);
  });

  it('names the epoch and step when weights leave the exact range', async () => {
    const wild = { ...config, optimizer: { ...config.optimizer, lr: 1e15, schedule: 'constant' as const } };
    await expect(trainExact(initNetwork(tiny, { seed: 2 }), train, validation, wild)).rejects.toThrow(TrainingError);
    await expect(trainExact(initNetwork(tiny, { seed: 2 }), train, validation, wild)).rejects.toThrow(/epoch 1, step \d+: layer \d+ .*2\^53 − 1.* by a factor of [\d.]+/);
  });

  it('refuses a corrupt or truncated checkpoint', () => {
    const dir = mkdtempSync(join(tmpdir(), 'spikegrad-ckpt-'));
    const net = initNetwork(tiny, { seed: 2 });
    saveCheckpoint(join(dir, 'c.ckpt'), { network: net, optimizer: new IntegerSgd(net, { lr: 1, momentum: 0, weightDecay: 0, alpha: 1, schedule: 'constant', totalSteps: 1 }).state, progress: { epoch: 0, batch: 0, best: null, history: [] }, config: {} });
    const bytes = readFileSync(join(dir, 'c.ckpt'));
    expect(() => decodeCheckpoint(bytes.subarray(0, bytes.length - 100), 'c.ckpt')).toThrow(/c\.ckpt: /);
    writeFileSync(join(dir, 'bad.ckpt'), 'not a checkpoint at all');
    expect(() => loadCheckpoint(join(dir, 'bad.ckpt'))).toThrow(/bad\.ckpt: header length .* runs past the end/);
    // Format 1 kept the tfjs engine's dense masters in another layout: refused, not misread.
    const { tensors, metadata } = decodeSafetensors(bytes);
    const old = encodeSafetensors(tensors, { ...metadata, format: 'spikegrad-checkpoint/1' });
    expect(() => decodeCheckpoint(old, 'old.ckpt')).toThrow(/old\.ckpt: __metadata__\.format: "spikegrad-checkpoint\/1" was written by an earlier spikegrad.*start a new run/);
  });
});

describe('data-parallel exact training', () => {
  it('gives the same weights with 1, 2 and 3 workers', async () => {
    const runs = [];
    for (const workers of [1, 2, 3]) runs.push(await trainExact(initNetwork(tiny, { seed: 2 }), train, validation, { ...config, epochs: 1, workers }));
    expect(weightsOf(runs[1])).toEqual(weightsOf(runs[0]));
    expect(weightsOf(runs[2])).toEqual(weightsOf(runs[0]));
    expect(runs[1].history[0].trainAccuracy).toBe(runs[0].history[0].trainAccuracy);
  });
});

describe('the moving average of the weights', () => {
  it('is β·average + (1 − β)·master after each step, warmed up, the same bits in any number of slices', () => {
    const sizes = [[9, 3], [13, 4]];
    const fresh = () => new RealSgd(sizes.map(([w, b], k) => Float64Array.from({ length: w + b }, (_, i) => Math.cos(5 * i + k) / 9)), sizes.map(([w]) => w), [255, 1], {
      lr: 0.02, momentum: 0.9, weightDecay: 1e-3, alpha: 20, schedule: 'cosine', totalSteps: 30, averageDecay: 0.95,
    });
    const [whole, sliced] = [fresh(), fresh()];
    const initial = whole.state.master.map((m) => Array.from(m));
    expect(whole.state.average!.map((a) => Array.from(a))).toEqual(initial);
    const expected = initial.map((m) => m.slice());
    for (let t = 0; t < 30; t++) {
      const parts = [0, 1].map((p) => sizes.flatMap(([w, b]) => [Float32Array.from({ length: w }, (_, i) => Math.fround(Math.sin(i * (p + 2) + t) * 7)), Float32Array.from({ length: b }, (_, i) => i - p - t / 3)]));
      const c = whole.coefficients(8);
      // The warm-up: min(β, (1 + t)/(10 + t)), so early steps weigh the new masters more.
      expect(c.averageDecay).toBe(Math.min(0.95, (1 + t) / (10 + t)));
      updateSlice(whole.layout, parts, c, null, 0, 1);
      for (let s = 0; s < 3; s++) updateSlice(sliced.layout, parts, sliced.coefficients(8), null, s, 3);
      whole.finishStep();
      sliced.finishStep();
      whole.state.master.forEach((m, k) => m.forEach((v, i) => (expected[k][i] = c.averageDecay! * expected[k][i] + (1 - c.averageDecay!) * v)));
    }
    expect(whole.state.average!.map((a) => Array.from(a))).toEqual(expected);
    expect(sliced.state.average!.map((a) => Array.from(a))).toEqual(expected);
    expect(sliced.state.master.map((m) => Array.from(m))).toEqual(whole.state.master.map((m) => Array.from(m)));
    // It lags the masters: a stub that copied them would fail here.
    expect(whole.state.average![1][0]).not.toBe(whole.state.master[1][0]);
  });

  it('is not kept without a decay', () => {
    const sgd = new RealSgd([new Float64Array(4)], [3], [1], { lr: 0.01, momentum: 0.9, weightDecay: 0, alpha: 1, schedule: 'constant', totalSteps: 1 });
    expect(sgd.state.average).toBeUndefined();
    expect(sgd.coefficients(1).averageDecay).toBeUndefined();
  });
});

describe('the shared optimizer step in slices', () => {
  it('gives the same state and weights whether one thread or three take it, and equals step() on the summed gradients', () => {
    const sizes = [[7, 3], [11, 2]];
    const fresh = () => new RealSgd(sizes.map(([w, b], k) => Float64Array.from({ length: w + b }, (_, i) => Math.sin(i + k) / 10)), sizes.map(([w]) => w), [255, 1], {
      lr: 0.01, momentum: 0.9, weightDecay: 1e-3, alpha: 20, schedule: 'cosine', totalSteps: 10,
    });
    const part = (seed: number) => sizes.flatMap(([w, b]) => [Float32Array.from({ length: w }, (_, i) => ((i * seed) % 7) - 3), Float32Array.from({ length: b }, (_, i) => i - seed)]);
    const parts = [part(2), part(5), part(3)];
    const whole = fresh(), sliced = fresh(), reference = fresh();
    const [outWhole, outSliced] = [part(1), part(1)];
    updateSlice(whole.layout, parts, whole.coefficients(8), outWhole, 0, 1);
    for (let s = 0; s < 3; s++) updateSlice(sliced.layout, parts, sliced.coefficients(8), outSliced, s, 3);
    const summed = sizes.map((_, k) => ({ dW: parts[0][2 * k].map((v, i) => v + parts[1][2 * k][i] + parts[2][2 * k][i]), db: parts[0][2 * k + 1].map((v, i) => v + parts[1][2 * k + 1][i] + parts[2][2 * k + 1][i]) }));
    reference.step(summed, 8, 1);
    expect(sliced.state.master.map((m) => Array.from(m))).toEqual(whole.state.master.map((m) => Array.from(m)));
    expect(sliced.state.velocity.map((m) => Array.from(m))).toEqual(whole.state.velocity.map((m) => Array.from(m)));
    expect(outSliced.map((o) => Array.from(o))).toEqual(outWhole.map((o) => Array.from(o)));
    expect(whole.state.master.map((m) => Array.from(m))).toEqual(reference.state.master.map((m) => Array.from(m)));
    expect(Array.from(outWhole[0])).toEqual(Array.from(whole.state.master[0].subarray(0, 7), (m) => Math.fround(m / 255)));
  });

  it.each([1, 2])('with %i part(s) (one thread, two workers) it is the one SGD expression, element by element, bit for bit', (count) => {
    const sizes = [[9, 3], [13, 4]];
    const units = [255, 1];
    const sgd = new RealSgd(sizes.map(([w, b], k) => Float64Array.from({ length: w + b }, (_, i) => Math.cos(3 * i + k) / 7)), sizes.map(([w]) => w), units, {
      lr: 0.013, momentum: 0.9, weightDecay: 3e-4, alpha: 20, schedule: 'constant', totalSteps: 10,
    });
    const parts = Array.from({ length: count }, (_, p) => sizes.flatMap(([w, b]) => [Float32Array.from({ length: w }, (_, i) => Math.fround(Math.sin(i * (p + 2)) * 5)), Float32Array.from({ length: b }, (_, i) => i - p - 1.5)]));
    const before = { master: sgd.state.master.map((m) => m.slice()), velocity: sgd.state.velocity.map((v) => v.slice()) };
    const c = sgd.coefficients(8);
    const out = sizes.flatMap(([w, b]) => [new Float32Array(w), new Float32Array(b)]);
    for (let s = 0; s < count; s++) updateSlice(sgd.layout, parts, c, out, s, count);
    sizes.forEach(([nw, nb], k) => {
      for (let i = 0; i < nw + nb; i++) {
        const sum = parts.reduce((a, p) => a + (i < nw ? p[2 * k][i] : p[2 * k + 1][i - nw]), 0);
        const grad = i < nw ? (sum * c.scale) / units[k] + c.weightDecay * before.master[k][i] : sum * c.scale;
        const v = c.momentum * before.velocity[k][i] + grad;
        const m = before.master[k][i] - c.lr * v;
        expect(sgd.state.velocity[k][i]).toBe(v);
        expect(sgd.state.master[k][i]).toBe(m);
        expect(i < nw ? out[2 * k][i] : out[2 * k + 1][i - nw]).toBe(Math.fround(i < nw ? m / units[k] : m));
      }
    });
  });
});
