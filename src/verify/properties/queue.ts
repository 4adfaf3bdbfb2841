/**
 * Property jobs on a BullMQ queue in Redis: `submitJobs` adds them and collects the results,
 * `serveJobs` processes them in any number of worker processes. A worker that dies mid-job loses
 * its lock; BullMQ's stalled-job check puts the job back and another worker runs it. Results come
 * only from completed jobs (the job's return value), so nothing is lost or counted twice.
 */
import { Queue, QueueEvents, Worker, type ConnectionOptions } from 'bullmq';
import { InputError } from '../../errors.js';
import { runJob, type JobResult, type PropertyJob } from './jobs.js';

export const QUEUE_NAME = 'spikegrad-properties';

/** redis://[user:password@]host:port[/db] as connection options; anything else is refused by name. */
export function queueConnection(url: string, maxRetriesPerRequest: number | null = null): ConnectionOptions {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new InputError(`--queue: expected redis://HOST:PORT, found ${JSON.stringify(url)}`);
  }
  if (u.protocol !== 'redis:' || !u.hostname) throw new InputError(`--queue: expected redis://HOST:PORT, found ${JSON.stringify(url)}`);
  const db = u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0;
  if (!Number.isInteger(db) || db < 0) throw new InputError(`--queue: expected a database number after the port, found ${JSON.stringify(u.pathname.slice(1))}`);
  return {
    host: u.hostname, port: u.port ? Number(u.port) : 6379, db,
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    maxRetriesPerRequest,
    // Fail fast when nobody listens instead of retrying forever.
    retryStrategy: (times: number) => (times > 3 ? null : 200 * times),
  };
}

/** Add the jobs and wait for every result (in any order); `onResult` hears of each. */
export async function submitJobs(url: string, jobs: readonly PropertyJob[], onResult?: (r: JobResult, done: number) => void): Promise<JobResult[]> {
  const queue = new Queue(QUEUE_NAME, { connection: queueConnection(url, 1) });
  // QueueEvents blocks on Redis streams: its requests must not time out.
  const events = new QueueEvents(QUEUE_NAME, { connection: queueConnection(url, null) });
  // One finished-listener per job in flight.
  queue.setMaxListeners(jobs.length + 16);
  events.setMaxListeners(jobs.length + 16);
  try {
    await Promise.all([queue.waitUntilReady(), events.waitUntilReady()]).catch((e: Error) => {
      throw new InputError(`--queue ${url}: cannot reach Redis (${e.message})`);
    });
    const added = await queue.addBulk(jobs.map((data) => ({ name: `${data.property}:${data.seed}`, data, opts: { attempts: 3, removeOnComplete: true, removeOnFail: true } })));
    let done = 0;
    return await Promise.all(
      added.map(async (job) => {
        const r = (await job.waitUntilFinished(events)) as JobResult;
        onResult?.(r, ++done);
        return r;
      }),
    );
  } finally {
    await Promise.allSettled([events.close(), queue.close()]);
  }
}

export interface ServeOptions {
  /** How long a job's lock lasts without renewal: a dead worker's job is taken over after about this long. */
  lockMs: number;
  onJob?: (job: PropertyJob, state: 'start' | 'done', result?: JobResult) => void;
}

/** Process property jobs until `stop` resolves; resolves when the worker has closed. */
export async function serveJobs(url: string, options: ServeOptions, stop: Promise<void>): Promise<void> {
  const worker = new Worker<PropertyJob, JobResult>(
    QUEUE_NAME,
    async (job) => {
      options.onJob?.(job.data, 'start');
      const r = await runJob(job.data);
      options.onJob?.(job.data, 'done', r);
      return r;
    },
    { connection: queueConnection(url), concurrency: 1, lockDuration: options.lockMs, stalledInterval: options.lockMs, maxStalledCount: 3 },
  );
  await worker.waitUntilReady().catch((e: Error) => {
    throw new InputError(`--queue ${url}: cannot reach Redis (${e.message})`);
  });
  await stop;
  await worker.close();
}
