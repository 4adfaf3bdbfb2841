/**
 * A timing study on a queue: one job per configuration and range of test images; each is measured in
 * one thread (sample i seeded by seed + i) and the parts of each configuration are put back in index
 * order, so the study's report and per-sample table are those of a local run.
 */
import type { JobContext, QueuedJob } from '../jobQueue.js';
import { loadSampleRange, type SampleRange } from '../sampleJobs.js';
import { TimingSampler } from './sampleTiming.js';
import type { StudyRunner } from './study.js';
import { measureChunk, type ConfigPart, type TimingSettings } from './timingService.js';

export interface TimingJob {
  kind: 'timing';
  range: SampleRange;
  alpha: number;
  settings: TimingSettings;
  /** Index into settings.configs. */
  config: number;
}

export async function runTimingJob(job: TimingJob, context: JobContext): Promise<ConfigPart> {
  const { network, samples } = await loadSampleRange(job.range, context);
  const sampler = new TimingSampler(network, job.settings.configs[job.config], job.settings.seed, job.settings.eventBudget);
  try {
    return await measureChunk(sampler, samples, job.range.from, job.alpha, () => {});
  } finally {
    sampler.dispose();
  }
}

/**
 * Every job of the study goes on the queue at once (configurations × ranges); `measure(c)` waits for
 * configuration c's parts. `submit` is the queue's submitJobs, bound to its URL and shared inputs.
 */
export function queueRunner(
  ranges: readonly SampleRange[],
  alpha: number,
  settings: TimingSettings,
  submit: (jobs: QueuedJob<TimingJob>[], onResult: (done: number, index: number) => void) => Promise<ConfigPart[]>,
): StudyRunner {
  const jobs: QueuedJob<TimingJob>[] = settings.configs.flatMap((_, config) =>
    ranges.map((range) => ({ name: `timing:${config + 1}:${range.from}-${range.to - 1}`, data: { kind: 'timing' as const, range, alpha, settings, config } })),
  );
  // Images measured per configuration, from the jobs finished so far.
  const measured = new Array<number>(settings.configs.length).fill(0);
  let progress: ((done: number) => void) | undefined;
  let current = 0;
  const all = submit(jobs, (_done, index) => {
    const config = jobs[index].data.config;
    measured[config] += jobs[index].data.range.to - jobs[index].data.range.from;
    if (config === current) progress?.(measured[config]);
  });
  all.catch(() => {});
  return {
    async measure(config, onProgress) {
      current = config;
      progress = onProgress;
      onProgress?.(measured[config]);
      const parts = await all;
      return parts.slice(config * ranges.length, (config + 1) * ranges.length);
    },
    close: async () => {},
  };
}
