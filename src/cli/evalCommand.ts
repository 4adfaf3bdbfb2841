/** `spikegrad eval MODEL`: accuracy of the integer network, by the integer ANN. */
import { InputError } from '../errors.js';
import { loadModel } from '../network/modelFile.js';
import { loadDataset } from '../train/data/sources.js';
import { evaluate } from '../train/evaluate.js';
import { defineCommand } from './command.js';
import { dataOptions } from './commonOptions.js';
import { choice, flag, integer } from './options.js';
import { withProgress } from './progress.js';

export const evalCommand = defineCommand({
  name: 'eval',
  summary: 'accuracy of an exported integer model, computed by the integer ANN',
  arguments: [{ name: 'model', description: 'a spikegrad-model/1 safetensors file' }],
  options: {
    ...dataOptions,
    split: choice(['test', 'validation'] as const, { default: 'test', placeholder: '<split>', description: 'which images: the test set, or the validation split (the last 10,000 training images)' }),
    samples: integer({ min: 1, description: 'only the first N images (default: all of the split)' }),
    json: flag({ description: 'print one JSON object' }),
  },
  async run([file], o) {
    const { network } = loadModel(file);
    const data = loadDataset(o.dataset, o.dataDir)[o.split];
    if (o.samples !== undefined && o.samples > data.count) throw new InputError(`--samples: expected at most ${data.count} (the ${o.split} images of ${o.dataset}), found ${o.samples}`);
    const n = o.samples ?? data.count;
    const r = await withProgress('eval |{bar}| {value}/{total} images | ETA {eta}s', n, (p) => evaluate(network, data, n, undefined, (done) => p.update(done)));
    if (o.json) console.log(JSON.stringify({ accuracy: r.accuracy, samples: r.samples, correct: r.correct, dataset: o.dataset, split: o.split, seconds: r.seconds }));
    else console.log(`accuracy ${(100 * r.accuracy).toFixed(2)} % (${r.correct}/${r.samples} ${o.dataset} ${o.split} images, integer ANN, ${(r.samples / r.seconds).toFixed(0)} images/s)`);
  },
});
