/** `spikegrad train`: train with the spike gradient, save the best integer model, report test accuracy. */
import { InputError } from '../errors.js';
import { prepareOutputFile } from '../files.js';
import { DEFAULT_INIT_ACTIVATION, initNetwork } from '../network/init.js';
import { loadModel, saveModel } from '../network/modelFile.js';
import { resolveTopology } from '../network/topologyFile.js';
import type { Network } from '../network/topology.js';
import { SparsityMeter } from '../equivalence/gradientSparsity.js';
import { accuracyChart, sparsityChart, writeSvg } from '../report/charts.js';
import { loadCheckpoint, saveCheckpoint, type Checkpoint } from '../train/checkpoint.js';
import { imageAt, sliceDataset } from '../train/data/dataset.js';
import { loadDataset } from '../train/data/sources.js';
import { checkModelFitsData, evaluate } from '../train/evaluate.js';
import type { TrainResult } from '../train/exact/exactTrainer.js';
import { DEFAULT_HYPERPARAMETERS } from '../train/optimizer.js';
import type { EpochRecord, TrainHooks } from '../train/trainingLoop.js';
import { BACKEND_NAMES } from '../train/tfjs/backend.js';
import { DEFAULT_ELASTIC_SIGMA } from '../train/tfjs/augment.js';
import { DEFAULT_WEIGHT_BITS } from '../train/tfjs/quantise.js';
import { droppedLayers, dropoutFactor } from '../train/tfjs/dropout.js';
import type { TfjsTrainConfig, TfjsTrainResult } from '../train/tfjs/tfjsTrainer.js';
import { defineCommand, type CommandContext } from './command.js';
import { dataOptions, seedOption, workersOption } from './commonOptions.js';
import { stoppable } from './interrupts.js';
import { choice, flag, inputFile, integer, number, outputFile, text, type OptionValues } from './options.js';
import { startProgress, withProgress, type Progress } from './progress.js';

