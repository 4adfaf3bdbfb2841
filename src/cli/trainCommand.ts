/** `spikegrad train`: train with the spike gradient, save the best integer model, report test accuracy. */
import { Option, type Command } from 'commander';
import cliProgress from 'cli-progress';
import { InputError } from '../errors.js';
import { DEFAULT_INIT_ACTIVATION, initNetwork } from '../network/init.js';
import { loadModel, saveModel } from '../network/modelFile.js';
import { loadCheckpoint, saveCheckpoint } from '../train/checkpoint.js';
import { sliceDataset } from '../train/data/dataset.js';
import { DATASET_NAMES, loadDataset } from '../train/data/sources.js';
import { checkModelFitsData, evaluate } from '../train/evaluate.js';
import { trainExact } from '../train/exact/exactTrainer.js';
import type { TrainHooks } from '../train/trainingLoop.js';
import { trainTfjs, type TfjsTrainConfig } from '../train/tfjs/tfjsTrainer.js';
import { DEFAULT_WEIGHT_BITS } from '../train/tfjs/quantise.js';
import { BACKEND_NAMES } from '../train/tfjs/backend.js';
import { resolveTopology } from '../network/topologyFile.js';
import { integerOption } from './snnOptions.js';
import { accuracyChart, writeSvg } from '../report/charts.js';
import { defaultWorkers } from '../actors/openNetwork.js';
import { DEFAULT_HYPERPARAMETERS } from '../train/optimizer.js';

interface TrainOptions {
  dataset: string;
  dataDir?: string;
  topology: string;
  epochs: string;
  batch: string;
  alpha: string;
  lr: string;
  momentum: string;
  weightDecay: string;
  theta: string;
  initActivation: string;
  shift: string;
  rotate: string;
  scale: string;
  gradient: string;
  engine: string;
  backend: string;
  weightBits: string;
  seed: string;
  limit?: string;
  valSamples?: string;
  testSamples?: string;
  out: string;
  checkpoint?: string;
  resume?: string;
  workers?: string;
  plot?: string;
  json?: boolean;
}

const positive = (name: string, v: string): number => {
  const n = Number(v);
  if (!(n > 0) || !Number.isFinite(n)) throw new InputError(`${name}: expected a positive number, found "${v}"`);
  return n;
};

