/** Worker side of data-parallel exact training: part of each mini-batch on an integer ANN over shared weights. */
import { IntegerAnn } from '../../equivalence/integerAnn.js';
import { networkFromSpec, type NetworkSpec } from '../../network/build.js';
import { sizeOf } from '../../network/topology.js';
import { exposeWorker } from '../../workers/expose.js';
import { runExamples } from './examples.js';

let ann: IntegerAnn | null = null;
/** This worker's increment buffers in shared memory (dW, db per weighted layer), re-used every step. */
let out: Float64Array[] = [];

/** The range of the current shared weights, proved by the main thread for this step. */
export interface CheckedRange {
  maxAbsInput: number;
  alpha: number;
  maxIncrement: number;
}

export const trainApi = {
  init(spec: NetworkSpec, increments: Float64Array[]): void {
    ann = new IntegerAnn(networkFromSpec(spec));
    out = increments;
  },
  run(images: Uint8Array, labels: Uint8Array, range: CheckedRange) {
    const a = ann!;
    a.rangeCheckedElsewhere(range.maxAbsInput, range.alpha, range.maxIncrement);
    const size = sizeOf(a.layers[0].inShape);
    const result = runExamples(a, (k) => images.subarray(k * size, (k + 1) * size), labels, labels.length, range.alpha);
    result.increments.forEach((inc, k) => {
      out[2 * k].set(inc.dW);
      out[2 * k + 1].set(inc.db);
    });
    return { loss: result.loss, correct: result.correct };
  },
};

export type TrainApi = typeof trainApi;

exposeWorker(trainApi);
