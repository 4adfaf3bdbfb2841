/** Start a worker module from the built package (.js) or from source under tsx (.ts). */
import { Worker } from 'node:worker_threads';

// Workers otherwise get a small young generation; verification allocates briskly and would spend its time in GC.
const resourceLimits = { maxYoungGenerationSizeMb: 64 };

/**
 * The URL of the worker module `name` beside the calling module (`import.meta.url`), with the
 * caller's extension: `.ts` when running from source, `.js` from `dist/`.
 */
export function workerModule(callerUrl: string, name: string): URL {
  return new URL(`./${name}${callerUrl.endsWith('.ts') ? '.ts' : '.js'}`, callerUrl);
}

/** Start `module`; `data` reaches the worker as its workerData. */
export function spawnWorker(module: URL, data: Record<string, unknown> = {}): Worker {
  // Under tsx (tests, `npm run properties`) a worker cannot start from a .ts file directly.
  if (module.href.endsWith('.ts')) return new Worker(new URL('./tsxEntry.mjs', import.meta.url), { workerData: { ...data, module: module.href }, resourceLimits });
  return new Worker(module, { workerData: data, resourceLimits });
}
