/** `spikegrad properties`: the equivalence properties at any length, here or on a BullMQ queue. */
import type { JobResult } from '../verify/properties/jobs.js';
import { PROPERTY_NAMES } from '../verify/properties/propertyNames.js';
import { defineCommand } from './command.js';
import { seedOption } from './commonOptions.js';
import { choice, flag, integer, text } from './options.js';
import { withProgress } from './progress.js';

export const propertiesCommand = defineCommand({
  name: 'properties',
  summary: 'run the equivalence properties (SNN ≡ integer ANN in every mode, replay, batches, the tfjs mirror) on random networks, here or on a BullMQ queue; exit 1 on a counterexample',
  details: [
    'The work is cut into jobs of --job-size cases, job k of a property with seed --seed + k: the totals are the same here and through --queue, with any number of `spikegrad worker` processes.',
    'concurrentEqualsAnn starts its layer threads for every case, so it runs a twentieth of --runs (at least 5), each case twice.',
    'Each counterexample is shrunk by fast-check and printed with its job seed and path (replayable) and a `spikegrad check` command for its case.',
  ],
  arguments: [],
  options: {
    runs: integer({ min: 1, max: 100_000_000, default: '1000', description: 'random cases per property' }),
    seed: seedOption('fast-check seed of the first job'),
    only: choice(PROPERTY_NAMES, { placeholder: '<name>', description: 'one property' }),
    jobSize: integer({ min: 1, max: 1_000_000, default: '250', description: 'cases per job' }),
    queue: text({ placeholder: '<url>', description: 'redis://HOST:PORT: put the jobs on a BullMQ queue there and collect what `spikegrad worker` processes return' }),
    json: flag({ description: 'print one JSON object' }),
  },
  async run(_args, o) {
    // fast-check, TensorFlow.js and BullMQ load only when the command runs.
    const { mergeResults, planJobs, runJob } = await import('../verify/properties/jobs.js');
    const { submitJobs } = await import('../verify/properties/queue.js');
    const jobs = planJobs(o.only ? [o.only] : PROPERTY_NAMES, o.runs, o.seed, o.jobSize);
    const where = o.queue ? `on ${o.queue}` : 'here';
    const results: JobResult[] = await withProgress(`properties ${where} |{bar}| {value}/{total} jobs | ETA {eta}s`, jobs.length, async (p) => {
      if (o.queue) return submitJobs(o.queue, jobs, (_r, done) => p.update(done));
      const out: JobResult[] = [];
      for (const job of jobs) {
        out.push(await runJob(job));
        p.update(out.length);
      }
      return out;
    });
    const totals = mergeResults(jobs, results);
    if (o.json) {
      console.log(JSON.stringify({ runs: totals.runs, seed: o.seed, jobs: jobs.length, ran: totals.ran, refused: totals.refused, properties: totals.properties, counterexamples: totals.counterexamples }));
    } else {
      for (const p of totals.properties) console.log(`${p.failed ? 'FAIL' : 'ok  '}  ${p.name}: ${p.runs} cases in ${p.jobs} job(s)`);
      if (totals.ran + totals.refused > 0) console.log(`snnEqualsAnn: ${totals.ran} cases compared, ${totals.refused} refused by the event budget`);
      for (const c of totals.counterexamples) console.log(`\ncounterexample of ${c.property} (job seed ${c.seed}, path "${c.path}"):\n${c.message}`);
    }
    if (totals.counterexamples.length > 0) process.exitCode = 1;
  },
});
