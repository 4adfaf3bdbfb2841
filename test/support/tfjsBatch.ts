/** Integer networks and batches for the TensorFlow.js mirror's tests, in its layouts. */
import * as tf from '@tensorflow/tfjs-core';
import type { Architecture } from '../../src/network/architecture.js';
import { buildNetwork, type LayerParams } from '../../src/network/build.js';
import { hasWeights, sizeOf, type Network } from '../../src/network/topology.js';
import { Rng } from '../../src/random.js';
import { realParameters } from '../../src/train/tfjs/paramLayout.js';
import type { TfjsNetwork } from '../../src/train/tfjs/tfjsNetwork.js';

/** Seeded integer weights in [−24, 24] and biases in [−64, 64]. */
export function randomNetwork(arch: Architecture, seed: number): Network {
  const rng = new Rng(seed);
  const shapes = buildNetwork(arch);
  const params: (LayerParams | undefined)[] = shapes.layers.map((l) =>
    hasWeights(l) ? { weights: Float64Array.from(l.weights, () => rng.int(-24, 24)), bias: Float64Array.from(l.bias, () => rng.int(-64, 64)) } : undefined,
  );
  return buildNetwork(arch, params);
}

/** The network's real-unit parameters as the mirror's tensors. */
export function paramsOf(network: Network, model: TfjsNetwork): tf.Tensor[] {
  return network.layers.filter(hasWeights).flatMap((l, k) => {
    const [weights, bias] = realParameters(l);
    return [tf.tensor(Float32Array.from(weights), model.params[k].weights), tf.tensor(Float32Array.from(bias), model.params[k].bias)];
  });
}

/** A batch of inputs (8-bit-like, some negative for vector inputs) in the integer layout [n][c][y][x]. */
export function inputs(network: Network, count: number, rng: Rng): Float64Array[] {
  const size = sizeOf(network.layers[0].inShape);
  const image = network.inputShape.length === 3;
  return Array.from({ length: count }, () => Float64Array.from({ length: size }, () => (image ? rng.int(0, 255) : rng.int(-40, 40))));
}

/** NHWC (or [n, features]) tensor of the batch. */
export function inputTensor(network: Network, batch: Float64Array[]): tf.Tensor {
  if (network.inputShape.length === 1) return tf.tensor2d(batch.map((x) => Array.from(x)));
  const [c, h, w] = network.inputShape;
  const out = new Float32Array(batch.length * c * h * w);
  batch.forEach((x, n) => {
    for (let ch = 0; ch < c; ch++) for (let p = 0; p < h * w; p++) out[n * c * h * w + p * c + ch] = x[ch * h * w + p];
  });
  return tf.tensor4d(out, [batch.length, h, w, c]);
}

