/**
 * Who computes a mini-batch's summed increments for the exact engine: the integer ANN in this thread,
 * or worker threads that each take a contiguous part of the batch. Weights live in shared memory that
 * the optimizer updates in place; the range of the new weights is checked once here per step, for the
 * largest pixel of the data; increments are integers, so their sum is the same in any order and for
 * any number of workers.
 */
import * as Comlink from 'comlink';
import { IntegerAnn } from '../../equivalence/integerAnn.js';
import { assertExactRange } from '../../equivalence/rangeGuard.js';
import { networkSpec } from '../../network/build.js';
import { hasWeights, type Network } from '../../network/topology.js';
import { partRange } from '../../workers/partition.js';
import { WorkerPool } from '../../workers/pool.js';
import { sharedArray, sharedCopy } from '../../workers/shared.js';
import { workerModule } from '../../workers/spawn.js';
import { imageAt, imageSize, largestPixel, type Dataset } from '../data/dataset.js';
import { runExamples, type BatchOutcome } from './examples.js';
import type { CheckedRange, TrainApi } from './trainWorker.js';

const TRAIN_WORKER = workerModule(import.meta.url, 'trainWorker');

export interface BatchRunner {
  run(train: Dataset, indices: ArrayLike<number>, alpha: number): Promise<BatchOutcome>;
  /** After every optimizer step. */
  weightsChanged(): void;
  close(): Promise<void>;
}

export class LocalBatchRunner implements BatchRunner {
  readonly ann: IntegerAnn;
  constructor(network: Network) {
    this.ann = new IntegerAnn(network);
  }
  async run(train: Dataset, indices: ArrayLike<number>, alpha: number): Promise<BatchOutcome> {
    const labels = Array.from(indices, (i) => train.labels[i]);
    return runExamples(this.ann, (k) => imageAt(train, indices[k]), labels, indices.length, alpha);
  }
  weightsChanged(): void {
    this.ann.weightsChanged();
  }
  async close(): Promise<void> {}
}

/**
 * Create before the optimizer: the network's parameter arrays are replaced by copies in shared memory
 * (values kept), so the workers see every update.
 */
export class ParallelBatchRunner implements BatchRunner {
  private readonly pool: WorkerPool<TrainApi>;
  private readonly ready: Promise<unknown>;
  private readonly parts: Float64Array[][];
  private readonly sums: { dW: Float64Array; db: Float64Array }[];
  private checked: CheckedRange & { examples: number } | null = null;

  constructor(
    private readonly network: Network,
    workers: number,
  ) {
    for (const layer of network.layers.filter(hasWeights)) {
      layer.weights = sharedCopy(layer.weights);
      layer.bias = sharedCopy(layer.bias);
    }
    this.pool = new WorkerPool<TrainApi>('exact', TRAIN_WORKER, workers);
    const spec = networkSpec(network);
    const sizes = network.layers.filter(hasWeights).flatMap((l) => [l.weights.length, l.bias.length]);
    // Re-used buffers: this VM pays for every freshly touched page.
    this.parts = this.pool.handles.map(() => sizes.map((n) => sharedArray(Float64Array, n)));
    this.sums = network.layers.filter(hasWeights).map((l) => ({ dW: new Float64Array(l.weights.length), db: new Float64Array(l.bias.length) }));
    this.ready = Promise.all(this.pool.handles.map((h) => h.call('start-up', (api) => api.init(spec, this.parts[h.id]))));
    // Closed before any step (nothing left to train): the start-up failure is nobody's concern.
    this.ready.catch(() => {});
  }

  async run(train: Dataset, indices: ArrayLike<number>, alpha: number): Promise<BatchOutcome> {
    await this.ready;
    const size = imageSize(train);
    const n = indices.length;
    const maxAbsInput = largestPixel(train);
    // One range check here for the new shared weights, instead of one in every worker.
    if (this.checked?.alpha !== alpha || this.checked.examples < n || this.checked.maxAbsInput !== maxAbsInput) {
      const bounds = assertExactRange(this.network, maxAbsInput, alpha, n);
      this.checked = { maxAbsInput, alpha, examples: n, maxIncrement: Math.max(...bounds.map((b) => b.increment)) };
    }
    const range: CheckedRange = { maxAbsInput, alpha, maxIncrement: this.checked.maxIncrement };
    const parts = await Promise.all(
      this.pool.handles.map((h) => {
        const [from, to] = partRange(n, this.pool.size, h.id);
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

  close(): Promise<void> {
    return this.pool.close();
  }
}