export function registerTrain(program: Command): void {
  program
    .command('train')
    .description('train a SpikeGrad network (spike gradient by default) and save the best exported integer model')
    .addOption(new Option('--dataset <name>', 'data set').choices([...DATASET_NAMES]).default('mnist'))
    .option('--data-dir <dir>', 'folder with the data set files (default: the embedded or Debian copy)')
    .option('--topology <t>', 'mnist, cifar10 or a JSON file with inputShape and layers', 'mnist')
    .option('--epochs <n>', 'epochs', '1')
    .option('--batch <n>', 'mini-batch size', '32')
    .option('--alpha <a>', 'error scale α', '50')
    .option('--lr <x>', 'learning rate (real units, divided by α internally)', String(DEFAULT_HYPERPARAMETERS.lr))
    .option('--momentum <x>', 'SGD momentum', String(DEFAULT_HYPERPARAMETERS.momentum))
    .option('--weight-decay <x>', 'weight decay', String(DEFAULT_HYPERPARAMETERS.weightDecay))
    .option('--theta <n>', 'forward threshold Θ of the weighted layers of a preset topology', '1024')
    .option('--init-activation <n>', 'typical spike count S of a hidden neuron that the initial weights aim for', String(DEFAULT_INIT_ACTIVATION))
    .option('--shift <n>', 'tfjs engine: augment by random translations of up to N pixels (seeded)', '0')
    .option('--rotate <deg>', 'tfjs engine: augment by random rotations of up to DEG degrees (seeded)', '0')
    .option('--scale <f>', 'tfjs engine: augment by random zoom factors in [1 − F, 1 + F] (seeded)', '0')
    .addOption(new Option('--gradient <g>', 'spike (rounded errors) or float (the ANN ablation; tfjs engine)').choices(['spike', 'float']).default('spike'))
    .addOption(new Option('--engine <e>', 'tfjs (fast, float32) or exact (the integer ANN, bit-exact)').choices(['tfjs', 'exact']).default('tfjs'))
    .addOption(new Option('--backend <b>', 'TensorFlow.js backend of the tfjs engine').choices([...BACKEND_NAMES]).default('auto'))
    .option('--weight-bits <n>', 'tfjs engine: bits of the largest weight of each layer on export (sets the power-of-two Θ)', String(DEFAULT_WEIGHT_BITS))
    .option('--seed <n>', 'seed of initialisation and shuffling', '1')
    .option('--limit <n>', 'use only the first N training images')
    .option('--val-samples <n>', 'validation images scored after each epoch (default all)')
    .option('--test-samples <n>', 'test images for the final figure (default all)')
    .option('--out <file>', 'where the best integer model goes', 'model.safetensors')
    .option('--checkpoint <file>', 'checkpoint written after each epoch and on Ctrl-C (default OUT.ckpt)')
    .option('--resume <ckpt>', 'continue from a checkpoint (its configuration is used)')
    .option('--workers <n>', `worker threads sharing each mini-batch (0 or 1: this thread; default ${defaultWorkers()}); exact engine and tfjs spike gradient: the weights do not depend on it`)
    .option('--plot <file>', 'accuracy per epoch as SVG (default OUT.accuracy.svg)')
    .option('--json', 'print one JSON object at the end')
    .action(async (o: TrainOptions) => {
      const splits = loadDataset(o.dataset, o.dataDir);
      const checkpointPath = o.checkpoint ?? `${o.out}.ckpt`;
      const resume = o.resume ? loadCheckpoint(o.resume) : undefined;
      // Checkpoints from before the tfjs engine hold exact-engine configurations without these fields.
      const config: Config = resume ? ({ engine: 'exact', gradient: 'spike', ...resume.config } as unknown as Config) : configFrom(o);
      checkAugmentation(config);
      if (config.engine === 'exact' && config.gradient === 'float') throw new InputError('--gradient float: the exact engine trains with the spike gradient only; use --engine tfjs for the float-gradient ablation');
      const train = config.limit ? sliceDataset(splits.train, 0, config.limit) : splits.train;
      const init = { seed: config.seed, inputRms: 100, targetActivation: positive('--init-activation', o.initActivation) };
      const network = resume ? resume.network : initNetwork(resolveTopology(o.topology, integerOption('--theta', o.theta)), init);
      checkModelFitsData(network, splits.train);
      const testSamples = o.testSamples ? integerOption('--test-samples', o.testSamples) : splits.test.count;
      const say = (line: string) => (o.json ? process.stderr.write(`${line}\n`) : console.log(line));
      const engineName = config.engine === 'tfjs' ? `tfjs engine (backend ${config.backend})` : 'exact engine';
      say(`training on ${train.count} ${config.dataset} images (${splits.validation.count} validation, ${splits.test.count} test), ${engineName}, ${config.gradient} gradient, α ${config.alpha}, batch ${config.batch}, ${config.epochs} epoch(s)${describeAugmentation(config)}, seed ${config.seed}${resume ? `, resumed at epoch ${resume.progress.epoch + 1} step ${resume.progress.batch + 1}` : ''}`);

      const bar = new cliProgress.SingleBar(
        { format: 'epoch {epoch} |{bar}| {percentage}% | loss {loss} | acc {acc} | {ips} img/s | ETA {eta}s', hideCursor: true, stream: process.stderr, noTTYOutput: true, notTTYSchedule: 10_000 },
        cliProgress.Presets.shades_classic,
      );
      let barEpoch = -1;
      let stop = false;
      const onSigint = () => (stop = true);
      process.on('SIGINT', onSigint);
      const hooks: TrainHooks = {
        onBatch: (r) => {
          if (r.epoch !== barEpoch) {
            if (barEpoch >= 0) bar.stop();
            bar.start(r.batches, 0, { epoch: `${r.epoch + 1}/${config.epochs}`, loss: '-', acc: '-', ips: '-' });
            barEpoch = r.epoch;
          }
          bar.update(r.batch, { loss: r.loss.toFixed(3), acc: r.accuracy.toFixed(3), ips: r.imagesPerSecond.toFixed(0) });
        },
        onEpoch: (record, ckpt, isBest, model) => {
          bar.stop();
          barEpoch = -1;
          if (isBest) saveModel(o.out, { network: model, info: { alpha: String(config.alpha), dataset: config.dataset, engine: config.engine, gradient: config.gradient, epoch: String(record.epoch), validationAccuracy: String(record.validationAccuracy) } });
          saveCheckpoint(checkpointPath, ckpt);
          say(`epoch ${record.epoch}/${config.epochs}: loss ${record.loss.toFixed(4)}, train ${(100 * record.trainAccuracy).toFixed(2)} %, validation ${(100 * record.validationAccuracy).toFixed(2)} % (integer network), ${record.imagesPerSecond.toFixed(0)} img/s${record.backpropagatedShare === undefined ? '' : ` (backward on ${(100 * record.backpropagatedShare).toFixed(0)} %)`}, ${record.seconds.toFixed(1)} s${isBest ? ' (best, saved)' : ''}`);
        },
        interrupted: () => stop,
        onInterrupt: (ckpt) => {
          bar.stop();
          saveCheckpoint(checkpointPath, ckpt);
          say(`interrupted: checkpoint saved to ${checkpointPath}; continue with --resume ${checkpointPath}`);
        },
      };
      try {
        const data = { train, validation: splits.validation, test: splits.test };
        const result = config.engine === 'tfjs'
          ? await trainTfjs(network, data, config, hooks, resume, testSamples)
          : await trainExact(network, train, splits.validation, config, hooks, resume);
        if (result.interrupted) {
          process.exitCode = 130;
          return;
        }
        if ('backend' in result) say(`backend: ${result.backend}`);
        const plot = o.plot ?? `${o.out}.accuracy.svg`;
        await writeSvg(plot, accuracyChart(result.history, `${config.dataset}: accuracy per epoch (${config.gradient} gradient, ${engineName}, seed ${config.seed})`));
        say(`accuracy chart → ${plot}`);
        const best = loadModel(o.out).network;
        const test = evaluate(best, splits.test, testSamples);
        const tfjsTest = 'tfjsTestAccuracy' in result ? result.tfjsTestAccuracy : null;
        if (o.json) {
          console.log(JSON.stringify({ engine: config.engine, backend: 'backend' in result ? result.backend : null, history: result.history, best: result.best, testAccuracy: test.accuracy, testSamples: test.samples, tfjsTestAccuracy: tfjsTest, out: o.out, checkpoint: checkpointPath, plot }));
        } else {
          if (tfjsTest !== null) {
            const difference = 100 * (test.accuracy - tfjsTest);
            console.log(`tfjs test accuracy (real weights) ${(100 * tfjsTest).toFixed(2)} %, exported integer network ${(100 * test.accuracy).toFixed(2)} % (${difference >= 0 ? '+' : ''}${difference.toFixed(2)} points)`);
          }
          console.log(`test accuracy ${(100 * test.accuracy).toFixed(2)} % on ${test.samples} images (integer ANN of the best model, epoch ${result.best?.epoch}) → ${o.out}`);
        }
      } finally {
        bar.stop();
        process.off('SIGINT', onSigint);
      }
    });
}

