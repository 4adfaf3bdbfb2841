/** Start a worker module of this folder, from the built package (.js) or from source under tsx (.ts). */
import { Worker } from 'node:worker_threads';

export type WorkerModule = 'shardWorker' | 'sampleWorker' | 'trainWorker';

// Workers otherwise get a small young generation; verification allocates briskly and would spend its time in GC.
const resourceLimits = { maxYoungGenerationSizeMb: 64 };

export function spawnWorker(name: WorkerModule): Worker {
  const here = import.meta.url;
  if (here.endsWith('.ts')) {
    return new Worker(new URL('./tsxEntry.mjs', here), { workerData: { module: new URL(`./${name}.ts`, here).href }, resourceLimits });
  }
  return new Worker(new URL(`./${name}.js`, here), { resourceLimits });
}
