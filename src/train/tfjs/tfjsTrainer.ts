/**
 * The tfjs engine: trains the network's real-unit mirror in TensorFlow.js (rounded activations, spike
 * or float gradient) with the shared optimizer step, and exports the integer network each epoch. The
 * validation figure is the exported integer network's, computed in tfjs with its integer weights.
 */
import { fromTfjsLayout, realParameters } from './paramLayout.js';
import type { BackendRequest } from './backend.js';
import type { GradientMode } from './spikeOps.js';
import { hasWeights, type Conv2dLayer, type DenseLayer, type Network } from '../../network/topology.js';
import { cloneNetwork } from '../../network/build.js';
import { assertExactRange } from '../../equivalence/rangeGuard.js';
import { InputError, RangeGuardError } from '../../errors.js';
import type { Checkpoint } from '../checkpoint.js';
import { largestPixel, type Dataset } from '../data/dataset.js';
import { firstLayerUnit, RealSgd, roundMasters } from '../optimizer.js';
import { runTrainingLoop, type LoopResult, type TrainConfig, type TrainHooks, type TrainingEngine } from '../trainingLoop.js';
import { augments, batchTransforms, DEFAULT_ELASTIC_SIGMA } from './augment.js';
import { droppedLayers, dropoutFactor, dropoutMasks } from './dropout.js';
import { quantiseNetwork } from './quantise.js';
import { openReplicaSet, sharedLayout, type ReplicaSet } from './replicaSet.js';

export interface TfjsTrainConfig extends TrainConfig {
  gradient: GradientMode;
  backend: BackendRequest;
  /** Bits given to the largest weight of each layer on export. */
  weightBits: number;
  /** Spike gradient: back-propagate every image, even those with an all-zero top error (for comparison; default false). */
  denseBackward?: boolean;
  /** Augmentation: random translations of up to this many pixels (0 or absent: none). */
  shift?: number;
  /** Augmentation: random rotations of up to this many degrees. */
  rotate?: number;
  /** Augmentation: random zoom factors in [1 − scale, 1 + scale]. */
  scale?: number;
  /** Augmentation: mirror half of the images left to right. */
  flip?: boolean;
  /** Augmentation: elastic distortions of this scale α in pixels (augment.ts; 0 or absent: none). */
  elastic?: number;
  /** Augmentation: the elastic field's smoothing width σ in pixels (default 4). */
  elasticSigma?: number;
  /** Dropout rate 1 − 1/k of the hidden dense layers' outputs while training (dropout.ts; 0 or absent: none). */
  dropout?: number;
}

export interface TfjsTrainResult extends LoopResult {
  /** The best exported integer network (by validation accuracy). */
  bestNetwork: Network;
  backend: string;
  /** tfjs accuracy of the best epoch's real weights on the test images scored. */
  tfjsTestAccuracy: number;
  sgd: RealSgd;
}

/** Masters (tfjs layout, first layer per normalised input) of a network's integer weights. */
function mastersOf(layers: (DenseLayer | Conv2dLayer)[], units: number[]): Float64Array[] {
  return layers.map((l, k) => {
    const [weights, bias] = realParameters(l, units[k]);
    const out = new Float64Array(weights.length + bias.length);
    out.set(weights);
    out.set(bias, weights.length);
    return out;
  });
}

/** Trains `template` (or resumes a checkpoint); `testSamples` test images give the final tfjs figure. */
export async function trainTfjs(
  template: Network,
  data: { train: Dataset; validation: Dataset; test: Dataset },
  config: TfjsTrainConfig,
  hooks: TrainHooks = {},
  resume?: Checkpoint,
  testSamples = data.test.count,
): Promise<TfjsTrainResult> {
  const network = cloneNetwork(resume ? resume.network : template);
  const layers = network.layers.filter(hasWeights);
  const units = layers.map((_, k) => firstLayerUnit(network, layers, k, config));
  const batches = Math.ceil(data.train.count / config.batch);
  const sgd = new RealSgd(mastersOf(layers, units), layers.map((l) => l.weights.length), units, {
    ...config.optimizer, alpha: config.alpha, totalSteps: config.epochs * batches, inputScale: config.inputScale,
  });
  if (resume) {
    if ((config.optimizer.averageDecay ?? 0) > 0 && !resume.optimizer.average) throw new InputError('--resume: the run keeps a weight average (--ema), and its checkpoint holds none');
    sgd.state = structuredClone(resume.optimizer);
  }
  // Workers update slices of the optimizer's state in place.
  if ((config.workers ?? 1) > 1) sgd.state = { ...sgd.state, ...sharedLayout(sgd.layout) };
  const replicas = await openReplicaSet({
    network,
    options: { gradient: config.gradient, alpha: config.alpha, skipSettled: !config.denseBackward },
    backend: config.backend,
    data: new Map([['train', data.train], ['validation', data.validation], ['test', data.test]]),
    maxBatch: config.batch,
    workers: config.workers ?? 1,
    optimizer: sgd.layout,
  });
  hooks.onBackend?.(replicas.backend);
  try {
    return await trainWith(replicas, network, layers, sgd, data, config, hooks, resume, testSamples);
  } finally {
    await replicas.close();
  }
}

