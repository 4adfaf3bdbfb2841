/**
 * The replicas that compute a step: one in this thread, or one per worker thread (each with its own
 * backend) over weights and data in shared memory. Gradients of a mini-batch's parts are summed in
 * worker order, so a seed and a worker count determine the result.
 */
import * as Comlink from 'comlink';
import { partRange } from '../../workers/partition.js';
import { WorkerPool } from '../../workers/pool.js';
import { sharedArray, sharedCopy } from '../../workers/shared.js';
import { workerModule } from '../../workers/spawn.js';
import { stepBarrier } from '../../workers/stepBarrier.js';
import { useBackend, type BackendRequest } from './backend.js';
import type { TfjsNetworkOptions } from './tfjsNetwork.js';
import { networkSpec } from '../../network/build.js';
import type { Network } from '../../network/topology.js';
import { imageSize, type Dataset } from '../data/dataset.js';
import { updateSlice, type SgdLayout, type StepCoefficients } from '../optimizer.js';
import { TRANSFORM_SIZE } from './augment.js';
import { TfjsReplica } from './replica.js';
import type { TfjsWorkerApi } from './tfjsWorker.js';

const TFJS_WORKER = workerModule(import.meta.url, 'tfjsWorker');

export interface StepGradients {
  loss: number;
  correct: number;
  /** Images back-propagated (those with a non-zero top error). */
  backpropagated: number;
}

export interface ReplicaSet {
  /** The backend that computes (as the first replica reports it). */
  readonly backend: string;
  /** Real weights every replica reads at its next call. */
  readonly weights: Float32Array[];
  /** `transforms`: one augmentation transform per image (augment.ts), or none; `dropoutMasks`: one mask row per image (dropout.ts), or none. */
  gradients(dataset: string, indices: Int32Array, transforms?: Float32Array, dropoutMasks?: Float32Array): Promise<StepGradients>;
  /**
   * The optimizer step from the last gradients: updates the optimizer's state (`optimizer` of the
   * configuration) and the weights; each worker takes a slice of every layer. Workers take it at the
   * start of the next `gradients` call: `settle` before reading the state or the weights here.
   */
  update(coefficients: StepCoefficients): Promise<void>;
  /** Applies an optimizer step still pending (see `update`). */
  settle(): Promise<void>;
  /** Summed loss and correct predictions over the first `count` images. */
  evaluate(dataset: string, count: number): Promise<{ loss: number; correct: number }>;
  close(): Promise<void>;
}

export interface ReplicaSetConfig {
  network: Network;
  options: TfjsNetworkOptions;
  backend: BackendRequest;
  data: ReadonlyMap<string, Dataset>;
  maxBatch: number;
  workers: number;
  /** The optimizer's state; in shared memory (`sharedLayout`) for workers. */
  optimizer: SgdLayout;
}

/** A copy of an optimizer's state in shared memory, for workers to update in place. */
export function sharedLayout(layout: SgdLayout): SgdLayout {
  return { ...layout, master: layout.master.map(sharedCopy), velocity: layout.velocity.map(sharedCopy), ...(layout.average ? { average: layout.average.map(sharedCopy) } : {}) };
}

/** One buffer per parameter tensor: weights and bias of each weighted layer. */
const weightBuffers = (network: Network, shared: boolean): Float32Array[] =>
  network.layers.flatMap((l) => ('weights' in l ? [l.weights.length, l.bias.length] : [])).map((n) => (shared ? sharedArray(Float32Array, n) : new Float32Array(n)));

export async function openReplicaSet(config: ReplicaSetConfig): Promise<ReplicaSet> {
  return config.workers > 1 ? openWorkerReplicas(config) : openLocalReplica(config);
}

async function openLocalReplica(config: ReplicaSetConfig): Promise<ReplicaSet> {
  const { name } = await useBackend(config.backend);
  const weights = weightBuffers(config.network, false);
  const replica = new TfjsReplica(config.network, config.options, config.data, weights, config.maxBatch);
  return {
    backend: name,
    weights,
    gradients: async (dataset, indices, transforms, dropoutMasks) => {
      const { loss, correct, backpropagated } = replica.gradients(dataset, indices, transforms, dropoutMasks);
      return { loss, correct, backpropagated };
    },
    update: async (coefficients) => updateSlice(config.optimizer, [replica.grads], coefficients, weights, 0, 1),
    settle: async () => {},
    evaluate: async (dataset, count) => replica.evaluate(dataset, 0, count),
    close: async () => {},
  };
}

/** A copy of a data set in shared memory, so workers read it without copies. */
function shareDataset(d: Dataset): Dataset {
  return { ...d, images: sharedCopy(d.images.subarray(0, d.count * imageSize(d))), labels: sharedCopy(d.labels.subarray(0, d.count)) };
}

async function openWorkerReplicas(config: ReplicaSetConfig): Promise<ReplicaSet> {
  const pool = new WorkerPool<TfjsWorkerApi>('replicas', TFJS_WORKER, config.workers);
  const weights = weightBuffers(config.network, true);
  const grads = pool.handles.map(() => weightBuffers(config.network, true));
  const data: [string, Dataset][] = [...config.data].map(([name, d]) => [name, shareDataset(d)]);
  const setup = { spec: networkSpec(config.network), options: config.options, backend: config.backend, data, weights, maxBatch: config.maxBatch, barrier: stepBarrier() };
  let backends: string[];
  try {
    backends = await Promise.all(pool.handles.map((h) => h.call('start-up', (api) => api.init({ ...setup, grads, id: h.id, optimizer: config.optimizer }))));
  } catch (e) {
    await pool.close();
    throw e;
  }
  const parts = (n: number) => pool.handles.map((h) => [h, ...partRange(n, pool.size, h.id)] as const);
  /** The optimizer step that the workers take at the start of the next gradients call. */
  let pending: StepCoefficients | undefined;
  const settle = async () => {
    const coefficients = pending;
    pending = undefined;
    if (coefficients) await Promise.all(pool.handles.map((h) => h.call('an optimizer step', (api) => api.update(coefficients))));
  };
  return {
    backend: `${backends[0]} × ${pool.size} workers`,
    weights,
    async gradients(dataset, indices, transforms, dropoutMasks) {
      const update = pending;
      pending = undefined;
      const maskWidth = dropoutMasks ? dropoutMasks.length / indices.length : 0;
      const results = await Promise.all(
        parts(indices.length).map(([h, from, to]) => {
          const slice = indices.slice(from, to);
          const transformSlice = transforms?.slice(TRANSFORM_SIZE * from, TRANSFORM_SIZE * to);
          const maskSlice = dropoutMasks?.slice(maskWidth * from, maskWidth * to);
          return h.call('a training step', (api) => api.gradients(dataset, Comlink.transfer(slice, [slice.buffer]), transformSlice, update, maskSlice));
        }),
      );
      return {
        loss: results.reduce((a, r) => a + r.loss, 0),
        correct: results.reduce((a, r) => a + r.correct, 0),
        backpropagated: results.reduce((a, r) => a + r.backpropagated, 0),
      };
    },
    async update(coefficients) {
      if (pending) await settle();
      pending = coefficients;
    },
    settle,
    async evaluate(dataset, count) {
      await settle();
      const results = await Promise.all(parts(count).map(([h, from, to]) => h.call('an evaluation', (api) => api.evaluate(dataset, from, to))));
      return results.reduce((a, r) => ({ loss: a.loss + r.loss, correct: a.correct + r.correct }), { loss: 0, correct: 0 });
    },
    close: () => pool.close(),
  };
}
