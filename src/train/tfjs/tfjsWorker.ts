/** Worker side of data-parallel tfjs training: its own backend (one wasm instance per thread) and replica over shared weights. */
import { useBackend, type BackendRequest } from './backend.js';
import type { TfjsNetworkOptions } from './tfjsNetwork.js';
import { networkFromSpec, type NetworkSpec } from '../../network/build.js';
import type { Dataset } from '../data/dataset.js';
import { updateSlice, type SgdLayout, type StepCoefficients } from '../optimizer.js';
import { exposeWorker } from '../../workers/expose.js';
import { arriveAndWait, type StepBarrier } from '../../workers/stepBarrier.js';
import { TfjsReplica } from './replica.js';

let replica: TfjsReplica | null = null;
let setupOf: ReplicaSetup | null = null;

export interface ReplicaSetup {
  spec: NetworkSpec;
  options: TfjsNetworkOptions;
  backend: BackendRequest;
  /** Data sets whose images and labels live in shared memory. */
  data: [string, Dataset][];
  weights: Float32Array[];
  /** Every worker's gradient buffers, in worker order. */
  grads: Float32Array[][];
  /** This worker's place in that order. */
  id: number;
  /** The optimizer's state in shared memory: each worker updates its slice of every layer. */
  optimizer: SgdLayout;
  /** Shared by the workers: every slice of an optimizer step is written before any worker reads the weights. */
  barrier: StepBarrier;
  maxBatch: number;
}

export const tfjsWorkerApi = {
  async init(setup: ReplicaSetup): Promise<string> {
    const backend = await useBackend(setup.backend);
    replica = new TfjsReplica(networkFromSpec(setup.spec), setup.options, new Map(setup.data), setup.weights, setup.maxBatch, setup.grads[setup.id]);
    setupOf = setup;
    return backend.name;
  },
  /** This worker's slice of an optimizer step from every worker's gradients (all of them computed). */
  update(coefficients: StepCoefficients): void {
    const { optimizer, grads, weights, id } = setupOf!;
    updateSlice(optimizer, grads, coefficients, weights, id, grads.length);
  },
  /**
   * Loss, correct and back-propagated counts; the gradients are in this worker's shared buffers.
   * `update`: the previous step's optimizer step, taken first (this worker's slice, then a barrier
   * with the others), which saves a round trip per step.
   */
  gradients(dataset: string, indices: Int32Array, transforms?: Float32Array, update?: StepCoefficients, dropoutMasks?: Float32Array): { loss: number; correct: number; backpropagated: number } {
    if (update) {
      tfjsWorkerApi.update(update);
      arriveAndWait(setupOf!.barrier, setupOf!.grads.length);
    }
    const { loss, correct, backpropagated } = replica!.gradients(dataset, indices, transforms, dropoutMasks);
    return { loss, correct, backpropagated };
  },
  evaluate(dataset: string, from: number, to: number) {
    return replica!.evaluate(dataset, from, to);
  },
};

export type TfjsWorkerApi = typeof tfjsWorkerApi;

exposeWorker(tfjsWorkerApi);