const trainOptions = {
  ...dataOptions,
  topology: text({ default: 'mnist', placeholder: '<t>', description: 'mnist, cifar10 or a topology file (JSON with inputShape and layers, see the README)' }),
  engine: choice(['tfjs', 'exact'] as const, { default: 'tfjs', placeholder: '<e>', description: 'tfjs (fast, float32 mirror of the integer network) or exact (the integer ANN itself, bit-exact)' }),
  gradient: choice(['spike', 'float'] as const, { default: 'spike', placeholder: '<g>', description: 'spike (rounded integer errors) or float (the ANN ablation; tfjs engine)' }),
  backend: choice(BACKEND_NAMES, { default: 'auto', placeholder: '<b>', description: 'TensorFlow.js backend of the tfjs engine' }),
  epochs: integer({ min: 1, max: 10_000, default: '1', description: 'epochs' }),
  batch: integer({ min: 1, max: 4096, default: '32', description: 'mini-batch size' }),
  alpha: number({ above: 0, max: 1e6, default: '50', placeholder: '<a>', description: 'error scale α of the top error' }),
  lr: number({ above: 0, max: 1e6, default: String(DEFAULT_HYPERPARAMETERS.lr), description: 'learning rate (real units; divided by α internally)' }),
  momentum: number({ min: 0, below: 1, default: String(DEFAULT_HYPERPARAMETERS.momentum), description: 'SGD momentum' }),
  weightDecay: number({ min: 0, max: 1, default: String(DEFAULT_HYPERPARAMETERS.weightDecay), description: 'weight decay' }),
  theta: integer({ min: 1, max: 2 ** 24, default: '1024', description: 'forward threshold Θ of the weighted layers of a preset topology while training' }),
  initActivation: number({ above: 0, max: 1000, default: String(DEFAULT_INIT_ACTIVATION), description: 'typical spike count S of a hidden neuron that the initial weights aim for' }),
  shift: integer({ min: 0, max: 8, default: '0', description: 'tfjs engine: augment by random translations of up to N pixels (seeded)' }),
  rotate: number({ min: 0, max: 180, default: '0', placeholder: '<deg>', description: 'tfjs engine: augment by random rotations of up to DEG degrees (seeded)' }),
  scale: number({ min: 0, below: 1, default: '0', placeholder: '<f>', description: 'tfjs engine: augment by random zoom factors in [1 − F, 1 + F] (seeded)' }),
  flip: flag({ description: 'tfjs engine: augment by mirroring half of the images left to right (seeded; for mirror-symmetric classes such as Fashion-MNIST, not digits)' }),
  elastic: number({ min: 0, max: 100, default: '0', placeholder: '<px>', description: 'tfjs engine: augment by elastic distortions (Simard et al. 2003): uniform random displacements smoothed by a Gaussian of width --elastic-sigma, scaled to PX pixels (seeded; 34 is the paper\'s value for 28×28 digits)' }),
  elasticSigma: number({ above: 0, max: 20, default: String(DEFAULT_ELASTIC_SIGMA), placeholder: '<px>', description: 'tfjs engine: width σ of the Gaussian that smooths the elastic field, in pixels' }),
  dropout: number({ min: 0, below: 1, default: '0', placeholder: '<p>', description: "tfjs engine: dropout rate 1 − 1/k (0.5, 0.6667, 0.75, …) of the hidden dense layers' outputs while training; a kept unit counts k times (seeded; the exported network has none)" }),
  ema: number({ min: 0, below: 1, default: '0', placeholder: '<β>', description: 'tfjs engine: keep an exponential moving average of the weights with decay β per step (0.9998 ≈ a half-life of 3,500 steps; warmed up as min(β, (1+t)/(10+t))); the average is what each epoch validates and exports, the live weights are scored beside it (0: none)' }),
  weightBits: integer({ min: 2, max: 24, default: String(DEFAULT_WEIGHT_BITS), description: 'tfjs engine: bits of the largest weight of each layer on export (sets its power-of-two Θ)' }),
  seed: seedOption('seed of initialisation, shuffling and augmentation'),
  limit: integer({ min: 1, description: 'use only the first N training images (default: all of the training split)' }),
  valSamples: integer({ min: 1, description: 'validation images scored after each epoch (default: all of the validation split)' }),
  testSamples: integer({ min: 1, description: 'test images for the final figure (default: all)' }),
  out: outputFile({ default: 'model.safetensors', description: 'where the best integer model goes' }),
  checkpoint: outputFile({ defaultDoc: 'OUT.ckpt', description: 'checkpoint written after each epoch and on Ctrl-C' }),
  resume: inputFile({ placeholder: '<ckpt>', description: 'continue an interrupted run from its checkpoint (its configuration is kept; see below)' }),
  workers: workersOption('worker threads sharing each mini-batch; with the spike gradient the weights do not depend on it'),
  plot: outputFile({ defaultDoc: 'OUT.accuracy.svg', description: 'accuracy and loss per epoch as SVG, redrawn after each epoch' }),
  sparsitySamples: integer({ min: 0, max: 10_000, default: '200', description: "training images (the first N) on which each epoch's integer network measures the backward pass's relative synaptic operations and non-zero errors per layer (0: none)" }),
  sparsityPlot: outputFile({ defaultDoc: 'OUT.sparsity.svg', description: 'those figures per epoch as SVG (the paper\'s Figure 1)' }),
  json: flag({ description: 'print one JSON object at the end (progress stays on stderr)' }),
};

type TrainValues = OptionValues<typeof trainOptions>;
type Config = TfjsTrainConfig & { engine: 'tfjs' | 'exact'; limit: number | null; dataset: string };

/** Options that are part of a run's configuration: a resumed run keeps the checkpoint's. */
const CONFIGURATION: Partial<Record<keyof TrainValues, (c: Config) => unknown>> = {
  dataset: (c) => c.dataset,
  engine: (c) => c.engine,
  gradient: (c) => c.gradient,
  backend: (c) => c.backend,
  epochs: (c) => c.epochs,
  batch: (c) => c.batch,
  alpha: (c) => c.alpha,
  lr: (c) => c.optimizer.lr,
  momentum: (c) => c.optimizer.momentum,
  weightDecay: (c) => c.optimizer.weightDecay,
  shift: (c) => c.shift ?? 0,
  rotate: (c) => c.rotate ?? 0,
  scale: (c) => c.scale ?? 0,
  flip: (c) => c.flip ?? false,
  elastic: (c) => c.elastic ?? 0,
  elasticSigma: (c) => c.elasticSigma ?? DEFAULT_ELASTIC_SIGMA,
  dropout: (c) => c.dropout ?? 0,
  ema: (c) => c.optimizer.averageDecay ?? 0,
  weightBits: (c) => c.weightBits,
  seed: (c) => c.seed,
  limit: (c) => c.limit ?? undefined,
  valSamples: (c) => c.validationSamples,
};
/** Options that only shape the initial network, which a checkpoint holds. */
const INITIAL_NETWORK: (keyof TrainValues)[] = ['topology', 'theta', 'initActivation'];

