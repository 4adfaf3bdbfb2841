/** `spikegrad explore --variant NAME`: the equivalence property under a variant of the neuron rule, and what it finds. */
import { VARIANT_NAMES } from '../actors/kernels/neuronRule.js';
import { writeFileAtomic } from '../files.js';
import { defineCommand } from './command.js';
import { seedOption } from './commonOptions.js';
import { choice, flag, integer, outputFile } from './options.js';

/** case.json → case.schedule.json, beside it. */
export const schedulePathBeside = (casePath: string): string => casePath.replace(/(\.case)?(\.json)?$/, '') + '.schedule.json';

export const exploreCommand = defineCommand({
  name: 'explore',
  summary: 'run the SNN ≡ integer ANN property under a variant of the neuron rule and report the smallest counterexample it finds (exit 1 when it finds one)',
  details: [
    'Variants: residual-tie=none (the residual function fires whenever |2V| ≥ Θ), residual-tie=strict (only when |2V| > Θ), threshold=strict (the standard function fires at V > Θ), relu-negative=off (a relu neuron never sends −1), residual=off (no residual phase); paper is the rule itself.',
    'A phase that never becomes quiet is reported as no-quiescence, never a hang. Every run is scripted by a schedule (streams/schedule.ts), and fast-check shrinks the case (layers, shapes, values) and the schedule (its choices) together; --out saves both.',
  ],
  arguments: [],
  options: {
    variant: choice(VARIANT_NAMES, { default: 'paper', placeholder: '<name>', description: 'the variant of the neuron rule' }),
    runs: integer({ min: 1, max: 10_000_000, default: '1000', description: 'random cases to try' }),
    seed: seedOption('fast-check seed'),
    out: outputFile({ placeholder: '<case.json>', description: 'save the shrunk case here (spikegrad-case/1) and its schedule beside it as <case>.schedule.json (spikegrad-schedule/1), for `spikegrad check`' }),
    json: flag({ description: 'print one JSON object' }),
  },
  async run(_args, o) {
    const { exploreVariant } = await import('../verify/properties/variants.js');
    const r = await exploreVariant(o.variant, o.runs, o.seed);
    const file = o.out ?? 'case.json';
    const scheduleFile = schedulePathBeside(file);
    if (r.case && r.schedule && o.out) {
      writeFileAtomic(o.out, JSON.stringify(r.case));
      writeFileAtomic(scheduleFile, JSON.stringify(r.schedule) + '\n');
    }
    const reproduce = r.found ? `spikegrad check ${file} --variant ${o.variant} --schedule ${scheduleFile}` : null;
    const choices = r.schedule ? (r.schedule.choices as unknown[]) : null;
    if (o.json) {
      console.log(JSON.stringify({ variant: r.variant, runs: r.runs, seed: r.seed, found: r.found, case: r.case, schedule: choices, policy: r.schedule?.policy ?? null, neurons: r.neurons, shrinks: r.shrinks, message: r.message, reproduce }));
    } else if (!r.found) {
      console.log(`variant ${r.variant}: nothing found in ${r.runs} random cases (seed ${r.seed}): the SNN equalled the integer ANN every time`);
    } else {
      console.log(`variant ${r.variant}: ${r.found} after shrinking (${r.shrinks} shrinks; ${r.neurons} neurons, a schedule of ${choices!.length} choices): ${r.message}`);
      console.log(`reproduce: ${reproduce}${o.out ? '' : '  (with --out case.json to save the case and its schedule)'}`);
      if (!o.out) console.log(`${JSON.stringify(r.case)}\n${JSON.stringify(r.schedule)}`);
    }
    if (r.found) process.exitCode = 1;
  },
});
