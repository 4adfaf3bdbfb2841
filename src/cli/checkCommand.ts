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
import { choice, flag, flagName, inputFile, outputFile } from './options.js';
import { InputError } from '../errors.js';
import { writeFileAtomic } from '../files.js';
import { readScheduleFile, scheduleToJson } from '../streams/scheduleFile.js';

export const checkCommand = defineCommand({
  name: 'check',
  summary: 'run a case event by event on the asynchronous SNN and compare every accumulated value with the integer ANN (exit 1 if any differs)',
  arguments: [{ name: 'case', description: 'a spikegrad-case/1 JSON file' }],
  options: {
    ...snnRunOptions("threads sharing each layer's neurons, this one included"),
    ...shardOptions,
    variant: choice(VARIANT_NAMES, { default: 'paper', placeholder: '<name>', description: 'a variant of the neuron rule for the spiking neurons (the integer ANN keeps the paper\'s); runs in one thread' }),
    schedule: inputFile({ placeholder: '<schedule.json>', description: 'replay a spikegrad-schedule/1 file exactly: its choices decide every delivery (in place of --order) and its policy is used' }),
    recordSchedule: outputFile({ placeholder: '<schedule.json>', description: 'write this run\'s deliveries as a spikegrad-schedule/1 file, for --schedule (orders without split, no latency model)' }),
    json: flag({ description: 'print one JSON object' }),
  },
  check(o, { given }) {
    if (o.schedule !== undefined) {
      for (const key of ['order', 'latency', 'concurrent', 'recordSchedule'] as const) {
        if (given(key)) throw new InputError(`--schedule: the schedule decides every delivery; leave out ${flagName(key)}`);
      }
    }
    if (o.recordSchedule !== undefined) {
      if (o.order.split(',').some((name) => name.trim() === 'split')) throw new InputError(`--record-schedule: --order ${o.order} regroups packets inside the order, which a schedule cannot record; use fifo, reverse, shuffle or delay`);
      if (given('latency') || o.concurrent) throw new InputError('--record-schedule: only runs ordered on the bus without a latency model have choices to record (leave out --latency and --concurrent)');
    }
  },
  async run([file], o, { given }) {
    const c = readCaseFile(file);
    const scripted = o.schedule === undefined ? null : readScheduleFile(o.schedule);
    if (scripted && given('policy') && o.policy !== scripted.policy) {
      throw new InputError(`--policy ${o.policy}: ${o.schedule} was made with policy ${scripted.policy} (policy: "${scripted.policy}"); leave out --policy`);
    }
    const { options } = snnSettings(scripted ? { ...o, policy: scripted.policy } : o, given);
    if (scripted) options.schedule = scripted.choices;
    if (o.recordSchedule) options.recordSchedule = true;
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
    if (o.recordSchedule && snn.schedule) writeFileAtomic(o.recordSchedule, JSON.stringify(scheduleToJson({ choices: snn.schedule, policy: o.policy })) + '\n');
    const schedule = scripted?.choices ?? snn.schedule;
    if (o.json) {
      console.log(JSON.stringify({ equal, ...(variant ? { variant: o.variant, found: equal ? null : 'mismatch' } : {}), ...(schedule ? { schedule } : {}), snn: { layers: snn.layers, predicted: snn.predicted }, ann: { layers: ann.layers, predicted: ann.predicted }, mismatches, stats: snn.stats }));
    } else {
      console.log(formatStats(snn.stats));
      for (const m of mismatches) console.log(`MISMATCH ${describeMismatch(m)}`);
      const how = scripted ? `schedule ${o.schedule} (${scripted.choices.length} choices)` : orderLabel(o);
      if (o.recordSchedule) console.log(`schedule of this run: ${snn.schedule!.length} choices, written to ${o.recordSchedule}`);
      console.log(equal ? `equal: the SNN (${how}, policy ${scripted?.policy ?? o.policy}${variant ? `, variant ${o.variant}` : ''}) matches the integer ANN exactly` : `equal: NO${variant ? ` (variant ${o.variant})` : ''}`);
    }
    if (!equal) process.exitCode = 1;
  },
});
