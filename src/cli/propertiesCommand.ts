/** `spikegrad properties`: the equivalence properties at any length, here or on a BullMQ queue. */
import type { JobResult } from '../verify/properties/jobs.js';
import type { PropertyQueueJob } from '../verify/queuedJobs.js';
import { PROPERTY_NAMES, VARIANT_PROPERTIES } from '../verify/properties/propertyNames.js';
import { VARIANT_NAMES } from '../actors/kernels/neuronRule.js';
import { InputError } from '../errors.js';
import { defineCommand } from './command.js';
import { seedOption } from './commonOptions.js';
import { choice, flag, integer, maxWorkers, outputFolder, text } from './options.js';
import { join } from 'node:path';
import { writeFileAtomic } from '../files.js';
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
    variant: choice(VARIANT_NAMES, { default: 'paper', placeholder: '<name>', description: `mutation testing: the spiking neurons under a variant of the rule (the integer ANN keeps the paper's), in the properties that run on the bus (${VARIANT_PROPERTIES.join(', ')}); do they catch it?` }),
    jobSize: integer({ min: 1, max: 1_000_000, default: '250', description: 'cases per job' }),
    workers: integer({ min: 1, max: maxWorkers, maxDoc: '4 per core', default: '1', description: 'threads here, this one included, each taking the next job (without --queue)' }),
    queue: text({ placeholder: '<url>', description: 'redis://HOST:PORT: put the jobs on a BullMQ queue there and collect what `spikegrad worker` processes return' }),
    counterexamples: outputFolder({ placeholder: '<dir>', description: 'write each shrunk counterexample there as <property>-<seed>.case.json (and .schedule.json for a scripted run), for `spikegrad check`' }),
    json: flag({ description: 'print one JSON object' }),
  },
  check(o, { given }) {
    if (o.queue !== undefined && given('workers')) throw new InputError('--workers: with --queue the jobs go to `spikegrad worker` processes (start one per core); leave out --workers');
    if (o.variant !== 'paper' && o.only && !(VARIANT_PROPERTIES as readonly string[]).includes(o.only)) {
      throw new InputError(`--variant: ${o.only} does not run the spiking neurons in this thread; a variant runs in ${VARIANT_PROPERTIES.join(', ')}`);
    }
  },
  async run(_args, o) {
    // fast-check, TensorFlow.js and BullMQ load only when the command runs.
    const { mergeResults, planJobs, runJobsHere } = await import('../verify/properties/jobs.js');
    const properties = o.only ? [o.only] : o.variant === 'paper' ? PROPERTY_NAMES : VARIANT_PROPERTIES;
    const jobs = planJobs(properties, o.runs, o.seed, o.jobSize, o.variant);
    const where = o.queue ? `on ${o.queue}` : o.workers > 1 ? `here, ${o.workers} threads` : 'here';
    const results: JobResult[] = await withProgress(`properties ${where} |{bar}| {value}/{total} jobs | ETA {eta}s`, jobs.length, async (p) => {
      if (!o.queue) return runJobsHere(jobs, o.workers, (done) => p.update(done));
      const { submitJobs } = await import('../verify/jobQueue.js');
      return submitJobs<PropertyQueueJob, JobResult>(o.queue, jobs.map((job) => ({ name: `${job.property}:${job.seed}`, data: { kind: 'property', ...job } })), { onResult: (done) => p.update(done) });
    });
    const totals = mergeResults(jobs, results);
    if (o.counterexamples) {
      for (const c of totals.counterexamples) {
        if (!c.case) continue;
        const stem = join(o.counterexamples, `${c.property}-${c.seed}`);
        writeFileAtomic(`${stem}.case.json`, JSON.stringify(c.case));
        if (c.schedule) writeFileAtomic(`${stem}.schedule.json`, JSON.stringify(c.schedule) + '\n');
        c.reproduce = c.reproduce && c.reproduce.replace(' case.json', ` ${stem}.case.json`).replace(' schedule.json', ` ${stem}.schedule.json`);
      }
    }
    if (o.json) {
      console.log(JSON.stringify({ runs: totals.runs, seed: o.seed, variant: o.variant, jobs: jobs.length, ran: totals.ran, refused: totals.refused, properties: totals.properties, counterexamples: totals.counterexamples }));
    } else {
      for (const p of totals.properties) console.log(`${p.failed ? 'FAIL' : 'ok  '}  ${p.name}: ${p.runs} cases in ${p.jobs} job(s)`);
      if (totals.ran + totals.refused > 0) console.log(`snnEqualsAnn: ${totals.ran} cases compared, ${totals.refused} refused by the event budget`);
      for (const c of totals.counterexamples) console.log(`\ncounterexample of ${c.property} (job seed ${c.seed}, path "${c.path}"):\n${c.message}${o.counterexamples && c.reproduce ? `\nsaved: ${c.reproduce}` : ''}`);
    }
    if (totals.counterexamples.length > 0) process.exitCode = 1;
  },
});
