/**
 * The epoch/step loop shared by the training engines: seeded per-epoch orders, coarse progress reports,
 * NaN and range failures named by epoch and step, validation and best-model tracking, checkpoints after
 * each epoch and on interruption. An engine only computes a step and scores the current model.
 */
import type { LayerSparsity } from '../equivalence/gradientSparsity.js';
import { breather } from '../breathe.js';
import { SpikegradError } from '../errors.js';
import { Rng } from '../random.js';
import type { Network } from '../network/topology.js';
import type { Checkpoint, EpochSums, Progress } from './checkpoint.js';
import type { OptimizerConfig } from './optimizer.js';

export interface BatchReport {
  epoch: number;
  batch: number;
  batches: number;
  loss: number;
  accuracy: number;
  imagesPerSecond: number;
  /** Share of this epoch's images back-propagated so far, where the engine skips some. */
  backpropagatedShare?: number;
}

export interface EpochRecord {
  epoch: number;
  loss: number;
  trainAccuracy: number;
  validationAccuracy: number;
  seconds: number;
  imagesPerSecond: number;
  learningRate: number;
  /** Share of training images whose errors were back-propagated (the others had an all-zero top error), where the engine skips them. */
  backpropagatedShare?: number;
  /** With a weight average (`--ema`): the validation accuracy of the live weights' exported network, beside the average's (`validationAccuracy`). */
  liveValidationAccuracy?: number;
  /** The paper's sparsity measures on a fixed sample of training images, by the epoch's integer network (`TrainHooks.measure`). */
  sparsity?: LayerSparsity[];
}

export interface StepOutcome {
  loss: number;
  correct: number;
  /** Images back-propagated, where the engine skips those with an all-zero top error. */
  backpropagated?: number;
}

