/** Start a worker module of this folder, from the built package (.js) or from source under tsx (.ts). */
import { Worker } from 'node:worker_threads';

export type WorkerModule = 'shardWorker' | 'sampleWorker' | 'trainWorker';

// Workers otherwise get a small young generation; verification allocates briskly and would spend its time in GC.
const resourceLimits = { maxYoungGenerationSizeMb: 64 };

/** A worker module of this folder by name, or any worker module by the URL of its source file. */
export function spawnWorker(module: WorkerModule | URL): Worker {
  const here = import.meta.url;
  const url = typeof module === 'string' ? new URL(`./${module}${here.endsWith('.ts') ? '.ts' : '.js'}`, here) : module;
  if (url.href.endsWith('.ts')) return new Worker(new URL('./tsxEntry.mjs', here), { workerData: { module: url.href }, resourceLimits });
  return new Worker(url, { resourceLimits });
}
