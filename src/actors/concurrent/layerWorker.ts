/**
 * Worker side of the concurrent mode: one layer's thread. Comlink is only for control — set-up, one
 * call per example (which returns when this layer's part of it is over), increments; the spikes go
 * through the shared rings.
 */
import { workerData } from 'node:worker_threads';
import { networkFromSpec, type NetworkSpec } from '../../network/build.js';
import { neuronLayers } from '../../network/topology.js';
import { exposeWorker } from '../../workers/expose.js';
import type { FaultPlan } from '../../workers/faults.js';
import { describeState } from '../layerMachine.js';
import { LayerThread, type ExampleRequest, type LayerExampleResult, type LayerThreadBuffers, type LayerThreadSpec } from './layerThread.js';

const fault = ((workerData ?? {}) as { fault?: FaultPlan | null }).fault ?? null;
let received = 0;
let thread: LayerThread | null = null;

/** A planned fault falls on the delivery that brings the thread past its n-th spike: in the middle of a phase. */
function beforeDelivery(events: number): void {
  const before = received;
  received += events;
  if (fault && before <= fault.afterCalls && fault.afterCalls < received) {
    if (fault.how === 'exit') process.exit(3);
    throw new Error('injected fault');
  }
}

class PhaseError extends Error {}

export const layerApi = {
  init(spec: NetworkSpec, s: Omit<LayerThreadSpec, 'layers'>, buffers: LayerThreadBuffers): void {
    thread = new LayerThread({ ...s, layers: neuronLayers(networkFromSpec(spec)) }, buffers, beforeDelivery);
  },
  runExample(r: ExampleRequest): LayerExampleResult {
    try {
      return thread!.runExample(r);
    } catch (e) {
      // Name the phase it failed in; the calling thread adds worker and layer ("…, <phase>: <why>").
      throw new PhaseError(`${describeState(thread!.state)}: ${e instanceof Error ? e.message : String(e)}`);
    }
  },
  increments(): { dW: Float64Array; db: Float64Array } {
    return { dW: thread!.kernel.dW.slice(), db: thread!.kernel.db.slice() };
  },
  clearIncrements(): void {
    thread!.kernel.clearIncrements();
  },
};

export type LayerApi = typeof layerApi;

exposeWorker(layerApi, { faults: false });
