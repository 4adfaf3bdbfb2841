/**
 * `spikegrad case --out FILE`: write a spikegrad-case/1 file for `check`, `simulate` and `ann` — a
 * network (a preset or topology file with seeded integer weights, or a trained model) and one input
 * (seeded random values, or an image of a data set) with its target and α.
 */
import { InputError } from '../errors.js';
import { writeFileAtomic } from '../files.js';
import { caseToJson, type SpikeCase } from '../network/caseFile.js';
import { initNetwork } from '../network/init.js';
import { loadModel } from '../network/modelFile.js';
import { resolveTopology } from '../network/topologyFile.js';
import { sizeOf } from '../network/topology.js';
import { Rng } from '../random.js';
import { imageAt } from '../train/data/dataset.js';
import { loadDataset } from '../train/data/sources.js';
import { checkModelFitsData } from '../train/evaluate.js';
import { defineCommand } from './command.js';
import { dataOptions, seedOption } from './commonOptions.js';
import { inputFile, integer, number, outputFile, text } from './options.js';
import { modelAlpha } from './verifyCommand.js';

const INPUT_GRAMMAR = 'random, test:<i> or train:<i>';

function parseInputSource(text: string): { kind: 'random' } | { kind: 'test' | 'train'; index: number } | null {
  if (text === 'random') return { kind: 'random' };
  const m = /^(test|train):(\d+)$/.exec(text);
  return m ? { kind: m[1] as 'test' | 'train', index: Number(m[2]) } : null;
}

export const caseCommand = defineCommand({
  name: 'case',
  summary: 'write a case file: a network with seeded integer weights (or a trained model) and one input, for check, simulate and ann',
  details: [
    'Random inputs are integers drawn uniformly from [0, --max-input] by the seeded generator; a data set image keeps its label as the target unless --target is given. Large networks make large files (the CIFAR-10 preset: about 50 million weights).',
  ],
  arguments: [],
  options: {
    out: outputFile({ description: 'the case file to write (required)' }),
    topology: text({ default: 'mnist', placeholder: '<t>', description: 'mnist, cifar10 or a topology file (JSON with inputShape and layers, see the README)' }),
    theta: integer({ min: 1, max: 2 ** 24, default: '1024', description: 'forward threshold Θ of the weighted layers of a preset topology' }),
    model: inputFile({ description: 'take the network of a spikegrad-model/1 file instead of --topology' }),
    seed: seedOption('seed of the weights and of a random input'),
    input: text({ default: 'random', placeholder: '<source>', description: 'the input: seeded random values, or an image of --dataset', expected: INPUT_GRAMMAR, check: (t) => (parseInputSource(t) ? null : INPUT_GRAMMAR) }),
    maxInput: integer({ min: 1, max: 2 ** 20, default: '255', description: 'largest value of a random input' }),
    ...dataOptions,
    target: integer({ min: 0, placeholder: '<class>', defaultDoc: "the image's label, or 0 for a random input", description: 'the true class' }),
    alpha: number({ above: 0, max: 1e6, placeholder: '<a>', defaultDoc: "the model's, else 50", description: 'error scale α' }),
  },
  check(o, { given }) {
    if (o.out === undefined) throw new InputError('--out: expected the case file to write, found nothing');
    if (o.model !== undefined && (given('topology') || given('theta'))) throw new InputError('--model: the network comes from the model; leave out --topology and --theta');
    if (o.model !== undefined && given('seed') && o.input !== 'random') throw new InputError('--seed: seeds random weights and a random input; with --model and a data set image there is nothing to seed');
    if (o.input === 'random' && (given('dataset') || given('dataDir'))) throw new InputError(`--dataset: only used with --input test:<i> or train:<i>, found --input random`);
    if (o.input !== 'random' && given('maxInput')) throw new InputError('--max-input: only used with --input random');
  },
  run(_args, o) {
    const model = o.model === undefined ? null : loadModel(o.model);
    const network = model ? model.network : initNetwork(resolveTopology(o.topology, o.theta), { seed: o.seed });
    const source = parseInputSource(o.input)!;
    const size = sizeOf(network.layers[0].inShape);
    const classes = network.layers[network.layers.length - 1].outShape[0];
    let input: Float64Array;
    let label = 0;
    if (source.kind === 'random') {
      // A stream of its own, so the input does not depend on how many weights were drawn.
      const rng = new Rng(o.seed + 0x5bd1e995);
      input = Float64Array.from({ length: size }, () => rng.int(0, o.maxInput));
    } else {
      const splits = loadDataset(o.dataset, o.dataDir);
      const split = splits[source.kind];
      checkModelFitsData(network, split);
      if (source.index >= split.count) throw new InputError(`--input ${o.input}: expected an index below ${split.count} (the ${source.kind} set of ${o.dataset}), found ${source.index}`);
      input = Float64Array.from(imageAt(split, source.index));
      label = split.labels[source.index];
    }
    const target = o.target ?? label;
    if (target >= classes) throw new InputError(`--target: expected a class index from 0 to ${classes - 1}, found ${target}`);
    const alpha = model ? modelAlpha(o.alpha, model.info, o.model!) : (o.alpha ?? 50);
    const c: SpikeCase = { network, input, target, alpha };
    writeFileAtomic(o.out!, JSON.stringify(caseToJson(c)));
    console.log(`wrote ${o.out}: ${network.layers.length} layers, ${size} inputs, target ${target}, α ${alpha}`);
  },
});
