/**
 * The tfjs engine on a tiny topology: the loss falls; with the spike gradient every gradient is an
 * integer below 2^24, so the weights do not depend on the worker count and a resumed run equals an
 * uninterrupted one; the validation figure of the exported network equals the integer ANN's.
 */
import { describe, expect, it } from 'vitest';
import { tinyMnistTopology } from '../support/tinyTopology.js';
import { initNetwork } from '../../src/network/init.js';
import { hasWeights, type Network } from '../../src/network/topology.js';
import { decodeCheckpoint, encodeCheckpoint, type Checkpoint } from '../../src/train/checkpoint.js';
import { sliceDataset } from '../../src/train/data/dataset.js';
import { loadDataset } from '../../src/train/data/sources.js';
import { evaluate } from '../../src/train/evaluate.js';
import { powerOfTwoTheta, quantiseNetwork } from '../../src/train/tfjs/quantise.js';
import { batchTransforms, elasticField, shiftImage, TRANSFORM_SIZE, transformImage } from '../../src/train/tfjs/augment.js';
import { trainTfjs, type TfjsTrainConfig } from '../../src/train/tfjs/tfjsTrainer.js';
import { realParameters } from '../../src/train/tfjs/paramLayout.js';

const tiny = tinyMnistTopology();
const splits = loadDataset('mnist');
const data = { train: sliceDataset(splits.train, 0, 480), validation: sliceDataset(splits.validation, 0, 200), test: sliceDataset(splits.test, 0, 200) };
// 9 bits keep every exported potential below 2^24, so tfjs scores the exported network exactly.
const config: TfjsTrainConfig = {
  epochs: 2, batch: 16, alpha: 50, seed: 3, inputScale: 255, gradient: 'spike', backend: 'wasm', weightBits: 9, workers: 1,
  optimizer: { lr: 0.02, momentum: 0.9, weightDecay: 1e-4, schedule: 'cosine' },
};
const weightsOf = (n: Network) => n.layers.filter(hasWeights).map((l) => [Array.from(l.weights), Array.from(l.bias), l.theta, l.thetaBp]);

