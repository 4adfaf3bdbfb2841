/** `spikegrad eval MODEL`: accuracy of the integer network, by the integer ANN. */
import { Option, type Command } from 'commander';
import { loadModel } from '../network/modelFile.js';
import { DATASET_NAMES, loadDataset } from '../train/data/sources.js';
import { evaluate } from '../train/evaluate.js';
import { integerOption } from './snnOptions.js';

export function registerEval(program: Command): void {
  program
    .command('eval')
    .description('accuracy of an exported integer model, computed by the integer ANN')
    .argument('<model>', 'a spikegrad-model/1 safetensors file')
    .addOption(new Option('--dataset <name>', 'data set').choices([...DATASET_NAMES]).default('mnist'))
    .option('--data-dir <dir>', 'folder with the data set files')
    .addOption(new Option('--split <split>', 'which images').choices(['test', 'validation']).default('test'))
    .option('--samples <n>', 'only the first N images')
    .option('--json', 'print one JSON object')
    .action((file: string, o: { dataset: string; dataDir?: string; split: 'test' | 'validation'; samples?: string; json?: boolean }) => {
      const { network } = loadModel(file);
      const data = loadDataset(o.dataset, o.dataDir)[o.split];
      const r = evaluate(network, data, o.samples ? integerOption('--samples', o.samples) : data.count);
      if (o.json) console.log(JSON.stringify({ accuracy: r.accuracy, samples: r.samples, correct: r.correct, dataset: o.dataset, split: o.split, seconds: r.seconds }));
      else console.log(`accuracy ${(100 * r.accuracy).toFixed(2)} % (${r.correct}/${r.samples} ${o.dataset} ${o.split} images, integer ANN, ${(r.samples / r.seconds).toFixed(0)} images/s)`);
    });
}
