/**
 * Worker side of the shared range guard (guardHelper.ts): this thread holds the network's magnitudes
 * and computes the guard tasks it is given, with the same arithmetic as the thread that asks.
 */
import { SampleRangeGuard } from '../equivalence/rangeGuard.js';
import { networkFromSpec, type NetworkSpec } from '../network/build.js';
import { neuronLayerIndices, type NeuronLayer } from '../network/topology.js';
import { exposeWorker } from '../workers/expose.js';
import { ArrivalDrives } from './arrivalDrive.js';
import { runGuardTask, type GuardOutcome, type GuardTask, type TaskInputs } from './snnRangeGuard.js';

let layers: NeuronLayer[] = [];
let guard: SampleRangeGuard | null = null;
let drives: ArrivalDrives | null = null;

const api = {
  init(spec: NetworkSpec): void {
    const network = networkFromSpec(spec);
    const indices = neuronLayerIndices(network);
    layers = indices.map((i) => network.layers[i] as NeuronLayer);
    guard = new SampleRangeGuard(layers, indices);
    drives = new ArrivalDrives(layers);
  },
  compute(tasks: GuardTask[], inputs: TaskInputs, check: boolean): GuardOutcome[] {
    if (!guard) throw new Error('the range guard worker was not initialised');
    return tasks.map((t) => runGuardTask(guard!, drives!, layers, t, inputs, check));
  },
};

export type GuardApi = typeof api;
exposeWorker(api);
