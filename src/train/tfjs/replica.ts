/**
 * One TensorFlow.js copy of the network with its data: computes summed gradients of a mini-batch and
 * scores a range of images, always with the weights currently in `weights` (shared memory when it runs
 * in a worker). The same class serves this thread and every worker thread.
 */
import * as tf from '@tensorflow/tfjs-core';
import { TfjsNetwork, type BatchGradients, type TfjsNetworkOptions } from './tfjsNetwork.js';
import type { Network } from '../../network/topology.js';
import type { Dataset } from '../data/dataset.js';
import { BatchBuilder } from './batchTensors.js';

const EVALUATION_BATCH = 500;

export class TfjsReplica {
  readonly model: TfjsNetwork;
  private readonly builders = new Map<string, BatchBuilder>();

  constructor(
    network: Network,
    options: TfjsNetworkOptions,
    private readonly data: ReadonlyMap<string, Dataset>,
    /** Per parameter tensor (weights, bias of each weighted layer), tfjs layout, real units. */
    readonly weights: readonly Float32Array[],
    maxBatch: number,
    /** Where gradients go, same layout (shared memory when it runs in a worker). */
    readonly grads: readonly Float32Array[] = weights.map((w) => new Float32Array(w.length)),
  ) {
    this.model = new TfjsNetwork(network, options);
    for (const [name, d] of data) this.builders.set(name, new BatchBuilder(d, Math.max(maxBatch, EVALUATION_BATCH)));
  }

  private params(): tf.Tensor[] {
    return this.model.params.flatMap((shapes, k) => [tf.tensor(this.weights[2 * k], shapes.weights), tf.tensor(this.weights[2 * k + 1], shapes.bias)]);
  }

  private builder(dataset: string): BatchBuilder {
    const b = this.builders.get(dataset);
    if (!b) throw new Error(`no data set "${dataset}" in this replica`);
    return b;
  }

  /** `dropoutMasks`: one mask row per image (dropout.ts), or none. */
  gradients(dataset: string, indices: ArrayLike<number>, transforms?: Float32Array, dropoutMasks?: Float32Array): BatchGradients {
    const params = this.params();
    const batch = this.builder(dataset).build(indices, transforms);
    try {
      return this.model.gradients(batch.x, batch.targets, batch.labels, params, [...this.grads], dropoutMasks);
    } finally {
      tf.dispose([...params, batch.x, batch.targets]);
    }
  }

  /** Summed loss and correct predictions over images [from, to). */
  evaluate(dataset: string, from: number, to: number): { loss: number; correct: number } {
    const params = this.params();
    const builder = this.builder(dataset);
    let loss = 0, correct = 0;
    try {
      for (let start = from; start < to; start += EVALUATION_BATCH) {
        const end = Math.min(to, start + EVALUATION_BATCH);
        const batch = builder.build(Int32Array.from({ length: end - start }, (_, i) => start + i));
        const r = this.model.evaluate(batch.x, batch.labels, params);
        tf.dispose([batch.x, batch.targets]);
        loss += r.loss;
        correct += r.correct;
      }
    } finally {
      tf.dispose(params);
    }
    return { loss, correct };
  }
}
