/** What a `spikegrad worker` does with a job from the queue: property runs, verification ranges, timing ranges. */
import type { JobContext } from './jobQueue.js';
import { runJob, type JobResult, type PropertyJob } from './properties/jobs.js';
import { runTimingJob, type TimingJob } from './timing/timingJobs.js';
import type { ConfigPart } from './timing/timingService.js';
import { runVerifyJob, type VerifyJob, type VerifyPart } from './verifyJobs.js';

export type PropertyQueueJob = PropertyJob & { kind: 'property' };
export type QueuedWork = PropertyQueueJob | VerifyJob | TimingJob;

export function runQueuedWork(work: QueuedWork, context: JobContext): Promise<JobResult | VerifyPart | ConfigPart> {
  switch (work.kind) {
    case 'property': {
      const { kind: _kind, ...job } = work;
      return runJob(job);
    }
    case 'verify':
      return runVerifyJob(work, context);
    case 'timing':
      return runTimingJob(work, context);
  }
}

/** A job in a worker's log: what it is and how big. */
export function describeWork(work: QueuedWork): string {
  switch (work.kind) {
    case 'property':
      return `${work.property} seed ${work.seed} (${work.runs} cases)${work.variant ? ` under ${work.variant}` : ''}`;
    case 'verify':
      return `verify images ${work.range.from}–${work.range.to - 1}`;
    case 'timing':
      return `timing configuration ${work.config + 1}, images ${work.range.from}–${work.range.to - 1}`;
  }
}