describe('tfjs engine', () => {
  it('lowers the loss, and the validation figure is the exported integer network\'s', async () => {
    const r = await trainTfjs(initNetwork(tiny, { seed: 2 }), data, { ...config, epochs: 3 });
    expect(r.history).toHaveLength(3);
    expect(r.history[2].loss).toBeLessThan(r.history[0].loss * 0.8);
    const best = r.best!;
    expect((await evaluate(r.bestNetwork, data.validation)).accuracy).toBe(best.accuracy);
    expect(best.accuracy).toBeGreaterThan(0.5);
    expect(r.backend).toBe('wasm');
  });

  it('spike gradient: two workers give the same weights as one', async () => {
    const one = await trainTfjs(initNetwork(tiny, { seed: 4 }), data, config);
    const two = await trainTfjs(initNetwork(tiny, { seed: 4 }), data, { ...config, workers: 2 });
    expect(two.backend).toBe('wasm × 2 workers');
    expect(weightsOf(two.bestNetwork)).toEqual(weightsOf(one.bestNetwork));
    expect(Array.from(two.sgd.state.master[1])).toEqual(Array.from(one.sgd.state.master[1]));
  });

  it('back-propagating only the images with a non-zero top error gives the same weights as the dense backward', async () => {
    // α 3: an image's top error is all zero once every |p − y| < 1/6, which a third of them soon reach.
    const sparse = { ...config, alpha: 3, epochs: 3 };
    const skipping = await trainTfjs(initNetwork(tiny, { seed: 7 }), data, sparse);
    const dense = await trainTfjs(initNetwork(tiny, { seed: 7 }), data, { ...sparse, denseBackward: true });
    const twoWorkers = await trainTfjs(initNetwork(tiny, { seed: 7 }), data, { ...sparse, workers: 2 });
    const shares = skipping.history.map((h) => h.backpropagatedShare!);
    expect(Math.min(...shares)).toBeLessThan(0.6);
    expect(Math.min(...shares)).toBeGreaterThan(0);
    expect(dense.history.map((h) => h.backpropagatedShare)).toEqual([1, 1, 1]);
    expect(twoWorkers.history.map((h) => h.backpropagatedShare)).toEqual(shares);
    expect(dense.history.map((h) => h.loss)).toEqual(skipping.history.map((h) => h.loss));
    for (const other of [dense, twoWorkers]) {
      other.sgd.state.master.forEach((m, k) => expect(Array.from(m)).toEqual(Array.from(skipping.sgd.state.master[k])));
    }
  });

  it('resumed from the first epoch\'s checkpoint ends with the same weights as an uninterrupted run', async () => {
    let afterFirst: Checkpoint | undefined;
    const straight = await trainTfjs(initNetwork(tiny, { seed: 5 }), data, config, { onEpoch: (record, ckpt) => void (record.epoch === 1 && (afterFirst = structuredClone(ckpt))) });
    const resumed = await trainTfjs(initNetwork(tiny, { seed: 99 }), data, config, {}, afterFirst);
    expect(resumed.history.map((h) => h.validationAccuracy)).toEqual(straight.history.map((h) => h.validationAccuracy));
    expect(Array.from(resumed.sgd.state.master[0])).toEqual(Array.from(straight.sgd.state.master[0]));
    // Spike gradient: also with 2 workers, which update the optimizer's state in shared memory.
    const resumedByTwo = await trainTfjs(initNetwork(tiny, { seed: 99 }), data, { ...config, workers: 2 }, {}, afterFirst);
    resumedByTwo.sgd.state.master.forEach((m, k) => expect(Array.from(m)).toEqual(Array.from(straight.sgd.state.master[k])));
    resumedByTwo.sgd.state.velocity.forEach((v, k) => expect(Array.from(v)).toEqual(Array.from(straight.sgd.state.velocity[k])));
  });

  it('interrupted mid-epoch with 2 workers, whose last optimizer step is still pending, resumes to the uninterrupted weights', async () => {
    let saved: Checkpoint | undefined;
    let checks = 0;
    // 30 steps an epoch: stopped before epoch 2's step 5, with step 4's update not yet taken by the workers.
    const hooks = { interrupted: () => ++checks === 35, onInterrupt: (c: Checkpoint) => void (saved = structuredClone(c)) };
    const stopped = await trainTfjs(initNetwork(tiny, { seed: 5 }), data, { ...config, workers: 2 }, hooks);
    expect(stopped.interrupted).toBe(true);
    expect(saved!.optimizer.step).toBe(34);
    const resumed = await trainTfjs(initNetwork(tiny, { seed: 99 }), data, { ...config, workers: 2 }, {}, saved);
    const straight = await trainTfjs(initNetwork(tiny, { seed: 5 }), data, config);
    resumed.sgd.state.master.forEach((m, k) => expect(Array.from(m)).toEqual(Array.from(straight.sgd.state.master[k])));
    resumed.sgd.state.velocity.forEach((v, k) => expect(Array.from(v)).toEqual(Array.from(straight.sgd.state.velocity[k])));
  });
});

describe('tfjs engine with a moving average of the weights', () => {
  const averaged: TfjsTrainConfig = { ...config, optimizer: { ...config.optimizer, averageDecay: 0.98 } };

  it('validates and exports the average\'s network, scores the live weights beside it, and any worker count gives the same bits', async () => {
    const one = await trainTfjs(initNetwork(tiny, { seed: 8 }), data, averaged);
    const two = await trainTfjs(initNetwork(tiny, { seed: 8 }), data, { ...averaged, workers: 2 });
    const live = await trainTfjs(initNetwork(tiny, { seed: 8 }), data, config);
    // The live weights train exactly as without an average.
    one.sgd.state.master.forEach((m, k) => expect(Array.from(m)).toEqual(Array.from(live.sgd.state.master[k])));
    expect(one.history.map((h) => h.liveValidationAccuracy)).toEqual(live.history.map((h) => h.validationAccuracy));
    two.sgd.state.average!.forEach((a, k) => expect(Array.from(a)).toEqual(Array.from(one.sgd.state.average![k])));
    expect(weightsOf(two.bestNetwork)).toEqual(weightsOf(one.bestNetwork));
    // The model is the average's: its exported network, scored by the integer ANN, gives the validation figure.
    const last = one.history[one.history.length - 1];
    const ofAverage = quantiseNetwork(one.bestNetwork, one.sgd.state.average!.map((a, k) => Float64Array.from(a, (v, i) => (i < one.sgd.weightCounts[k] ? v / one.sgd.units[k] : v))), config.weightBits);
    if (one.best!.epoch === one.history.length) expect(weightsOf(one.bestNetwork)).toEqual(weightsOf(ofAverage));
    expect((await evaluate(ofAverage, data.validation)).accuracy).toBe(last.validationAccuracy);
    expect(weightsOf(one.bestNetwork)).not.toEqual(weightsOf(live.bestNetwork));
  });

  it('a run resumed from a checkpoint file ends with the same average as an uninterrupted one', async () => {
    let afterFirst: Uint8Array | undefined;
    const straight = await trainTfjs(initNetwork(tiny, { seed: 5 }), data, averaged, { onEpoch: (record, ckpt) => void (record.epoch === 1 && (afterFirst = encodeCheckpoint(ckpt))) });
    const resumed = await trainTfjs(initNetwork(tiny, { seed: 99 }), data, { ...averaged, workers: 2 }, {}, decodeCheckpoint(afterFirst!));
    resumed.sgd.state.average!.forEach((a, k) => expect(Array.from(a)).toEqual(Array.from(straight.sgd.state.average![k])));
    expect(weightsOf(resumed.bestNetwork)).toEqual(weightsOf(straight.bestNetwork));
    const withoutAverage = decodeCheckpoint(afterFirst!);
    delete withoutAverage.optimizer.average;
    await expect(trainTfjs(initNetwork(tiny, { seed: 99 }), data, averaged, {}, withoutAverage)).rejects.toThrow(/--resume: the run keeps a weight average \(--ema\), and its checkpoint holds none/);
  });
});

