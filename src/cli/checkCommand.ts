/** `spikegrad check CASE.json`: the event-driven SNN against the integer ANN, value by value. */
import { simulateCase } from '../actors/simulateCase.js';
import { runAnnCase } from '../equivalence/layerResults.js';
import { compareResults, describeMismatch } from '../equivalence/compare.js';
import { readCaseFile } from '../network/caseFile.js';
import { defineCommand } from './command.js';
import { orderLabel, shardOptions, snnRunOptions, snnSettings } from './commonOptions.js';
import { formatStats } from './format.js';
import { neuronRule, VARIANT_NAMES } from '../actors/kernels/neuronRule.js';
import { QuiescenceError } from '../errors.js';
import { choice, flag } from './options.js';

export const checkCommand = defineCommand({
  name: 'check',
  summary: 'run a case event by event on the asynchronous SNN and compare every accumulated value with the integer ANN (exit 1 if any differs)',
  arguments: [{ name: 'case', description: 'a spikegrad-case/1 JSON file' }],
  options: {
    ...snnRunOptions("threads sharing each layer's neurons, this one included"),
    ...shardOptions,
    variant: choice(VARIANT_NAMES, { default: 'paper', placeholder: '<name>', description: 'a variant of the neuron rule for the spiking neurons (the integer ANN keeps the paper\'s); runs in one thread' }),
    json: flag({ description: 'print one JSON object' }),
  },
  async run([file], o, { given }) {
    const c = readCaseFile(file);
    const { options } = snnSettings(o, given);
    const variant = o.variant !== 'paper';
    if (variant) {
      options.rule = neuronRule(o.variant);
      if (!given('workers')) options.workers = 1;
    }
    const ann = runAnnCase(c);
    let snn: Awaited<ReturnType<typeof simulateCase>>;
    try {
      snn = await simulateCase(c, options);
    } catch (e) {
      // Under a variant a phase that never becomes quiet is a finding, not a failure of the tool.
      if (!(variant && e instanceof QuiescenceError)) throw e;
      if (o.json) console.log(JSON.stringify({ equal: false, found: 'no-quiescence', variant: o.variant, message: e.message }));
      else console.log(`no-quiescence (variant ${o.variant}): ${e.message}\nequal: NO`);
      process.exitCode = 1;
      return;
    }
    const mismatches = compareResults(ann.layers, snn.layers);
    const equal = mismatches.length === 0 && ann.predicted === snn.predicted;
    if (o.json) {
      console.log(JSON.stringify({ equal, ...(variant ? { variant: o.variant, found: equal ? null : 'mismatch' } : {}), snn: { layers: snn.layers, predicted: snn.predicted }, ann: { layers: ann.layers, predicted: ann.predicted }, mismatches, stats: snn.stats }));
    } else {
      console.log(formatStats(snn.stats));
      for (const m of mismatches) console.log(`MISMATCH ${describeMismatch(m)}`);
      console.log(equal ? `equal: the SNN (${orderLabel(o)}, policy ${o.policy}${variant ? `, variant ${o.variant}` : ''}) matches the integer ANN exactly` : `equal: NO${variant ? ` (variant ${o.variant})` : ''}`);
    }
    if (!equal) process.exitCode = 1;
  },
});