function configFrom(o: TrainValues): Config {
  return {
    engine: o.engine,
    gradient: o.gradient,
    backend: o.backend,
    weightBits: o.weightBits,
    shift: o.shift,
    rotate: o.rotate,
    scale: o.scale,
    flip: o.flip,
    elastic: o.elastic,
    elasticSigma: o.elasticSigma,
    dropout: o.dropout,
    epochs: o.epochs,
    batch: o.batch,
    alpha: o.alpha,
    seed: o.seed,
    optimizer: { lr: o.lr, momentum: o.momentum, weightDecay: o.weightDecay, schedule: 'cosine', ...(o.ema > 0 ? { averageDecay: o.ema } : {}) },
    validationSamples: o.valSamples,
    inputScale: DEFAULT_HYPERPARAMETERS.inputScale,
    workers: o.workers,
    limit: o.limit ?? null,
    dataset: o.dataset,
  };
}

/**
 * A resumed run keeps the configuration it started with (its cosine schedule spans its epochs, its
 * shuffles follow its seed): an option that would change it is refused, not silently ignored.
 */
function resumedConfig(o: TrainValues, given: CommandContext['given'], resume: Checkpoint, file: string): Config {
  const saved = { engine: 'exact', gradient: 'spike', backend: 'auto', weightBits: DEFAULT_WEIGHT_BITS, ...resume.config } as unknown as Config;
  for (const key of INITIAL_NETWORK) {
    if (given(key)) throw new InputError(`--${key.replace(/[A-Z]/g, (ch) => `-${ch.toLowerCase()}`)}: a resumed run continues the network its checkpoint ${file} holds; start a new run to change the initial network`);
  }
  for (const [key, read] of Object.entries(CONFIGURATION) as [keyof TrainValues, (c: Config) => unknown][]) {
    if (!given(key)) continue;
    const asked = o[key];
    const kept = read(saved);
    if (asked !== kept) {
      const flagName = `--${String(key).replace(/[A-Z]/g, (ch) => `-${ch.toLowerCase()}`)}`;
      throw new InputError(`${flagName} ${String(asked)}: the run in ${file} was started with ${flagName} ${kept === undefined ? '(not set)' : String(kept)}; a resumed run keeps its configuration (its learning-rate schedule and shuffles depend on it), so start a new run to change it`);
    }
  }
  if (resume.progress.epoch >= saved.epochs) {
    throw new InputError(`--resume ${file}: that run is complete (${saved.epochs} of ${saved.epochs} epochs); there is nothing to resume — its best model was saved when it ran (score it with spikegrad eval)`);
  }
  return { ...saved, workers: o.workers };
}

