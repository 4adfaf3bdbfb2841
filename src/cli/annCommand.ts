/** `spikegrad ann CASE.json`: the integer ANN of a case. */
import { runAnnCase } from '../equivalence/layerResults.js';
import { readCaseFile } from '../network/caseFile.js';
import { defineCommand } from './command.js';
import { formatLayerResults } from './format.js';
import { flag } from './options.js';

export const annCommand = defineCommand({
  name: 'ann',
  summary: 'compute the equivalent integer ANN of a case: S (hidden) or V (classification), E, dW, db per layer',
  arguments: [{ name: 'case', description: 'a spikegrad-case/1 JSON file' }],
  options: { json: flag({ description: 'print one JSON object' }) },
  run([file], o) {
    const c = readCaseFile(file);
    const result = runAnnCase(c);
    if (o.json) {
      console.log(JSON.stringify({ layers: result.layers, predicted: result.predicted }));
    } else {
      console.log(formatLayerResults(c.network, result.layers));
      console.log(`predicted class ${result.predicted}, target ${c.target}`);
    }
  },
});
