/**
 * The equivalence properties as jobs: a run of N cases from seed S is cut into jobs of at most
 * `jobSize` cases, job k with seed S + k, so the same totals come out whether the jobs run here one
 * after the other or on any number of queue workers in any order.
 */
import fc from 'fast-check';
import { useBackend } from '../../train/tfjs/backend.js';
import { batchIncrementsEqual, concurrentEqualsAnn, eventCountsAreConsistent, replayEqualsLiveRun, snnEqualsAnn, tally } from './equivalence.js';
import { tfjsMirrorEqualsAnn } from './tfjsMirror.js';
import { PROPERTY_NAMES, type PropertyName } from './propertyNames.js';

export const PROPERTY_JOBS = {
  snnEqualsAnn: () => snnEqualsAnn(),
  eventCountsAreConsistent: () => eventCountsAreConsistent(),
  replayEqualsLiveRun: () => replayEqualsLiveRun(),
  batchIncrementsEqual: () => batchIncrementsEqual(),
  concurrentEqualsAnn: () => concurrentEqualsAnn(2),
  tfjsMirrorEqualsAnn: () => tfjsMirrorEqualsAnn(),
} as const satisfies Record<PropertyName, () => unknown>;
export { PROPERTY_NAMES, type PropertyName };

export interface PropertyJob {
  property: PropertyName;
  seed: number;
  runs: number;
}

export interface Counterexample {
  property: PropertyName;
  /** The job's seed and the shrunk path: `fc.check(property, { seed, path, numRuns })` replays it. */
  seed: number;
  path: string | null;
  message: string;
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

export function planJobs(properties: readonly PropertyName[], runs: number, seed: number, jobSize: number): PropertyJob[] {
  const jobs: PropertyJob[] = [];
  for (const property of properties) {
    const total = runsFor(property, runs);
    for (let k = 0, done = 0; done < total; k++, done += jobSize) jobs.push({ property, seed: seed + k, runs: Math.min(jobSize, total - done) });
  }
  return jobs;
}

export async function runJob(job: PropertyJob): Promise<JobResult> {
  if (job.property === 'tfjsMirrorEqualsAnn') await useBackend('wasm');
  const before = { ran: tally.ran, refused: tally.refused };
  const start = performance.now();
  const details = await fc.check(PROPERTY_JOBS[job.property]() as fc.IAsyncPropertyWithHooks<unknown[]>, { numRuns: job.runs, seed: job.seed });
  const error = details.errorInstance;
  return {
    job,
    runs: details.numRuns,
    ran: tally.ran - before.ran,
    refused: tally.refused - before.refused,
    counterexample: details.failed ? { property: job.property, seed: details.seed, path: details.counterexamplePath, message: error instanceof Error ? error.message : String(error) } : null,
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
