/** `spikegrad worker --queue URL`: process property jobs from a BullMQ queue until stopped. */
import { defineCommand } from './command.js';
import { integer, text } from './options.js';
import { InputError } from '../errors.js';
import { stoppable } from './interrupts.js';

export const workerCommand = defineCommand({
  name: 'worker',
  summary: 'process the jobs that `spikegrad properties --queue` puts on a BullMQ queue, on this machine, until stopped (Ctrl-C or SIGTERM)',
  details: ['Start as many as there are cores, on any number of machines. A worker killed in the middle of a job loses its lock; after about --lock-ms another worker takes the job over, and its result is counted once.'],
  arguments: [],
  options: {
    queue: text({ placeholder: '<url>', description: 'redis://HOST:PORT of the queue (required)' }),
    lockMs: integer({ min: 1000, max: 3_600_000, default: '30000', description: "how long a job's lock lasts without renewal, in ms" }),
  },
  check(o) {
    if (o.queue === undefined) throw new InputError('--queue: expected redis://HOST:PORT, found nothing');
  },
  async run(_args, o) {
    const { serveJobs } = await import('../verify/properties/queue.js');
    let finish: () => void = () => {};
    const stop = new Promise<void>((resolve) => (finish = resolve));
    console.error(`worker: waiting for jobs on ${o.queue}`);
    // Ctrl-C or SIGTERM: finish the job in hand, then close (a second one stops at once).
    await stoppable(() => finish(), () => serveJobs(o.queue!, {
      lockMs: o.lockMs,
      onJob: (job, state, r) => console.error(state === 'start' ? `worker: job ${job.property} seed ${job.seed} (${job.runs} cases) started` : `worker: job ${job.property} seed ${job.seed} done in ${r!.seconds.toFixed(1)} s${r!.counterexample ? ' (counterexample)' : ''}`),
    }, stop));
  },
});
