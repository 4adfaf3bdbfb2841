/** `spikegrad ann CASE.json`: the integer ANN of a case. */
import type { Command } from 'commander';
import { runAnnCase } from '../equivalence/layerResults.js';
import { readCaseFile } from '../network/caseFile.js';
import { formatLayerResults } from './format.js';

export function registerAnn(program: Command): void {
  program
    .command('ann')
    .description('compute the equivalent integer ANN of a case (S, V, E, dW, db per layer)')
    .argument('<case>', 'a spikegrad-case/1 JSON file')
    .option('--json', 'print one JSON object')
    .action((file: string, opts: { json?: boolean }) => {
      const c = readCaseFile(file);
      const result = runAnnCase(c);
      if (opts.json) {
        console.log(JSON.stringify({ layers: result.layers, predicted: result.predicted }));
      } else {
        console.log(formatLayerResults(c.network, result.layers));
        console.log(`predicted class ${result.predicted}, target ${c.target}`);
      }
    });
}
