/** `spikegrad worker --queue URL`: process jobs from a BullMQ queue until stopped. */
import { defineCommand } from './command.js';
import { integer, text } from './options.js';
import { InputError } from '../errors.js';
import { stoppable } from './interrupts.js';

export const workerCommand = defineCommand({
  name: 'worker',
  summary: 'process the jobs that `spikegrad properties|verify|timing --queue` put on a BullMQ queue, on this machine, until stopped (Ctrl-C or SIGTERM)',
  details: [
    'Start as many as there are cores, on any number of machines. A worker killed in the middle of a job loses its lock; after about --lock-ms another worker takes the job over, and its result is counted once.',
    'verify and timing jobs name the model by its sha256 (the submitter puts the file into Redis) and the data set by --dataset and --data-dir as given to the submitter: every worker needs the same data there; a worker whose images differ refuses the job, and the submitter reports it.',
  ],
  arguments: [],
  options: {
    queue: text({ placeholder: '<url>', description: 'redis://HOST:PORT of the queue (required)' }),
    lockMs: integer({ min: 1000, max: 3_600_000, default: '30000', description: "how long a job's lock lasts without renewal, in ms" }),
  },
  check(o) {
    if (o.queue === undefined) throw new InputError('--queue: expected redis://HOST:PORT, found nothing');
  },
  async run(_args, o) {
    const { serveJobs } = await import('../verify/jobQueue.js');
    const { describeWork, runQueuedWork } = await import('../verify/queuedJobs.js');
    let finish: () => void = () => {};
    const stop = new Promise<void>((resolve) => (finish = resolve));
    console.error(`worker: waiting for jobs on ${o.queue}`);
    // Ctrl-C or SIGTERM: finish the job in hand, then close (a second one stops at once).
    await stoppable(() => finish(), () => serveJobs(o.queue!, runQueuedWork, {
      lockMs: o.lockMs,
      onJob: (_name, work, state, seconds) => console.error(state === 'start' ? `worker: job ${describeWork(work)} started` : `worker: job ${describeWork(work)} done in ${seconds!.toFixed(1)} s`),
    }, stop));
  },
});