type Config = TfjsTrainConfig & { engine: 'tfjs' | 'exact'; limit: number | null; dataset: string };

function configFrom(o: TrainOptions): Config {
  return {
    engine: o.engine as Config['engine'],
    gradient: o.gradient as Config['gradient'],
    backend: o.backend as Config['backend'],
    weightBits: integerOption('--weight-bits', o.weightBits),
    shift: integerOption('--shift', o.shift),
    rotate: Number(o.rotate),
    scale: Number(o.scale),
    epochs: integerOption('--epochs', o.epochs),
    batch: integerOption('--batch', o.batch),
    alpha: positive('--alpha', o.alpha),
    seed: integerOption('--seed', o.seed),
    optimizer: { lr: positive('--lr', o.lr), momentum: Number(o.momentum), weightDecay: Number(o.weightDecay), schedule: 'cosine' },
    validationSamples: o.valSamples ? integerOption('--val-samples', o.valSamples) : undefined,
    inputScale: DEFAULT_HYPERPARAMETERS.inputScale,
    workers: o.workers === undefined ? defaultWorkers() : integerOption('--workers', o.workers),
    limit: o.limit ? integerOption('--limit', o.limit) : null,
    dataset: o.dataset,
  };
}

function checkAugmentation(config: Config): void {
  const { shift = 0, rotate = 0, scale = 0 } = config;
  if (!(Number.isInteger(shift) && shift >= 0 && shift <= 8)) throw new InputError(`--shift: expected an integer from 0 to 8 pixels, found ${shift}`);
  if (!(rotate >= 0 && rotate <= 180)) throw new InputError(`--rotate: expected degrees from 0 to 180, found ${rotate}`);
  if (!(scale >= 0 && scale < 1)) throw new InputError(`--scale: expected a fraction in [0, 1), found ${scale}`);
  if (config.engine === 'exact' && (shift > 0 || rotate > 0 || scale > 0)) {
    throw new InputError('--shift/--rotate/--scale: augmentation belongs to the tfjs engine; the exact engine trains on the images as they are');
  }
}

function describeAugmentation({ shift = 0, rotate = 0, scale = 0 }: Config): string {
  const parts = [shift > 0 ? `shifts ≤ ${shift} px` : '', rotate > 0 ? `rotations ≤ ${rotate}°` : '', scale > 0 ? `zoom ±${scale}` : ''].filter(Boolean);
  return parts.length ? `, random ${parts.join(', ')}` : '';
}