export interface TrainHooks {
  /** Called every few batches (coarse: at most ~4 times a second). */
  onBatch?: (r: BatchReport) => void;
  /** Once the engine knows which backend computes (tfjs engine). */
  onBackend?: (name: string) => void;
  /** After each epoch's validation: figures of the epoch's integer network to keep in its record. */
  measure?: (model: Network) => Pick<EpochRecord, 'sparsity'>;
  /** After each epoch, with the checkpoint to save, whether the model is the best so far, and the integer model. */
  onEpoch?: (record: EpochRecord, checkpoint: Checkpoint, isBest: boolean, model: Network) => void | Promise<void>;
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

export interface TrainingEngine {
  /** Loss and correct predictions of one mini-batch (step `step` of epoch `epoch`, from 0), after which the weights are updated. */
  step(indices: Int32Array, epoch: number, step: number): Promise<StepOutcome>;
  /** Validation accuracy of the current model. */
  validate(): Promise<number>;
  /** Figures of the epoch's validation beside its accuracy, for its record. */
  validationFigures?(): Pick<EpochRecord, 'liveValidationAccuracy'>;
  learningRate(): number;
  /** Finishes work the last step left pending, so that `checkpoint` sees the state after it. */
  settle?(): Promise<void>;
  checkpoint(progress: Progress): Checkpoint;
  /** The integer model as it would be saved now (after `validate`). */
  model(): Network;
}

export interface LoopConfig {
  epochs: number;
  batch: number;
  seed: number;
}

/** What every training engine is configured with. */
export interface TrainConfig extends LoopConfig {
  alpha: number;
  optimizer: Omit<OptimizerConfig, 'alpha' | 'totalSteps'>;
  /** Magnitude of one input unit (255 for 8-bit pixels). */
  inputScale: number;
  /** Validation images scored after each epoch (default: all). */
  validationSamples?: number;
  /** Worker threads sharing each mini-batch (0 or 1: this thread). Results do not depend on it. */
  workers?: number;
}

export interface LoopResult {
  history: EpochRecord[];
  best: { accuracy: number; epoch: number } | null;
  interrupted: boolean;
}

export async function runTrainingLoop(engine: TrainingEngine, trainCount: number, config: LoopConfig, hooks: TrainHooks, resumeAt?: Progress): Promise<LoopResult> {
  const batches = Math.ceil(trainCount / config.batch);
  const progress: Progress = resumeAt ? structuredClone(resumeAt) : { epoch: 0, batch: 0, best: null, history: [] };
  const history = progress.history as unknown as EpochRecord[];

  for (; progress.epoch < config.epochs; progress.epoch++, progress.batch = 0) {
    const order = epochOrder(trainCount, config.seed, progress.epoch);
    const start = performance.now();
    // A resumed epoch goes on with the sums of its first part, so its figures cover the whole epoch.
    const sums: EpochSums = progress.partial ?? { loss: 0, correct: 0, seen: 0, backpropagated: 0, counted: true, seconds: 0 };
    delete progress.partial;
    const elapsed = () => sums.seconds + (performance.now() - start) / 1000;
    let lastReport = 0;
    const breathe = breather(100);
    for (; progress.batch < batches; progress.batch++) {
      // Let Ctrl-C and the progress bar through even when a step never waits for a worker.
      await breathe();
      if (hooks.interrupted?.()) {
        await engine.settle?.();
        hooks.onInterrupt?.(engine.checkpoint({ ...progress, partial: { ...sums, seconds: elapsed() } }));
        return { history, best: progress.best, interrupted: true };
      }
      const from = progress.batch * config.batch;
      const to = Math.min(trainCount, from + config.batch);
      let outcome: StepOutcome;
      try {
        outcome = await engine.step(order.subarray(from, to), progress.epoch, progress.batch);
      } catch (e) {
        // Weights grown out of the exact range (a learning rate far too high): say when, keep the last checkpoint.
        if (e instanceof SpikegradError && !(e instanceof NanLossError)) throw new TrainingError(`epoch ${progress.epoch + 1}, step ${progress.batch + 1}: ${e.message}; the last good checkpoint was kept`);
        throw e;
      }
      sums.loss += outcome.loss;
      sums.correct += outcome.correct;
      sums.seen += to - from;
      if (outcome.backpropagated === undefined) sums.counted = false;
      else sums.backpropagated += outcome.backpropagated;
      if (!Number.isFinite(sums.loss)) {
        throw new NanLossError(`the loss became ${sums.loss} in epoch ${progress.epoch + 1}, step ${progress.batch + 1}; the last good checkpoint was kept`);
      }
      const now = performance.now();
      if (hooks.onBatch && (now - lastReport > 250 || progress.batch === batches - 1)) {
        lastReport = now;
        hooks.onBatch({
          epoch: progress.epoch, batch: progress.batch + 1, batches, loss: sums.loss / sums.seen, accuracy: sums.correct / sums.seen, imagesPerSecond: sums.seen / elapsed(),
          ...(sums.counted ? { backpropagatedShare: sums.backpropagated / sums.seen } : {}),
        });
      }
    }
    const seconds = elapsed();
    const validationAccuracy = await engine.validate();
    const { seen } = sums;
    const record: EpochRecord = {
      epoch: progress.epoch + 1,
      loss: sums.loss / Math.max(1, seen),
      trainAccuracy: sums.correct / Math.max(1, seen),
      validationAccuracy,
      seconds,
      imagesPerSecond: seen / seconds,
      learningRate: engine.learningRate(),
      ...(sums.counted && seen > 0 ? { backpropagatedShare: sums.backpropagated / seen } : {}),
      ...engine.validationFigures?.(),
      ...(hooks.measure ? hooks.measure(engine.model()) : {}),
    };
    history.push(record);
    const isBest = !progress.best || validationAccuracy > progress.best.accuracy;
    if (isBest) progress.best = { accuracy: validationAccuracy, epoch: progress.epoch + 1 };
    // The checkpoint after an epoch resumes at the next one.
    const next = engine.checkpoint({ ...progress, epoch: progress.epoch + 1, batch: 0, history: [...progress.history] });
    await hooks.onEpoch?.(record, next, isBest, engine.model());
  }
  return { history, best: progress.best, interrupted: false };
}
