/** `spikegrad train`: train with the spike gradient, save the best integer model, report test accuracy. */
import { Option, type Command } from 'commander';
import cliProgress from 'cli-progress';
import { InputError } from '../errors.js';
import { initNetwork } from '../network/init.js';
import { loadModel, saveModel } from '../network/modelFile.js';
import { loadCheckpoint, saveCheckpoint } from '../train/checkpoint.js';
import { sliceDataset } from '../train/data/dataset.js';
import { DATASET_NAMES, loadDataset } from '../train/data/sources.js';
import { checkModelFitsData, evaluate } from '../train/evaluate.js';
import { trainExact, type ExactTrainConfig } from '../train/exactTrainer.js';
import { resolveTopology } from '../train/topologyFile.js';
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
  gradient: string;
  engine: string;
  seed: string;
  limit?: string;
  valSamples?: string;
  testSamples?: string;
  out: string;
  checkpoint?: string;
  resume?: string;
  workers: string;
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
    .description('train a SpikeGrad network with the spike gradient and save the best integer model')
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
    .addOption(new Option('--gradient <g>', 'spike (rounded errors) or float (the ANN ablation)').choices(['spike', 'float']).default('spike'))
    .addOption(new Option('--engine <e>', 'training engine').choices(['exact', 'tfjs']).default('exact'))
    .option('--seed <n>', 'seed of initialisation and shuffling', '1')
    .option('--limit <n>', 'use only the first N training images')
    .option('--val-samples <n>', 'validation images scored after each epoch (default all)')
    .option('--test-samples <n>', 'test images for the final figure (default all)')
    .option('--out <file>', 'where the best integer model goes', 'model.safetensors')
    .option('--checkpoint <file>', 'checkpoint written after each epoch and on Ctrl-C (default OUT.ckpt)')
    .option('--resume <ckpt>', 'continue from a checkpoint (its configuration is used)')
    .option('--workers <n>', 'worker threads sharing each mini-batch (0 or 1: this thread; the weights do not depend on it)', String(defaultWorkers()))
    .option('--plot <file>', 'accuracy per epoch as SVG (default OUT.accuracy.svg)')
    .option('--json', 'print one JSON object at the end')
    .action(async (o: TrainOptions) => {
      if (o.engine === 'tfjs') throw new InputError('--engine tfjs: the TensorFlow.js engine is not part of this version yet; use --engine exact');
      if (o.gradient === 'float') throw new InputError('--gradient float: the float-gradient ablation belongs to the tfjs engine, which is not part of this version yet; the exact engine trains with the spike gradient');
      const splits = loadDataset(o.dataset, o.dataDir);
      const checkpointPath = o.checkpoint ?? `${o.out}.ckpt`;
      const resume = o.resume ? loadCheckpoint(o.resume) : undefined;
      const config: ExactTrainConfig & { limit: number | null; dataset: string } = resume
        ? (resume.config as unknown as ExactTrainConfig & { limit: number | null; dataset: string })
        : {
            epochs: integerOption('--epochs', o.epochs),
            batch: integerOption('--batch', o.batch),
            alpha: positive('--alpha', o.alpha),
            seed: integerOption('--seed', o.seed),
            optimizer: { lr: positive('--lr', o.lr), momentum: Number(o.momentum), weightDecay: Number(o.weightDecay), schedule: 'cosine' },
            validationSamples: o.valSamples ? integerOption('--val-samples', o.valSamples) : undefined,
            inputScale: DEFAULT_HYPERPARAMETERS.inputScale,
            workers: integerOption('--workers', o.workers),
            limit: o.limit ? integerOption('--limit', o.limit) : null,
            dataset: o.dataset,
          };
      const train = config.limit ? sliceDataset(splits.train, 0, config.limit) : splits.train;
      const network = resume ? resume.network : initNetwork(resolveTopology(o.topology, integerOption('--theta', o.theta)), { seed: config.seed, inputRms: 100 });
      checkModelFitsData(network, splits.train);
      const say = (line: string) => (o.json ? process.stderr.write(`${line}\n`) : console.log(line));
      say(`training on ${train.count} ${o.dataset} images (${splits.validation.count} validation, ${splits.test.count} test), exact engine, spike gradient, α ${config.alpha}, batch ${config.batch}, ${config.epochs} epoch(s), seed ${config.seed}${resume ? `, resumed at epoch ${resume.progress.epoch + 1} step ${resume.progress.batch + 1}` : ''}`);

      const bar = new cliProgress.SingleBar(
        { format: 'epoch {epoch} |{bar}| {percentage}% | loss {loss} | acc {acc} | {ips} img/s | ETA {eta}s', hideCursor: true, stream: process.stderr, noTTYOutput: true, notTTYSchedule: 10_000 },
        cliProgress.Presets.shades_classic,
      );
      let barEpoch = -1;
      let stop = false;
      const onSigint = () => (stop = true);
      process.on('SIGINT', onSigint);
      try {
        const result = await trainExact(network, train, splits.validation, config, {
          onBatch: (r) => {
            if (r.epoch !== barEpoch) {
              if (barEpoch >= 0) bar.stop();
              bar.start(r.batches, 0, { epoch: `${r.epoch + 1}/${config.epochs}`, loss: '-', acc: '-', ips: '-' });
              barEpoch = r.epoch;
            }
            bar.update(r.batch, { loss: r.loss.toFixed(3), acc: r.accuracy.toFixed(3), ips: r.imagesPerSecond.toFixed(0) });
          },
          onEpoch: (record, ckpt, isBest) => {
            bar.stop();
            barEpoch = -1;
            if (isBest) saveModel(o.out, { network, info: { alpha: String(config.alpha), dataset: o.dataset, epoch: String(record.epoch), validationAccuracy: String(record.validationAccuracy) } });
            saveCheckpoint(checkpointPath, ckpt);
            say(`epoch ${record.epoch}/${config.epochs}: loss ${record.loss.toFixed(4)}, train ${(100 * record.trainAccuracy).toFixed(2)} %, validation ${(100 * record.validationAccuracy).toFixed(2)} %, ${record.imagesPerSecond.toFixed(0)} img/s, ${record.seconds.toFixed(1)} s${isBest ? ' (best, saved)' : ''}`);
          },
          interrupted: () => stop,
          onInterrupt: (ckpt) => {
            bar.stop();
            saveCheckpoint(checkpointPath, ckpt);
            say(`interrupted: checkpoint saved to ${checkpointPath}; continue with --resume ${checkpointPath}`);
          },
        }, resume);
        if (result.interrupted) {
          process.exitCode = 130;
          return;
        }
        const plot = o.plot ?? `${o.out}.accuracy.svg`;
        await writeSvg(plot, accuracyChart(result.history, `${o.dataset}: accuracy per epoch (spike gradient, exact engine, seed ${config.seed})`));
        say(`accuracy chart → ${plot}`);
        const best = loadModel(o.out).network;
        const test = evaluate(best, splits.test, o.testSamples ? integerOption('--test-samples', o.testSamples) : splits.test.count);
        if (o.json) {
          console.log(JSON.stringify({ history: result.history, best: result.best, testAccuracy: test.accuracy, testSamples: test.samples, out: o.out, checkpoint: checkpointPath, plot }));
        } else {
          console.log(`test accuracy ${(100 * test.accuracy).toFixed(2)} % on ${test.samples} images (integer ANN of the best model, epoch ${result.best?.epoch}) → ${o.out}`);
        }
      } finally {
        bar.stop();
        process.off('SIGINT', onSigint);
      }
    });
}
