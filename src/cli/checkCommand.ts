/** `spikegrad check CASE.json`: the event-driven SNN against the integer ANN, value by value. */
import { simulateCase } from '../actors/simulateCase.js';
import { runAnnCase } from '../equivalence/layerResults.js';
import { compareResults, describeMismatch } from '../equivalence/compare.js';
import { readCaseFile } from '../network/caseFile.js';
import { defineCommand } from './command.js';
import { orderLabel, shardOptions, snnRunOptions, snnSettings } from './commonOptions.js';
import { formatStats } from './format.js';
import { flag } from './options.js';

export const checkCommand = defineCommand({
  name: 'check',
  summary: 'run a case event by event on the asynchronous SNN and compare every accumulated value with the integer ANN (exit 1 if any differs)',
  arguments: [{ name: 'case', description: 'a spikegrad-case/1 JSON file' }],
  options: { ...snnRunOptions("threads sharing each layer's neurons, this one included"), ...shardOptions, json: flag({ description: 'print one JSON object' }) },
  async run([file], o, { given }) {
    const c = readCaseFile(file);
    const { options } = snnSettings(o, given);
    const ann = runAnnCase(c);
    const snn = await simulateCase(c, options);
    const mismatches = compareResults(ann.layers, snn.layers);
    const equal = mismatches.length === 0 && ann.predicted === snn.predicted;
    if (o.json) {
      console.log(JSON.stringify({ equal, snn: { layers: snn.layers, predicted: snn.predicted }, ann: { layers: ann.layers, predicted: ann.predicted }, mismatches, stats: snn.stats }));
    } else {
      console.log(formatStats(snn.stats));
      for (const m of mismatches) console.log(`MISMATCH ${describeMismatch(m)}`);
      console.log(equal ? `equal: the SNN (${orderLabel(o)}, policy ${o.policy}) matches the integer ANN exactly` : 'equal: NO');
    }
    if (!equal) process.exitCode = 1;
  },
});
