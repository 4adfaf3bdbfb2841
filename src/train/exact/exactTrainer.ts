/**
 * The exact engine: mini-batch training of the integer network with the integer ANN itself (spike
 * gradient: rounded activations, errors scaled by α and rounded) and the shared optimizer step.
 * Slower than a float trainer, but bit-exact, and the reference for on-line training through the SNN.
 * Every epoch's order is a seeded shuffle of (seed, epoch), so a resumed run redoes the same batches
 * and ends with the same weights as an uninterrupted one.
 */
import { IntegerAnn } from '../../equivalence/integerAnn.js';
import type { Network } from '../../network/topology.js';
import { LocalBatchRunner, ParallelBatchRunner, type BatchRunner } from './batchRunner.js';
import type { Checkpoint } from '../checkpoint.js';
import type { Dataset } from '../data/dataset.js';
import { evaluate } from '../evaluate.js';
import { IntegerSgd } from '../optimizer.js';
import { runTrainingLoop, type EpochRecord, type TrainConfig, type TrainHooks, type TrainingEngine } from '../trainingLoop.js';

export interface TrainResult {
  network: Network;
  history: EpochRecord[];
  best: { accuracy: number; epoch: number } | null;
  interrupted: boolean;
  optimizer: IntegerSgd;
}

export async function trainExact(
  network: Network,
  train: Dataset,
  validation: Dataset,
  config: TrainConfig,
  hooks: TrainHooks = {},
  resume?: Checkpoint,
): Promise<TrainResult> {
  // The parallel runner moves the weights into shared memory: create it before the optimizer.
  const runner: BatchRunner = (config.workers ?? 0) > 1 ? new ParallelBatchRunner(network, config.workers!) : new LocalBatchRunner(network);
  try {
    return await trainWith(runner, network, train, validation, config, hooks, resume);
  } finally {
    await runner.close();
  }
}

async function trainWith(
  runner: BatchRunner,
  network: Network,
  train: Dataset,
  validation: Dataset,
  config: TrainConfig,
  hooks: TrainHooks,
  resume?: Checkpoint,
): Promise<TrainResult> {
  const batches = Math.ceil(train.count / config.batch);
  const sgd = new IntegerSgd(network, { ...config.optimizer, alpha: config.alpha, totalSteps: config.epochs * batches, inputScale: config.inputScale });
  if (resume) sgd.state = structuredClone(resume.optimizer);
  const evaluator = new IntegerAnn(network);
  const engine: TrainingEngine = {
    async step(indices) {
      const outcome = await runner.run(train, indices, config.alpha);
      sgd.step(outcome.increments, indices.length);
      runner.weightsChanged();
      return outcome;
    },
    async validate() {
      evaluator.weightsChanged();
      return (await evaluate(network, validation, config.validationSamples ?? validation.count, evaluator)).accuracy;
    },
    learningRate: () => sgd.learningRate(),
    checkpoint: (progress) => ({ network, optimizer: sgd.state, progress, config: { ...config, engine: 'exact' } }),
    model: () => network,
  };
  const result = await runTrainingLoop(engine, train.count, config, hooks, resume?.progress);
  return { network, ...result, optimizer: sgd };
}
