/** Worker side of every pool: expose an API over Comlink, with the fault planned for this worker, if any. */
import * as Comlink from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import { parentPort, workerData } from 'node:worker_threads';
import { withFault, type FaultPlan } from './faults.js';

/** `faults: false`: the worker counts its calls for a planned fault itself. */
export function exposeWorker<T extends object>(api: T, options: { faults?: boolean } = {}): void {
  const fault = options.faults === false ? null : (((workerData ?? {}) as { fault?: FaultPlan | null }).fault ?? null);
  if (parentPort) Comlink.expose(withFault(api, fault), nodeEndpoint(parentPort));
}
