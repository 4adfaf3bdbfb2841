/**
 * Who computes a mini-batch's summed increments for the exact engine: the integer ANN in this thread,
 * or worker threads that each take a contiguous part of the batch. Weights live in shared memory that
 * the optimizer updates in place; the range of the new weights (inputs up to 255: 8-bit images) is
 * checked once here per step; increments are integers, so their sum is the same in any order and for
 * any number of workers.
 */
import * as Comlink from 'comlink';
import { IntegerAnn } from '../equivalence/integerAnn.js';
import { assertExactRange } from '../equivalence/rangeGuard.js';
import { crossEntropy } from '../equivalence/topError.js';
import { networkSpec } from '../network/build.js';
import { hasWeights, type Network } from '../network/topology.js';
import type { Maybe } from '../actors/compute.js';
import { WorkerPool } from '../actors/workers/workerPool.js';
import type { TrainApi } from '../actors/workers/trainWorker.js';
import { imageAt, imageSize, type Dataset } from './data/dataset.js';
import type { LayerIncrements } from './optimizer.js';

export interface BatchOutcome {
  increments: LayerIncrements[];
  loss: number;
  correct: number;
}

export interface BatchRunner {
  run(train: Dataset, indices: ArrayLike<number>, alpha: number): Maybe<BatchOutcome>;
  /** After every optimizer step. */
  weightsChanged(): void;
  close(): Promise<void>;
}

/** Forward, backward and summed increments of some examples on one integer ANN. */
export function runExamples(ann: IntegerAnn, images: (k: number) => ArrayLike<number>, labels: ArrayLike<number>, count: number, alpha: number): BatchOutcome {
  const top = ann.layers[ann.layers.length - 1];
  ann.clearIncrements();
  let loss = 0, correct = 0;
  for (let k = 0; k < count; k++) {
    if (ann.run(images(k), labels[k], alpha) === labels[k]) correct++;
    loss += crossEntropy(ann.top.a, top.theta, labels[k]);
  }
  const increments = ann.layers.flatMap((l, i) => (hasWeights(l) ? [{ dW: ann.state[i].dW, db: ann.state[i].db }] : []));
  return { increments, loss, correct };
}

export class LocalBatchRunner implements BatchRunner {
  readonly ann: IntegerAnn;
  constructor(network: Network) {
    this.ann = new IntegerAnn(network);
  }
  run(train: Dataset, indices: ArrayLike<number>, alpha: number): BatchOutcome {
    const labels = Array.from(indices, (i) => train.labels[i]);
    return runExamples(this.ann, (k) => imageAt(train, indices[k]), labels, indices.length, alpha);
  }
  weightsChanged(): void {
    this.ann.weightsChanged();
  }
  async close(): Promise<void> {}
}

/** Move a weighted layer's parameters into shared memory (values kept), so workers see every update. */
function shareParameters(network: Network): void {
  for (const layer of network.layers.filter(hasWeights)) {
    const w = new Float64Array(new SharedArrayBuffer(layer.weights.byteLength));
    w.set(layer.weights);
    const b = new Float64Array(new SharedArrayBuffer(layer.bias.byteLength));
    b.set(layer.bias);
    layer.weights = w;
    layer.bias = b;
  }
}

export class ParallelBatchRunner implements BatchRunner {
  private readonly pool: WorkerPool<TrainApi>;
  private ready: Promise<unknown>;
  private readonly parts: Float64Array[][];
  private readonly sums: { dW: Float64Array; db: Float64Array }[];

  private constructor(
    private readonly network: Network,
    workers: number,
  ) {
    shareParameters(network);
    this.pool = new WorkerPool<TrainApi>('trainWorker', workers);
    const spec = networkSpec(network);
    const sizes = network.layers.filter(hasWeights).flatMap((l) => [l.weights.length, l.bias.length]);
    // Re-used buffers: this VM pays for every freshly touched page.
    this.parts = this.pool.handles.map(() => sizes.map((n) => new Float64Array(new SharedArrayBuffer(8 * n))));
    this.sums = network.layers.filter(hasWeights).map((l) => ({ dW: new Float64Array(l.weights.length), db: new Float64Array(l.bias.length) }));
    this.ready = Promise.all(this.pool.handles.map((h) => h.call('start-up', (api) => api.init(spec, this.parts[h.id]))));
    // Closed before any step (nothing left to train): the start-up failure is nobody's concern.
    this.ready.catch(() => {});
  }

  /** Create before the optimizer: the network's parameter arrays are replaced by shared ones. */
  static create(network: Network, workers: number): ParallelBatchRunner {
    return new ParallelBatchRunner(network, workers);
  }

  async run(train: Dataset, indices: ArrayLike<number>, alpha: number): Promise<BatchOutcome> {
    await this.ready;
    const size = imageSize(train);
    const n = indices.length;
    // One range check here for the new shared weights, instead of one in every worker.
    if (this.checked?.alpha !== alpha || this.checked.examples < n) {
      const bounds = assertExactRange(this.network, 255, alpha, n);
      this.checked = { alpha, examples: n, maxIncrement: Math.max(...bounds.map((b) => b.increment)) };
    }
    const range = { maxAbsInput: 255, alpha, maxIncrement: this.checked.maxIncrement };
    const parts = await Promise.all(
      this.pool.handles.map((h) => {
        const from = Math.floor((h.id * n) / this.pool.size);
        const to = Math.floor(((h.id + 1) * n) / this.pool.size);
        const images = new Uint8Array((to - from) * size);
        const labels = new Uint8Array(to - from);
        for (let k = from; k < to; k++) {
          images.set(imageAt(train, indices[k]), (k - from) * size);
          labels[k - from] = train.labels[indices[k]];
        }
        return h.call('a training step', (api) => api.run(Comlink.transfer(images, [images.buffer]), Comlink.transfer(labels, [labels.buffer]), range));
      }),
    );
    const increments = this.sums;
    let loss = 0, correct = 0;
    for (const s of increments) {
      s.dW.fill(0);
      s.db.fill(0);
    }
    parts.forEach((p, w) => {
      increments.forEach((sum, k) => {
        const [dW, db] = [this.parts[w][2 * k], this.parts[w][2 * k + 1]];
        for (let i = 0; i < dW.length; i++) sum.dW[i] += dW[i];
        for (let i = 0; i < db.length; i++) sum.db[i] += db[i];
      });
      loss += p.loss;
      correct += p.correct;
    });
    return { increments, loss, correct };
  }

  weightsChanged(): void {
    this.checked = null;
  }

  private checked: { alpha: number; examples: number; maxIncrement: number } | null = null;

  close(): Promise<void> {
    return this.pool.close();
  }
}
