/**
 * Jobs on a BullMQ queue in Redis: `submitJobs` adds them and collects the results, `serveJobs`
 * processes them in any number of worker processes, on any machine. A worker that dies mid-job loses
 * its lock; BullMQ's stalled-job check puts the job back and another worker runs it. Results come
 * only from completed jobs (the job's return value), so nothing is lost or counted twice. Large inputs
 * that many jobs share (a model file) are put once into Redis by content hash (`putBlob`).
 */
import { createHash } from 'node:crypto';
import { Queue, QueueEvents, UnrecoverableError, Worker, type ConnectionOptions } from 'bullmq';
import { InputError, SpikegradError } from '../errors.js';
import { fromWire, toWire } from '../workers/wire.js';

export const QUEUE_NAME = 'spikegrad-jobs';
/** How long a shared input stays in Redis. */
const BLOB_SECONDS = 7 * 24 * 3600;
const blobKey = (sha256: string) => `spikegrad:blob:${sha256}`;

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

export interface QueuedJob<T> {
  /** Shown in worker logs and BullMQ tools. */
  name: string;
  data: T;
}

export interface SubmitOptions {
  /** Shared inputs to put into Redis before the jobs (by sha256, which the jobs name). */
  blobs?: Uint8Array[];
  /** A job finished: how many have, and which (its index in the jobs given). */
  onResult?: (done: number, index: number) => void;
}

export const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** Add the jobs and wait for every result (in any order; returned in the jobs' order). */
export async function submitJobs<T, R>(url: string, jobs: readonly QueuedJob<T>[], options: SubmitOptions = {}): Promise<R[]> {
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
    if (options.blobs?.length) {
      const client = await queue.client;
      // As base64 text: the queue's Redis adapter speaks strings.
      for (const blob of options.blobs) await client.set(blobKey(sha256(blob)), Buffer.from(blob).toString('base64'), { EX: BLOB_SECONDS });
    }
    const added = await queue.addBulk(jobs.map((j) => ({ name: j.name, data: j.data, opts: { attempts: 3, removeOnComplete: true, removeOnFail: true } })));
    let done = 0;
    return await Promise.all(
      added.map(async (job, index) => {
        let wire: string;
        try {
          wire = (await job.waitUntilFinished(events)) as string;
        } catch (e) {
          throw new SpikegradError(`queue job ${job.name} failed on a worker: ${(e as Error).message}`);
        }
        options.onResult?.(++done, index);
        return fromWire<R>(wire);
      }),
    );
  } finally {
    await Promise.allSettled([events.close(), queue.close()]);
  }
}

/** What a job handler gets besides its data: the shared inputs in Redis. */
export interface JobContext {
  blob(sha256: string): Promise<Uint8Array>;
}

export interface ServeOptions<T> {
  /** How long a job's lock lasts without renewal: a dead worker's job is taken over after about this long. */
  lockMs: number;
  onJob?: (name: string, data: T, state: 'start' | 'done', seconds?: number) => void;
}

/**
 * Process jobs until `stop` resolves; resolves when the worker has closed. A handler's InputError
 * (a job this worker cannot do: its data set differs, a blob has expired) fails the job at once,
 * without retries, and the submitter reports it.
 */
export async function serveJobs<T, R>(url: string, handle: (data: T, context: JobContext) => Promise<R>, options: ServeOptions<T>, stop: Promise<void>): Promise<void> {
  let worker: Worker<T, string> | null = null;
  const context: JobContext = {
    async blob(hash) {
      const client = await worker!.client;
      const text = await client.get(blobKey(hash));
      if (text === null) throw new InputError(`the shared input ${hash} is no longer in Redis (kept ${BLOB_SECONDS / 3600} hours); submit again`);
      const bytes = Buffer.from(text, 'base64');
      if (sha256(bytes) !== hash) throw new InputError(`the shared input ${hash} in Redis does not have that hash`);
      return new Uint8Array(bytes);
    },
  };
  worker = new Worker<T, string>(
    QUEUE_NAME,
    async (job) => {
      options.onJob?.(job.name, job.data, 'start');
      const start = performance.now();
      try {
        const r = toWire(await handle(job.data, context));
        options.onJob?.(job.name, job.data, 'done', (performance.now() - start) / 1000);
        return r;
      } catch (e) {
        if (e instanceof InputError) throw new UnrecoverableError(e.message);
        throw e;
      }
    },
    { connection: queueConnection(url), concurrency: 1, lockDuration: options.lockMs, stalledInterval: options.lockMs, maxStalledCount: 3 },
  );
  await worker.waitUntilReady().catch((e: Error) => {
    throw new InputError(`--queue ${url}: cannot reach Redis (${e.message})`);
  });
  await stop;
  await worker.close();
}
