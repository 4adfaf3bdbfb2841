/**
 * The equivalence properties as jobs: a run of N cases from seed S is cut into jobs of at most
 * `jobSize` cases, job k with seed S + k, so the same totals come out whether the jobs run here one
 * after the other or on any number of queue workers in any order.
 */
import fc from 'fast-check';
import { useBackend } from '../../train/tfjs/backend.js';
import { batchIncrementsEqual, concurrentEqualsAnn, eventCountsAreConsistent, PropertyFailure, replayEqualsLiveRun, reproduceArguments, scheduleOf, snnEqualsAnn, tally } from './equivalence.js';
import { tfjsMirrorEqualsAnn } from './tfjsMirror.js';
import { PROPERTY_NAMES, type PropertyName } from './propertyNames.js';
import type { VariantName } from '../../actors/kernels/neuronRule.js';

export const PROPERTY_JOBS = {
  snnEqualsAnn: (variant: VariantName) => snnEqualsAnn({}, { variant }),
  eventCountsAreConsistent: (variant: VariantName) => eventCountsAreConsistent({}, { variant }),
  replayEqualsLiveRun: (variant: VariantName) => replayEqualsLiveRun({}, { variant }),
  batchIncrementsEqual: (variant: VariantName) => batchIncrementsEqual({}, { variant }),
  concurrentEqualsAnn: () => concurrentEqualsAnn(2),
  tfjsMirrorEqualsAnn: () => tfjsMirrorEqualsAnn(),
} as const satisfies Record<PropertyName, (variant: VariantName) => unknown>;
export { PROPERTY_NAMES, type PropertyName };

export interface PropertyJob {
  property: PropertyName;
  seed: number;
  runs: number;
  /** The spiking neurons under a variant of the rule (a mutated kernel: do the properties catch it?); default the paper's. */
  variant?: VariantName;
}

export interface Counterexample {
  property: PropertyName;
  /** The job's seed and the shrunk path: `fc.check(property, { seed, path, numRuns })` replays it. */
  seed: number;
  path: string | null;
  message: string;
  /** The shrunk case (spikegrad-case/1) and, for a scripted run, its schedule (spikegrad-schedule/1); null where the property has none. */
  case: Record<string, unknown> | null;
  schedule: Record<string, unknown> | null;
  /** `spikegrad check …` for case.json (and schedule.json). */
  reproduce: string | null;
}

export interface JobResult {
  job: PropertyJob;
  runs: number;
  /** snnEqualsAnn's cases compared, and refused by the event budget. */
  ran: number;
  refused: number;
  counterexample: Counterexample | null;
  seconds: number;
}

/** concurrentEqualsAnn starts its layer threads for every case: it takes a twentieth of the runs. */
export const runsFor = (property: PropertyName, runs: number): number => (property === 'concurrentEqualsAnn' ? Math.max(5, Math.ceil(runs / 20)) : runs);

export function planJobs(properties: readonly PropertyName[], runs: number, seed: number, jobSize: number, variant: VariantName = 'paper'): PropertyJob[] {
  const jobs: PropertyJob[] = [];
  for (const property of properties) {
    const total = runsFor(property, runs);
    for (let k = 0, done = 0; done < total; k++, done += jobSize) jobs.push({ property, seed: seed + k, runs: Math.min(jobSize, total - done), ...(variant === 'paper' ? {} : { variant }) });
  }
  return jobs;
}

function counterexampleOf(property: PropertyName, seed: number, path: string | null, error: unknown): Counterexample {
  const message = error instanceof Error ? error.message : String(error);
  if (!(error instanceof PropertyFailure) || !error.caseJson || !error.run) return { property, seed, path, message, case: null, schedule: null, reproduce: null };
  return { property, seed, path, message, case: error.caseJson, schedule: scheduleOf(error.run), reproduce: `spikegrad ${reproduceArguments(error.run, error.variant)}` };
}

export async function runJob(job: PropertyJob): Promise<JobResult> {
  if (job.property === 'tfjsMirrorEqualsAnn') await useBackend('wasm');
  const before = { ran: tally.ran, refused: tally.refused };
  const start = performance.now();
  const details = await fc.check(PROPERTY_JOBS[job.property](job.variant ?? 'paper') as fc.IAsyncPropertyWithHooks<unknown[]>, { numRuns: job.runs, seed: job.seed });
  const error = details.errorInstance;
  return {
    job,
    runs: details.numRuns,
    ran: tally.ran - before.ran,
    refused: tally.refused - before.refused,
    counterexample: details.failed ? counterexampleOf(job.property, details.seed, details.counterexamplePath, error) : null,
    seconds: (performance.now() - start) / 1000,
  };
}

export interface PropertyTotals {
  runs: number;
  ran: number;
  refused: number;
  properties: { name: PropertyName; runs: number; failed: boolean; jobs: number }[];
  counterexamples: Counterexample[];
}

/** Totals of job results, in the plan's order whatever order they finished in. */
export function mergeResults(jobs: readonly PropertyJob[], results: readonly JobResult[]): PropertyTotals {
  const key = (j: PropertyJob) => `${j.property}:${j.seed}`;
  const byJob = new Map(results.map((r) => [key(r.job), r]));
  const properties = new Map<PropertyName, { name: PropertyName; runs: number; failed: boolean; jobs: number }>();
  const totals: PropertyTotals = { runs: 0, ran: 0, refused: 0, properties: [], counterexamples: [] };
  for (const job of jobs) {
    const r = byJob.get(key(job));
    if (!r) throw new Error(`no result for job ${key(job)}`);
    const p = properties.get(job.property) ?? { name: job.property, runs: 0, failed: false, jobs: 0 };
    p.runs += r.runs;
    p.jobs++;
    p.failed ||= r.counterexample !== null;
    properties.set(job.property, p);
    totals.runs += r.runs;
    totals.ran += r.ran;
    totals.refused += r.refused;
    if (r.counterexample) totals.counterexamples.push(r.counterexample);
  }
  totals.properties = [...properties.values()];
  return totals;
}

/**
 * The jobs here, in this thread and `workers − 1` worker threads, each taking the next job as it
 * finishes one; results in the plan's order. The totals are the same for any number of threads.
 */
export async function runJobsHere(jobs: readonly PropertyJob[], workers: number, onResult?: (done: number) => void): Promise<JobResult[]> {
  const results = new Array<JobResult>(jobs.length);
  let next = 0;
  let done = 0;
  const take = async (run: (job: PropertyJob) => Promise<JobResult>) => {
    for (let j = next++; j < jobs.length; j = next++) {
      results[j] = await run(jobs[j]);
      onResult?.(++done);
    }
  };
  if (workers <= 1 || jobs.length <= 1) {
    await take(runJob);
    return results;
  }
  const { WorkerPool } = await import('../../workers/pool.js');
  const { workerModule } = await import('../../workers/spawn.js');
  const pool = new WorkerPool<{ run: typeof runJob }>('properties', workerModule(import.meta.url, 'jobWorker'), Math.min(workers, jobs.length) - 1);
  try {
    let failed: unknown = null;
    const threads = pool.handles.map((h) => take((job) => h.call(`property job ${job.property} seed ${job.seed}`, (api) => api.run(job))).catch((e) => {
      failed ??= e;
      next = jobs.length;
      throw e;
    }));
    // This thread takes jobs too; a worker that fails stops the hand-out.
    await take(runJob);
    await Promise.all(threads);
    if (failed) throw failed;
    return results;
  } finally {
    await pool.close();
  }
}
