/** `spikegrad check CASE.json`: the event-driven SNN against the integer ANN, value by value. */
import type { Command } from 'commander';
import { simulateCase } from '../actors/simulateCase.js';
import { runAnnCase } from '../equivalence/layerResults.js';
import { compareResults, describeMismatch } from '../equivalence/compare.js';
import { readCaseFile } from '../network/caseFile.js';
import { formatStats } from './format.js';
import { addSnnOptions, snnOptionsFrom, type SnnCliOptions } from './snnOptions.js';

export function registerCheck(program: Command): void {
  addSnnOptions(
    program
      .command('check')
      .description('run a case event by event and compare every accumulated value with the integer ANN (exit 1 if any differs)')
      .argument('<case>', 'a spikegrad-case/1 JSON file'),
  )
    .option('--json', 'print one JSON object')
    .action(async (file: string, opts: SnnCliOptions & { json?: boolean }) => {
      const c = readCaseFile(file);
      const { options } = snnOptionsFrom(opts);
      const ann = runAnnCase(c);
      const snn = await simulateCase(c, options);
      const mismatches = compareResults(ann.layers, snn.layers);
      const equal = mismatches.length === 0 && ann.predicted === snn.predicted;
      if (opts.json) {
        console.log(JSON.stringify({ equal, snn: { layers: snn.layers, predicted: snn.predicted }, ann: { layers: ann.layers, predicted: ann.predicted }, mismatches, stats: snn.stats }));
      } else {
        console.log(formatStats(snn.stats));
        for (const m of mismatches) console.log(`MISMATCH ${describeMismatch(m)}`);
        console.log(equal ? `equal: the SNN (order ${opts.order}, policy ${opts.policy}, seed ${opts.seed}) matches the integer ANN exactly` : 'equal: NO');
      }
      if (!equal) process.exitCode = 1;
    });
}