async function trainWith(
  replicas: ReplicaSet,
  network: Network,
  layers: (DenseLayer | Conv2dLayer)[],
  sgd: RealSgd,
  data: { train: Dataset; validation: Dataset; test: Dataset },
  config: TfjsTrainConfig,
  hooks: TrainHooks,
  resume: Checkpoint | undefined,
  testSamples: number,
): Promise<TfjsTrainResult> {
  const realOf = (masters: Float64Array[]): Float64Array[] => masters.map((m, k) => Float64Array.from(m, (v, i) => (i < sgd.weightCounts[k] ? v / sgd.units[k] : v)));
  /** The live weights (what the next step trains). */
  const realWeights = (): Float64Array[] => realOf(sgd.state.master);
  /** The weights a model is made of: the moving average where the run keeps one, else the live ones. */
  const modelWeights = (): Float64Array[] => realOf(sgd.state.average ?? sgd.state.master);
  /** Real weights from the masters, into the replicas' buffers. */
  const loadMasters = () =>
    realWeights().forEach((real, k) => {
      const nw = sgd.weightCounts[k];
      replicas.weights[2 * k].set(real.subarray(0, nw));
      replicas.weights[2 * k + 1].set(real.subarray(nw));
    });
  /** The exported network's integer weights as real weights, for scoring it in tfjs. */
  const loadExported = (exported: Network) => {
    exported.layers.filter(hasWeights).forEach((l, k) => {
      const [weights, bias] = realParameters(l);
      replicas.weights[2 * k].set(weights);
      replicas.weights[2 * k + 1].set(bias);
    });
  };
  const accuracy = async (dataset: 'validation' | 'test', count: number) => (await replicas.evaluate(dataset, count)).correct / Math.max(1, count);

  const augmentation = {
    shift: config.shift ?? 0, rotate: config.rotate ?? 0, scale: config.scale ?? 0, flip: config.flip ?? false,
    elastic: config.elastic ?? 0, elasticSigma: config.elasticSigma ?? DEFAULT_ELASTIC_SIGMA,
  };
  const dropout = dropoutFactor(config.dropout ?? 0);
  const maskWidth = droppedLayers(network).reduce((t, d) => t + d.units, 0);
  if (dropout > 0 && maskWidth === 0) throw new InputError('--dropout: the topology has no hidden dense layer (dropout applies to the outputs of the dense layers below the classification layer)');
  let exported = quantiseNetwork(network, modelWeights(), config.weightBits);
  let bestNetwork = exported;
  let bestReal = modelWeights();
  let liveValidationAccuracy: number | undefined;
  const validationCount = config.validationSamples ?? data.validation.count;
  loadMasters();
  const engine: TrainingEngine = {
    async step(indices, epoch, step) {
      const transforms = augments(augmentation) ? batchTransforms(config.seed, epoch, step, indices.length, augmentation) : undefined;
      const masks = dropout > 0 ? dropoutMasks(config.seed, epoch, step, indices.length, dropout, maskWidth) : undefined;
      const outcome = await replicas.gradients('train', indices, transforms, masks);
      await replicas.update(sgd.coefficients(indices.length));
      sgd.finishStep();
      return outcome;
    },
    async validate() {
      // The last step's update first: the export reads the masters, and scoring overwrites the weights.
      await replicas.settle();
      if (sgd.state.average) {
        // The live weights' network, scored for comparison only: the average's is the model.
        loadExported(exportChecked(network, realWeights(), config, largestPixel(data.train)));
        liveValidationAccuracy = await accuracy('validation', validationCount);
      }
      exported = exportChecked(network, modelWeights(), config, largestPixel(data.train));
      loadExported(exported);
      const result = await accuracy('validation', validationCount);
      loadMasters();
      return result;
    },
    validationFigures: () => (liveValidationAccuracy === undefined ? {} : { liveValidationAccuracy }),
    settle: () => replicas.settle(),
    learningRate: () => sgd.learningRate(),
    checkpoint: (progress) => ({ network: withMasters(network, layers, sgd), optimizer: sgd.state, progress, config: { ...config, engine: 'tfjs' } }),
    model: () => exported,
  };
  const result = await runTrainingLoop(engine, data.train.count, config, {
    ...hooks,
    onEpoch: async (record, checkpoint, isBest, model) => {
      if (isBest) {
        bestNetwork = model;
        bestReal = modelWeights();
      }
      await hooks.onEpoch?.(record, checkpoint, isBest, model);
    },
  }, resume?.progress);
  // The best epoch's real weights on the test set, to compare with its exported integer network
  // (nothing may be pending that would overwrite them: the last validation settled it).
  await replicas.settle();
  bestReal.forEach((m, k) => {
    replicas.weights[2 * k].set(m.subarray(0, sgd.weightCounts[k]));
    replicas.weights[2 * k + 1].set(m.subarray(sgd.weightCounts[k]));
  });
  const tfjsTestAccuracy = result.interrupted ? NaN : await accuracy('test', testSamples);
  return { ...result, bestNetwork, backend: replicas.backend, tfjsTestAccuracy, sgd };
}

/**
 * The exported integer network, refused if the integer ANN could not run it exactly: a model no
 * command could load is never written.
 */
function exportChecked(network: Network, real: Float64Array[], config: TfjsTrainConfig, maxInput: number): Network {
  const exported = quantiseNetwork(network, real, config.weightBits);
  try {
    assertExactRange(exported, maxInput, config.alpha);
  } catch (e) {
    if (e instanceof RangeGuardError) throw new RangeGuardError(`export with --weight-bits ${config.weightBits}: ${e.message}; lower --weight-bits`);
    throw e;
  }
  return exported;
}

/** The training network with its weights rounded from the masters at its own Θ (what a checkpoint holds). */
function withMasters(network: Network, layers: (DenseLayer | Conv2dLayer)[], sgd: RealSgd): Network {
  const copy = cloneNetwork(network);
  copy.layers.filter(hasWeights).forEach((l, k) => {
    const master = sgd.state.master[k];
    const nw = layers[k].weights.length;
    roundMasters(fromTfjsLayout(l, master.subarray(0, nw)), master.subarray(nw), sgd.units[k], l);
  });
  return copy;
}