describe('export', () => {
  it('picks a power-of-two Θ per layer from the largest weight', () => {
    expect(powerOfTwoTheta(0.5, 14)).toBe(2 ** 15);
    expect(powerOfTwoTheta(3, 10)).toBe(2 ** 8);
    expect(powerOfTwoTheta(0, 10)).toBe(2 ** 10);
  });

  it('rounds W·Θ half away from zero and keeps Θbp chained to the Θ above', () => {
    const template = initNetwork(tiny, { seed: 1 });
    const [conv, dense] = template.layers.filter(hasWeights);
    const real = [conv, dense].map((l) => Float64Array.from(realParameters(l).flatMap((values) => Array.from(values))));
    real[1][0] = 0.5 + 1 / 2 ** 12; // the dense layer's largest weight: Θ = 2^(10+1), and ·Θ = 1024.5, a tie rounded up
    const exported = quantiseNetwork(template, real, 10);
    const [c, pool, , d] = exported.layers as { theta: number; thetaBp: number; weights?: Float64Array }[];
    expect(d.theta).toBe(2 ** 11);
    expect(c.thetaBp).toBe(4);
    expect(pool.thetaBp).toBe(d.theta);
    expect(d.thetaBp).toBe(d.theta);
    // [in][out] index 0 is weight (out 0, in 0) in the network layout.
    expect(d.weights![0]).toBe(Math.round((0.5 + 1 / 2 ** 12) * 2 ** 11));
    expect(exported.layers.filter(hasWeights).every((l) => [...l.weights, ...l.bias].every(Number.isSafeInteger))).toBe(true);
  });
});

