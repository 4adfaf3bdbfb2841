/**
 * `verify` on a queue: each job verifies one range of test images in one thread (sample i seeded by
 * seed + i, as everywhere), and the parts are merged in index order into the report a local run gives:
 * the same verdicts, counts and statistics; only wall-clock figures and the worker count differ.
 */
import { parseBarrier } from '../actors/barrier.js';
import type { SpikePolicy } from '../actors/kernels/neuronLayer.js';
import { mergeStats, type SnnStats } from '../actors/statistics.js';
import type { RangeCheck } from '../equivalence/rangeGuard.js';
import { parseInputTiming } from '../streams/timing/inputTiming.js';
import { parseLatency } from '../streams/timing/latency.js';
import type { JobContext, QueuedJob } from './jobQueue.js';
import { loadSampleRange, type SampleRange } from './sampleJobs.js';
import { SampleVerifier, type SampleVerdict } from './sampleVerifier.js';
import type { VerifyReport } from './verifySamples.js';

/** The run's settings as given on the command line (they parse the same on every worker). */
export interface QueuedVerifySettings {
  order: string;
  seed: number;
  policy: SpikePolicy;
  eventBudget: number;
  rangeCheck: RangeCheck;
  latency: string | null;
  barrier: string;
  inputTiming: string;
}

export interface VerifyJob {
  kind: 'verify';
  range: SampleRange;
  alpha: number;
  settings: QueuedVerifySettings;
}

export interface VerifyPart {
  from: number;
  to: number;
  bitExact: number;
  snnCorrect: number;
  annCorrect: number;
  failures: SampleVerdict[];
  stats: SnnStats;
  snnSeconds: number;
}

export const verifyJobs = (ranges: readonly SampleRange[], alpha: number, settings: QueuedVerifySettings): QueuedJob<VerifyJob>[] =>
  ranges.map((range) => ({ name: `verify:${range.from}-${range.to - 1}`, data: { kind: 'verify', range, alpha, settings } }));

export async function runVerifyJob(job: VerifyJob, context: JobContext): Promise<VerifyPart> {
  const { network, samples } = await loadSampleRange(job.range, context);
  const s = job.settings;
  const verifier = new SampleVerifier(network, {
    order: s.order, seed: s.seed, policy: s.policy, eventBudget: s.eventBudget, rangeCheck: s.rangeCheck,
    latency: s.latency === null ? null : parseLatency(s.latency), barrier: parseBarrier(s.barrier), inputTiming: parseInputTiming(s.inputTiming),
  });
  try {
    const verdicts = await verifier.verifyChunk(samples, job.range.from, job.alpha);
    return {
      from: job.range.from, to: job.range.to,
      bitExact: verdicts.filter((v) => v.equal).length,
      snnCorrect: verdicts.filter((v) => v.predicted === v.target).length,
      annCorrect: verdicts.filter((v) => v.annPredicted === v.target).length,
      failures: verdicts.filter((v) => !v.equal),
      stats: verifier.stats(),
      snnSeconds: verdicts.reduce((t, v) => t + v.snnSeconds, 0),
    };
  } finally {
    verifier.dispose();
  }
}

/** The parts in index order, as one report. */
export function mergeVerifyParts(parts: readonly VerifyPart[], seconds: number): VerifyReport {
  const ordered = [...parts].sort((a, b) => a.from - b.from);
  const n = ordered.reduce((k, p) => k + (p.to - p.from), 0);
  const sum = (f: (p: VerifyPart) => number) => ordered.reduce((k, p) => k + f(p), 0);
  return {
    samples: n,
    bitExact: sum((p) => p.bitExact),
    failures: ordered.flatMap((p) => p.failures),
    accuracy: sum((p) => p.snnCorrect) / Math.max(1, n),
    annAccuracy: sum((p) => p.annCorrect) / Math.max(1, n),
    stats: mergeStats(ordered.map((p) => p.stats)),
    workers: 1,
    seconds,
    startupSeconds: 0,
    snnSeconds: sum((p) => p.snnSeconds),
  };
}