export const trainCommand = defineCommand({
  name: 'train',
  summary: 'train a SpikeGrad network (spike gradient by default) and save the best exported integer model',
  details: [
    'Progress (epoch, loss, accuracy, images/s, the share of images back-propagated, ETA) goes to stderr; each epoch prints its figures, saves the best model (by validation accuracy of the exported integer network) and a checkpoint, and redraws the chart. The test set is scored once, at the end, by the integer ANN.',
    'Ctrl-C stops after the current step and saves a checkpoint; --resume continues it and ends with the same weights as an uninterrupted run. A resumed run keeps the configuration it was started with: an option that would change it (--epochs, --alpha, --lr, …) is refused, and so is resuming a run that is complete. --workers, --out, --checkpoint, --plot, --test-samples and --json may differ.',
  ],
  arguments: [],
  options: trainOptions,
  check(o, { given }) {
    if (o.resume) return;
    dropoutFactor(o.dropout);
    if (given('elasticSigma') && o.elastic === 0) throw new InputError('--elastic-sigma: it shapes the elastic distortions, which are off; give --elastic PX too');
    if (o.engine === 'exact') {
      if (o.gradient === 'float') throw new InputError('--gradient float: the exact engine trains with the spike gradient only; use --engine tfjs for the float-gradient ablation');
      for (const key of ['shift', 'rotate', 'scale', 'elastic'] as const) {
        if (o[key] > 0) throw new InputError(`--${key}: augmentation belongs to the tfjs engine; the exact engine trains on the images as they are`);
      }
      if (o.flip) throw new InputError('--flip: augmentation belongs to the tfjs engine; the exact engine trains on the images as they are');
      if (o.dropout > 0) throw new InputError('--dropout: dropout belongs to the tfjs engine; the exact engine trains the integer network as it is');
      if (o.ema > 0) throw new InputError('--ema: the weight average belongs to the tfjs engine; the exact engine\'s model is its integer network as trained');
      for (const key of ['backend', 'weightBits'] as const) {
        if (given(key)) throw new InputError(`--${key === 'weightBits' ? 'weight-bits' : key}: belongs to the tfjs engine; the exact engine trains the integer network itself`);
      }
    }
  },
  async run(_args, o, context) {
    const checkpointPath = o.checkpoint ?? `${o.out}.ckpt`;
    const plot = o.plot ?? `${o.out}.accuracy.svg`;
    if (!o.checkpoint) prepareOutputFile(checkpointPath, '--checkpoint');
    if (!o.plot) prepareOutputFile(plot, '--plot');
    const sparsityPlot = o.sparsityPlot ?? `${o.out}.sparsity.svg`;
    if (!o.sparsityPlot && o.sparsitySamples > 0) prepareOutputFile(sparsityPlot, '--sparsity-plot');
    const resume = o.resume ? loadCheckpoint(o.resume) : undefined;
    const config = resume ? resumedConfig(o, context.given, resume, o.resume!) : configFrom(o);
    const splits = loadDataset(config.dataset, o.dataDir);
    const fits = (option: string, asked: number | null | undefined, count: number, what: string) => {
      if (asked && asked > count) throw new InputError(`${option}: expected at most ${count} (the ${what} of ${config.dataset}), found ${asked}`);
    };
    fits('--limit', config.limit, splits.train.count, 'training split');
    fits('--val-samples', config.validationSamples, splits.validation.count, 'validation split');
    fits('--test-samples', o.testSamples, splits.test.count, 'test set');
    const train = config.limit ? sliceDataset(splits.train, 0, config.limit) : splits.train;
    const network = resume ? resume.network : initNetwork(resolveTopology(o.topology, o.theta), { seed: config.seed, inputRms: 100, targetActivation: o.initActivation });
    checkModelFitsData(network, splits.train);
    if ((config.dropout ?? 0) > 0 && droppedLayers(network).length === 0) throw new InputError(`--dropout: the topology has no hidden dense layer (dropout applies to the outputs of the dense layers below the classification layer)`);
    const validationCount = config.validationSamples ?? splits.validation.count;
    const testCount = o.testSamples ?? splits.test.count;
    const say = (line: string) => (o.json ? process.stderr.write(`${line}\n`) : console.log(line));
    const engineName = config.engine === 'tfjs' ? `tfjs engine (backend ${config.backend})` : 'exact engine';
    const at = resume ? `, resumed at epoch ${resume.progress.epoch + 1} step ${resume.progress.batch + 1}` : '';
    const averaged = (config.optimizer.averageDecay ?? 0) > 0;
    say(`training on ${train.count} ${config.dataset} images (${validationCount} validation, ${testCount} test), ${engineName}, ${config.gradient} gradient, α ${config.alpha}, batch ${config.batch}, ${config.epochs} epoch(s)${describeAugmentation(config)}${averaged ? `, weight average β ${config.optimizer.averageDecay} (validated and exported)` : ''}, seed ${config.seed}${at}`);

    let bar: Progress | null = null;
    let barEpoch = -1;
    let stop = false;
    let backend = config.engine === 'tfjs' ? config.backend : 'integer ANN';
    const history: EpochRecord[] = [...((resume?.progress.history ?? []) as unknown as EpochRecord[])];
    const chartTitle = () => `${config.dataset}: ${config.gradient} gradient, ${config.engine === 'tfjs' ? `tfjs engine on ${backend}` : 'exact engine'}, α ${config.alpha}, lr ${config.optimizer.lr}, batch ${config.batch}${(config.dropout ?? 0) > 0 ? `, dropout ${config.dropout}` : ''}${averaged ? `, weight average β ${config.optimizer.averageDecay}` : ''}, seed ${config.seed}`;
    const sample = Array.from({ length: Math.min(o.sparsitySamples, train.count) }, (_, i) => imageAt(train, i));
    const hooks: TrainHooks = {
      ...(sample.length > 0 ? { measure: (model: Network) => ({ sparsity: new SparsityMeter(model).measure(sample, train.labels, config.alpha) }) } : {}),
      onBatch: (r) => {
        if (r.epoch !== barEpoch) {
          bar?.stop();
          bar = startProgress('epoch {epoch} |{bar}| {percentage}% | loss {loss} | acc {acc} | {ips} img/s | backward {share} | ETA {eta}s', r.batches, { epoch: `${r.epoch + 1}/${config.epochs}`, loss: '-', acc: '-', ips: '-', share: '-' });
          barEpoch = r.epoch;
        }
        const share = r.backpropagatedShare === undefined ? 'all' : `${(100 * r.backpropagatedShare).toFixed(0)} %`;
        bar!.update(r.batch, { loss: r.loss.toFixed(3), acc: r.accuracy.toFixed(3), ips: r.imagesPerSecond.toFixed(0), share });
      },
      onEpoch: async (record, ckpt, isBest, model) => {
        bar?.stop();
        barEpoch = -1;
        if (isBest) saveModel(o.out, { network: model, info: { alpha: String(config.alpha), dataset: config.dataset, engine: config.engine, gradient: config.gradient, epoch: String(record.epoch), validationAccuracy: String(record.validationAccuracy) } });
        saveCheckpoint(checkpointPath, ckpt);
        history.push(record);
        await writeSvg(plot, accuracyChart(history, chartTitle()));
        if (sample.length > 0) await writeSvg(sparsityPlot, sparsityChart(history, `${chartTitle()}; integer ANN best case on ${sample.length} training images`));
        say(`epoch ${record.epoch}/${config.epochs}: loss ${record.loss.toFixed(4)}, train ${(100 * record.trainAccuracy).toFixed(2)} %, validation ${(100 * record.validationAccuracy).toFixed(2)} % (integer network${averaged ? ' of the weight average' : ''})${record.liveValidationAccuracy === undefined ? '' : `, ${(100 * record.liveValidationAccuracy).toFixed(2)} % live`}, ${record.imagesPerSecond.toFixed(0)} img/s${record.backpropagatedShare === undefined ? '' : ` (backward on ${(100 * record.backpropagatedShare).toFixed(0)} %)`}, ${record.seconds.toFixed(1)} s${isBest ? ' (best, saved)' : ''}`);
      },
      onBackend: (name) => {
        backend = name;
      },
      interrupted: () => stop,
      onInterrupt: (ckpt) => {
        bar?.stop();
        saveCheckpoint(checkpointPath, ckpt);
        say(`interrupted: checkpoint saved to ${checkpointPath}; continue with --resume ${checkpointPath}`);
      },
    };
    const data = { train, validation: splits.validation, test: splits.test };
    // The engines (and TensorFlow.js) load only when a run trains.
    const { trainTfjs } = await import('../train/tfjs/tfjsTrainer.js');
    const { trainExact } = await import('../train/exact/exactTrainer.js');
    const result: TrainResult | TfjsTrainResult = await stoppable(
      () => (stop = true),
      (): Promise<TrainResult | TfjsTrainResult> => (config.engine === 'tfjs' ? trainTfjs(network, data, config, hooks, resume, testCount) : trainExact(network, train, splits.validation, config, hooks, resume)),
    ).finally(() => bar?.stop());
    if (result.interrupted) {
      process.exitCode = 130;
      return;
    }
    if ('backend' in result) say(`backend: ${result.backend}`);
    say(`accuracy chart → ${plot}${sample.length > 0 ? `; sparsity chart → ${sparsityPlot}` : ''}`);
    const best: Network = loadModel(o.out).network;
    const test = await withProgress('test |{bar}| {value}/{total} images | ETA {eta}s', testCount, (p) => evaluate(best, splits.test, testCount, undefined, (done) => p.update(done)));
    const tfjsTest: number | null = 'tfjsTestAccuracy' in result ? result.tfjsTestAccuracy : null;
    if (o.json) {
      console.log(JSON.stringify({ engine: config.engine, backend: 'backend' in result ? result.backend : null, history: result.history, best: result.best, testAccuracy: test.accuracy, testSamples: test.samples, tfjsTestAccuracy: tfjsTest, out: o.out, checkpoint: checkpointPath, plot }));
    } else {
      if (tfjsTest !== null) {
        const difference = 100 * (test.accuracy - tfjsTest);
        console.log(`tfjs test accuracy (real weights) ${(100 * tfjsTest).toFixed(2)} %, exported integer network ${(100 * test.accuracy).toFixed(2)} % (${difference >= 0 ? '+' : ''}${difference.toFixed(2)} points)`);
      }
      console.log(`test accuracy ${(100 * test.accuracy).toFixed(2)} % on ${test.samples} images (integer ANN of the best model, epoch ${result.best?.epoch}) → ${o.out}`);
    }
  },
});

function describeAugmentation({ shift = 0, rotate = 0, scale = 0, flip = false, elastic = 0, elasticSigma = DEFAULT_ELASTIC_SIGMA, dropout = 0 }: Config): string {
  const parts = [
    shift > 0 ? `shifts ≤ ${shift} px` : '', rotate > 0 ? `rotations ≤ ${rotate}°` : '', scale > 0 ? `zoom ±${scale}` : '', flip ? 'left-right mirrors' : '',
    elastic > 0 ? `elastic distortions (α ${elastic} px, σ ${elasticSigma} px)` : '',
  ].filter(Boolean);
  return (parts.length ? `, random ${parts.join(', ')}` : '') + (dropout > 0 ? `, dropout ${dropout}` : '');
}
