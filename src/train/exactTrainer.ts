/**
 * The exact engine: mini-batch training of the integer network with the integer ANN itself (spike
 * gradient: rounded activations, errors scaled by α and rounded) and the shared optimizer step.
 * Slower than a float trainer, but bit-exact, and the reference for on-line training through the SNN.
 * Every epoch's order is a seeded shuffle of (seed, epoch), so a resumed run redoes the same batches
 * and ends with the same weights as an uninterrupted one.
 */
import { IntegerAnn } from '../equivalence/integerAnn.js';
import { SpikegradError } from '../errors.js';
import type { Network } from '../network/topology.js';
import { Rng } from '../random.js';
import { LocalBatchRunner, ParallelBatchRunner, type BatchOutcome, type BatchRunner } from './batchRunner.js';
import type { Checkpoint, Progress } from './checkpoint.js';
import type { Dataset } from './data/dataset.js';
import { evaluate } from './evaluate.js';
import { IntegerSgd, type OptimizerConfig } from './optimizer.js';

export interface ExactTrainConfig {
  epochs: number;
  batch: number;
  alpha: number;
  seed: number;
  optimizer: Omit<OptimizerConfig, 'alpha' | 'totalSteps'>;
  /** Magnitude of one input unit (255 for 8-bit pixels). */
  inputScale: number;
  /** Validation images scored after each epoch (default: all). */
  validationSamples?: number;
  /** Worker threads sharing each mini-batch (0 or 1: this thread). Results do not depend on it. */
  workers?: number;
}

export interface BatchReport {
  epoch: number;
  batch: number;
  batches: number;
  loss: number;
  accuracy: number;
  imagesPerSecond: number;
}

export interface EpochRecord {
  epoch: number;
  loss: number;
  trainAccuracy: number;
  validationAccuracy: number;
  seconds: number;
  imagesPerSecond: number;
  learningRate: number;
}

export interface TrainHooks {
  /** Called every few batches (coarse: at most ~4 times a second). */
  onBatch?: (r: BatchReport) => void;
  /** After each epoch, with the checkpoint to save and whether the model is the best so far. */
  onEpoch?: (record: EpochRecord, checkpoint: Checkpoint, isBest: boolean) => void;
  /** Checked between batches; when true, training stops and `onInterrupt` gets a checkpoint. */
  interrupted?: () => boolean;
  onInterrupt?: (checkpoint: Checkpoint) => void;
}

export class NanLossError extends SpikegradError {}

/** A failure during training, named by epoch and step. */
export class TrainingError extends SpikegradError {}

/** Seeded order of the training images in an epoch. */
export function epochOrder(count: number, seed: number, epoch: number): Int32Array {
  return new Rng((seed * 7919 + epoch * 104729) | 0).shuffle(Int32Array.from({ length: count }, (_, i) => i));
}

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
  config: ExactTrainConfig,
  hooks: TrainHooks = {},
  resume?: Checkpoint,
): Promise<TrainResult> {
  // The parallel runner moves the weights into shared memory: create it before the optimizer.
  const runner: BatchRunner = (config.workers ?? 0) > 1 ? ParallelBatchRunner.create(network, config.workers!) : new LocalBatchRunner(network);
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
  config: ExactTrainConfig,
  hooks: TrainHooks,
  resume?: Checkpoint,
): Promise<TrainResult> {
  const batches = Math.ceil(train.count / config.batch);
  const sgd = new IntegerSgd(network, { ...config.optimizer, alpha: config.alpha, totalSteps: config.epochs * batches, inputScale: config.inputScale });
  const progress: Progress = resume ? structuredClone(resume.progress) : { epoch: 0, batch: 0, best: null, history: [] };
  if (resume) sgd.state = structuredClone(resume.optimizer);
  const evaluator = new IntegerAnn(network);
  const checkpoint = (): Checkpoint => ({ network, optimizer: sgd.state, progress, config: { ...config } });
  const history = progress.history as unknown as EpochRecord[];

  for (; progress.epoch < config.epochs; progress.epoch++, progress.batch = 0) {
    const order = epochOrder(train.count, config.seed, progress.epoch);
    const start = performance.now();
    let lossSum = 0, correct = 0, seen = 0, lastReport = 0;
    for (; progress.batch < batches; progress.batch++) {
      if (hooks.interrupted?.()) {
        hooks.onInterrupt?.(checkpoint());
        return { network, history, best: progress.best, interrupted: true, optimizer: sgd };
      }
      const from = progress.batch * config.batch;
      const to = Math.min(train.count, from + config.batch);
      let outcome: BatchOutcome;
      try {
        outcome = await runner.run(train, order.subarray(from, to), config.alpha);
      } catch (e) {
        // Weights grown out of the exact range (a learning rate far too high): say when, keep the last checkpoint.
        if (e instanceof SpikegradError) throw new TrainingError(`epoch ${progress.epoch + 1}, step ${progress.batch + 1}: ${e.message}; the last good checkpoint was kept`);
        throw e;
      }
      lossSum += outcome.loss;
      correct += outcome.correct;
      seen += to - from;
      if (!Number.isFinite(lossSum)) {
        throw new NanLossError(`the loss became ${lossSum} in epoch ${progress.epoch + 1}, step ${progress.batch + 1}; the last good checkpoint was kept`);
      }
      sgd.step(outcome.increments, to - from);
      runner.weightsChanged();
      const now = performance.now();
      if (hooks.onBatch && (now - lastReport > 250 || progress.batch === batches - 1)) {
        lastReport = now;
        hooks.onBatch({ epoch: progress.epoch, batch: progress.batch + 1, batches, loss: lossSum / seen, accuracy: correct / seen, imagesPerSecond: (seen * 1000) / (now - start) });
      }
    }
    const seconds = (performance.now() - start) / 1000;
    evaluator.weightsChanged();
    const validationAccuracy = evaluate(network, validation, config.validationSamples ?? validation.count, evaluator).accuracy;
    const record: EpochRecord = {
      epoch: progress.epoch + 1,
      loss: lossSum / Math.max(1, seen),
      trainAccuracy: correct / Math.max(1, seen),
      validationAccuracy,
      seconds,
      imagesPerSecond: seen / seconds,
      learningRate: sgd.learningRate(),
    };
    history.push(record);
    const isBest = !progress.best || validationAccuracy > progress.best.accuracy;
    if (isBest) progress.best = { accuracy: validationAccuracy, epoch: progress.epoch + 1 };
    // The checkpoint after an epoch resumes at the next one.
    const next: Checkpoint = { ...checkpoint(), progress: { ...progress, epoch: progress.epoch + 1, batch: 0, history: [...progress.history] } };
    hooks.onEpoch?.(record, next, isBest);
  }
  return { network, history, best: progress.best, interrupted: false, optimizer: sgd };
}