describe('augmentation', () => {
  it('translates an image by whole pixels, zeros shifted in', () => {
    const image = Float32Array.from({ length: 2 * 3 * 4 }, (_, i) => i + 1); // [c=2][y=3][x=4]
    const out = new Float32Array(image.length);
    shiftImage(image, [2, 3, 4], 1, -2, out);
    // channel 0: row 0 is shifted in (zeros); row 1 = source row 0 moved left by 2: [3, 4, 0, 0]
    expect(Array.from(out.subarray(0, 12))).toEqual([0, 0, 0, 0, 3, 4, 0, 0, 7, 8, 0, 0]);
    expect(Array.from(out.subarray(12))).toEqual([0, 0, 0, 0, 15, 16, 0, 0, 19, 20, 0, 0]);
  });

  it('draws the same transforms for the same (seed, epoch, step), within their ranges, and others for another step', () => {
    const range = { shift: 2, rotate: 10, scale: 0.1, flip: true };
    const a = batchTransforms(1, 2, 3, 50, range);
    expect(Array.from(batchTransforms(1, 2, 3, 50, range))).toEqual(Array.from(a));
    expect(Array.from(batchTransforms(1, 2, 4, 50, range))).not.toEqual(Array.from(a));
    const column = (k: number, t: Float32Array = a) => Array.from(t).filter((_, i) => i % TRANSFORM_SIZE === k);
    const shifts = [...column(0), ...column(1)];
    expect(shifts.every((v) => Number.isInteger(v) && v >= -2 && v <= 2)).toBe(true);
    expect(new Set(shifts).size).toBe(5);
    expect(column(2).every((v) => Math.abs(v) <= (10 * Math.PI) / 180 + 1e-7)).toBe(true);
    expect(column(3).every((v) => v >= 0.9 - 1e-7 && v <= 1.1 + 1e-7)).toBe(true);
    expect(new Set(column(2)).size).toBe(50);
    // Mirrors are 0 or 1, both drawn.
    expect(new Set(column(4))).toEqual(new Set([0, 1]));
    // A shift-only run draws only translations, the same ones: angle 0, zoom 1, not mirrored.
    const shiftOnly = batchTransforms(1, 2, 3, 50, { shift: 2, rotate: 0, scale: 0, flip: false });
    for (const k of [0, 1]) expect(column(k, shiftOnly)).toEqual(column(k));
    expect([...column(2, shiftOnly), ...column(4, shiftOnly)].every((v) => v === 0)).toBe(true);
    expect(column(3, shiftOnly).every((v) => v === 1)).toBe(true);
    // Adding mirrors leaves the other draws as they were.
    const noFlip = batchTransforms(1, 2, 3, 50, { ...range, flip: false });
    for (const k of [0, 1, 2, 3]) expect(column(k, noFlip)).toEqual(column(k));
  });

  it('mirrors left to right before moving, with the plain and the warped sampler alike', () => {
    const image = Float32Array.from({ length: 2 * 3 * 4 }, (_, i) => i + 1); // [c=2][y=3][x=4]
    const mirrored = new Float32Array(image.length);
    shiftImage(image, [2, 3, 4], 0, 0, mirrored, 0, true);
    expect(Array.from(mirrored.subarray(0, 12))).toEqual([4, 3, 2, 1, 8, 7, 6, 5, 12, 11, 10, 9]);
    expect(Array.from(mirrored.subarray(12))).toEqual([16, 15, 14, 13, 20, 19, 18, 17, 24, 23, 22, 21]);
    // Mirrored, then moved right by 1: the first column is shifted in.
    const moved = new Float32Array(image.length);
    shiftImage(image, [2, 3, 4], 0, 1, moved, 0, true);
    expect(Array.from(moved.subarray(0, 4))).toEqual([0, 4, 3, 2]);
    // The warped sampler mirrors the same way.
    const square = Float32Array.from({ length: 9 }, (_, i) => 10 * (i + 1));
    const out = new Float32Array(9);
    transformImage(square, [1, 3, 3], [0, 0, 0, 1, 1], out);
    expect(Array.from(out)).toEqual([30, 20, 10, 60, 50, 40, 90, 80, 70]);
    transformImage(square, [1, 3, 3], [0, 0, Math.PI / 2, 1, 1], out);
    // Mirrored first, then turned: the quarter turn of the mirrored image.
    const turned = new Float32Array(9);
    transformImage(Float32Array.from([30, 20, 10, 60, 50, 40, 90, 80, 70]), [1, 3, 3], [0, 0, Math.PI / 2, 1, 0], turned);
    expect(Array.from(out)).toEqual(Array.from(turned));
    transformImage(square, [1, 3, 3], [0, 0, Math.PI / 2, 1, 0], turned);
    expect(Array.from(out)).not.toEqual(Array.from(turned));
  });

  it('distorts elastically: a smooth field made from its seed alone, bounded by α, integer samples', () => {
    const a = elasticField(7, 28, 28, 34, 4);
    const ux = Float64Array.from(a.ux), uy = Float64Array.from(a.uy);
    const b = elasticField(7, 28, 28, 34, 4);
    expect(Array.from(b.ux)).toEqual(Array.from(ux));
    expect(Array.from(b.uy)).toEqual(Array.from(uy));
    expect(Array.from(elasticField(8, 28, 28, 34, 4).ux)).not.toEqual(Array.from(ux));
    // A weighted mean of values in [−1, 1) times α, and smooth: neighbours differ far less than α.
    expect(ux.every((v) => Math.abs(v) < 34)).toBe(true);
    expect(Math.max(...ux.map(Math.abs))).toBeGreaterThan(0.5);
    let step = 0;
    for (let y = 0; y < 28; y++) for (let x = 1; x < 28; x++) step = Math.max(step, Math.abs(ux[y * 28 + x] - ux[y * 28 + x - 1]));
    expect(step).toBeLessThan(0.2 * 34);
    // Half the scale, half the field.
    const half = elasticField(7, 28, 28, 17, 4);
    half.ux.forEach((v, p) => expect(v).toBeCloseTo(ux[p] / 2, 12));
    const image = Float32Array.from({ length: 784 }, (_, i) => (i * 37) % 256);
    const out = new Float32Array(784);
    transformImage(image, [1, 28, 28], [0, 0, 0, 1, 0, 7, 34, 4], out);
    expect(out.every((v) => Number.isInteger(v) && v >= 0 && v <= 255)).toBe(true);
    expect(Array.from(out)).not.toEqual(Array.from(image));
    // α 0 is the plain transform, whatever the seed.
    const plain = new Float32Array(784);
    shiftImage(image, [1, 28, 28], 1, 0, plain);
    transformImage(image, [1, 28, 28], [1, 0, 0, 1, 0, 7, 0, 4], out);
    expect(Array.from(out)).toEqual(Array.from(plain));
  });

  it('draws field seeds after every other transform, so runs without them draw what they always drew', () => {
    const range = { shift: 2, rotate: 10, scale: 0.1, flip: true };
    const column = (k: number, t: Float32Array) => Array.from(t).filter((_, i) => i % TRANSFORM_SIZE === k);
    const without = batchTransforms(1, 2, 3, 50, range);
    const withField = batchTransforms(1, 2, 3, 50, { ...range, elastic: 34, elasticSigma: 5 });
    for (const k of [0, 1, 2, 3, 4]) expect(column(k, withField)).toEqual(column(k, without));
    expect(column(5, without).every((v) => v === 0) && column(6, without).every((v) => v === 0)).toBe(true);
    const seeds = column(5, withField);
    expect(seeds.every((v) => Number.isInteger(v) && v >= 1 && v < 2 ** 24)).toBe(true);
    expect(new Set(seeds).size).toBe(50);
    expect(column(6, withField).every((v) => v === 34) && column(7, withField).every((v) => v === 5)).toBe(true);
  });

  it('rotates and zooms about the centre with rounded bilinear samples', () => {
    const image = Float32Array.from({ length: 9 }, (_, i) => 10 * (i + 1)); // [1][3][3]
    const out = new Float32Array(9);
    // A quarter turn permutes the pixels exactly.
    transformImage(image, [1, 3, 3], [0, 0, Math.PI / 2, 1], out);
    expect([...out].sort((p, q) => p - q)).toEqual([...image]);
    expect(out[4]).toBe(50);
    expect(out).not.toEqual(image);
    // Zooming in by 2 keeps the centre and samples half-way between it and its neighbours.
    transformImage(image, [1, 3, 3], [0, 0, 0, 2], out);
    expect(Array.from(out)).toEqual([30, 35, 40, 45, 50, 55, 60, 65, 70]);
    // Zooming out by 2 samples outside the image for the corners: (10·0 + 10·0 + 0 + 10)/4 … rounded.
    transformImage(image, [1, 3, 3], [0, 0, 0, 0.5], out);
    expect(out[4]).toBe(50);
    expect(out.every((v) => Number.isInteger(v))).toBe(true);
    // The identity transform is the plain shift.
    const shifted = new Float32Array(9);
    shiftImage(image, [1, 3, 3], 1, 0, shifted);
    transformImage(image, [1, 3, 3], [1, 0, 0, 1], out);
    expect(Array.from(out)).toEqual(Array.from(shifted));
  });

  it('with the spike gradient, augmented training does not depend on the worker count either', async () => {
    const shifted = { ...config, shift: 2, rotate: 8, scale: 0.1, flip: true, elastic: 6, elasticSigma: 2, epochs: 1 };
    const one = await trainTfjs(initNetwork(tiny, { seed: 6 }), data, shifted);
    const two = await trainTfjs(initNetwork(tiny, { seed: 6 }), data, { ...shifted, workers: 2 });
    const plain = await trainTfjs(initNetwork(tiny, { seed: 6 }), data, { ...config, epochs: 1 });
    expect(Array.from(two.sgd.state.master[0])).toEqual(Array.from(one.sgd.state.master[0]));
    expect(Array.from(plain.sgd.state.master[0])).not.toEqual(Array.from(one.sgd.state.master[0]));
  });
});
