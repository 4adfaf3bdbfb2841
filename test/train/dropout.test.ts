/**
 * Dropout in the tfjs engine: seeded masks of whole-number factors; in the mirror, a unit's mask m is
 * exactly the layer above reading its spikes m times (forward, and the error reaching it back); in
 * training, the weights do not depend on the worker count.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import type { Architecture, LayerArch } from '../../src/network/architecture.js';
import { initNetwork } from '../../src/network/init.js';
import { chainThetaBp } from '../../src/network/presets.js';
import { hasWeights, type DenseLayer, type Network } from '../../src/network/topology.js';
import { Rng } from '../../src/random.js';
import { sliceDataset } from '../../src/train/data/dataset.js';
import { loadDataset } from '../../src/train/data/sources.js';
import { useBackend } from '../../src/train/tfjs/backend.js';
import { droppedLayers, dropoutFactor, dropoutMasks } from '../../src/train/tfjs/dropout.js';
import { TfjsNetwork } from '../../src/train/tfjs/tfjsNetwork.js';
import { trainTfjs, type TfjsTrainConfig } from '../../src/train/tfjs/tfjsTrainer.js';
import { inputs, inputTensor, paramsOf, randomNetwork } from '../support/tfjsBatch.js';
import { tinyMnistTopology } from '../support/tinyTopology.js';

const relu = 'relu' as const;
const convDense: Architecture = {
  inputShape: [2, 8, 8],
  layers: chainThetaBp([
    { kind: 'conv2d', channels: 3, kernel: 3, stride: 1, padding: 1, activation: relu, theta: 64, thetaBp: 1 },
    { kind: 'avgpool', size: 2, weight: 1, activation: 'linear', theta: 4, thetaBp: 1 },
    { kind: 'flatten' },
    { kind: 'dense', units: 6, activation: relu, theta: 16, thetaBp: 1 },
    { kind: 'dense', units: 5, activation: 'linear', theta: 32, thetaBp: 1 },
  ] as LayerArch[]),
};

describe('dropout masks', () => {
  it('take whole-number factors only, and say which rates those are', () => {
    expect([0, 0.5, 0.6667, 0.75, 0.9].map((p) => dropoutFactor(p))).toEqual([0, 2, 3, 4, 10]);
    for (const p of [0.3, 0.55, 1]) expect(() => dropoutFactor(p)).toThrow(InputError);
    expect(() => dropoutFactor(0.3)).toThrow(/--dropout: expected a rate 1 − 1\/k for a whole k ≥ 2 \(0\.5, 0\.6667, 0\.75, 0\.8, 0\.9, ….*found 0\.3/);
  });

  it('are a function of (seed, epoch, step): k with probability 1/k, else 0', () => {
    const masks = dropoutMasks(1, 2, 3, 32, 4, 300);
    expect(Array.from(dropoutMasks(1, 2, 3, 32, 4, 300))).toEqual(Array.from(masks));
    expect(Array.from(dropoutMasks(1, 2, 4, 32, 4, 300))).not.toEqual(Array.from(masks));
    expect(masks.every((m) => m === 0 || m === 4)).toBe(true);
    const kept = masks.filter((m) => m === 4).length / masks.length;
    expect(kept).toBeGreaterThan(0.23);
    expect(kept).toBeLessThan(0.27);
  });

  it('cover the hidden dense layers, never the classification layer', () => {
    const network = randomNetwork(convDense, 1);
    expect(droppedLayers(network)).toEqual([{ layer: 3, offset: 0, units: 6 }]);
    expect(droppedLayers(initNetwork(tinyMnistTopology(), { seed: 1 }))).toEqual([]);
  });
});

describe('dropout in the mirror', () => {
  it("a unit's mask m equals the layer above reading it m times: the same gradients, that column's m times theirs", async () => {
    await useBackend('cpu');
    const network = randomNetwork(convDense, 5);
    const m = [0, 1, 2, 3, 0, 2];
    // The same network with column u of the layer above multiplied by m[u].
    const scaled: Network = structuredClone(network);
    const top = scaled.layers[4] as DenseLayer;
    for (let k = 0; k < top.units; k++) for (let u = 0; u < 6; u++) top.weights[k * 6 + u] *= m[u];
    const batch = inputs(network, 3, new Rng(2));
    const labels = [0, 3, 4];
    const grads = (net: Network, masks?: Float32Array) => {
      const model = new TfjsNetwork(net, { gradient: 'spike', alpha: 20 });
      const params = paramsOf(net, model);
      const x = inputTensor(net, batch);
      const targets = tf.oneHot(tf.tensor1d(labels, 'int32'), model.classes).toFloat() as tf.Tensor2D;
      const r = model.gradients(x, targets, labels, params, undefined, masks);
      tf.dispose([...params, x, targets]);
      return r;
    };
    const dropped = grads(network, Float32Array.from({ length: 3 * 6 }, (_, i) => m[i % 6]));
    const reference = grads(scaled);
    expect(dropped.loss).toBe(reference.loss);
    // Every gradient but the top layer's weights (tfjs layout [out][in]) is the reference's, bit for bit.
    for (const k of [0, 1, 3]) expect(Array.from(dropped.grads[k])).toEqual(Array.from(reference.grads[k]));
    expect(dropped.grads[0].some((g) => g !== 0)).toBe(true);
    const column = (g: Float32Array, u: number) => Array.from({ length: 5 }, (_, k) => g[k * 6 + u]);
    for (let u = 0; u < 6; u++) expect(column(dropped.grads[2], u)).toEqual(column(reference.grads[2], u).map((g) => g * m[u] + 0));
  });
});

describe('dropout in training', () => {
  const splits = loadDataset('mnist');
  const data = { train: sliceDataset(splits.train, 0, 320), validation: sliceDataset(splits.validation, 0, 100), test: sliceDataset(splits.test, 0, 100) };
  const hidden: Architecture = { ...tinyMnistTopology(), layers: [...tinyMnistTopology().layers.slice(0, 3), { kind: 'dense', units: 16, activation: relu, theta: 1024, thetaBp: 1024 }, tinyMnistTopology().layers[3]] };
  const config: TfjsTrainConfig = {
    epochs: 1, batch: 16, alpha: 50, seed: 3, inputScale: 255, gradient: 'spike', backend: 'wasm', weightBits: 9, workers: 1, dropout: 0.5,
    optimizer: { lr: 0.02, momentum: 0.9, weightDecay: 1e-4, schedule: 'cosine' },
  };
  const masters = (r: Awaited<ReturnType<typeof trainTfjs>>) => r.sgd.state.master.map((m) => Array.from(m));

  it('gives the same weights with one worker and two, and not those of a run without it', async () => {
    const network = () => initNetwork(hidden, { seed: 4 });
    expect(network().layers.filter(hasWeights)).toHaveLength(3);
    const one = await trainTfjs(network(), data, config);
    const two = await trainTfjs(network(), data, { ...config, workers: 2 });
    const without = await trainTfjs(network(), data, { ...config, dropout: 0 });
    expect(masters(two)).toEqual(masters(one));
    expect(masters(without)).not.toEqual(masters(one));
  });

  it('is refused for a topology with no hidden dense layer', async () => {
    await expect(trainTfjs(initNetwork(tinyMnistTopology(), { seed: 4 }), data, config)).rejects.toThrow(/--dropout: the topology has no hidden dense layer/);
  });
});
