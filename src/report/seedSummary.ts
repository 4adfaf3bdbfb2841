/**
 * One recipe trained with several seeds, summarised the way a paper's table reports it: every seed's
 * best validation epoch and its test accuracy, then mean ± sample standard deviation and the maximum.
 * The test figure of a run is the one `train` scored once, at the end, on the model its validation
 * split chose.
 */
import { InputError } from '../errors.js';

/** What `train --json` prints, as far as a summary needs it. */
export interface TrainRunOutput {
  /** `liveValidationAccuracy`: with a weight average (`--ema`), the live weights' figure beside the average's. */
  history: { epoch: number; validationAccuracy: number; seconds: number; liveValidationAccuracy?: number }[];
  /** The epoch the validation split chose and its validation accuracy. */
  best: { epoch: number; accuracy: number } | null;
  testAccuracy: number;
  testSamples: number;
  tfjsTestAccuracy: number | null;
}

export interface SeedRun {
  seed: number;
  run: TrainRunOutput;
  /** Wall time of the whole command (training, export, test), where it was measured. */
  wallSeconds?: number;
}

export interface Spread {
  mean: number;
  /** Sample standard deviation (n − 1); 0 for a single run. */
  std: number;
  min: number;
  max: number;
}

export interface SeedSummary {
  runs: { seed: number; epochs: number; bestEpoch: number; bestValidation: number; liveBestValidation: number | null; test: number; tfjsTest: number | null; testSamples: number; trainingSeconds: number; wallSeconds: number | null }[];
  test: Spread;
  bestValidation: Spread;
  /** Where every run kept a weight average: the best validation its live weights reached (what the run would have chosen without the average). */
  liveBestValidation: Spread | null;
}

export function spread(values: readonly number[]): Spread {
  if (values.length === 0) throw new RangeError('spread of no values');
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  const variance = values.length > 1 ? values.reduce((s, v) => s + (v - mean) ** 2, 0) / (values.length - 1) : 0;
  return { mean, std: Math.sqrt(variance), min: Math.min(...values), max: Math.max(...values) };
}

/** Reads one run's JSON (what `train --json` printed, or the seed runner's record around it). */
export function parseSeedRun(text: string, file: string, seed: number): SeedRun {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new InputError(`${file}: not JSON (${(e as Error).message})`);
  }
  const record = value as { result?: unknown; wallSeconds?: unknown };
  const run = (record.result ?? value) as Partial<TrainRunOutput>;
  if (!Array.isArray(run.history) || typeof run.testAccuracy !== 'number' || typeof run.testSamples !== 'number') {
    throw new InputError(`${file}: expected the output of train --json (history, testAccuracy, testSamples)`);
  }
  const wallSeconds = typeof record.wallSeconds === 'number' ? record.wallSeconds : undefined;
  return { seed, run: run as TrainRunOutput, ...(wallSeconds === undefined ? {} : { wallSeconds }) };
}

export function summariseSeeds(seedRuns: readonly SeedRun[]): SeedSummary {
  const runs = seedRuns.map(({ seed, run, wallSeconds }) => {
    const fromHistory = run.history.reduce((b, h) => (h.validationAccuracy > b.validationAccuracy ? h : b), run.history[0]);
    const best = run.best ?? { epoch: fromHistory.epoch, accuracy: fromHistory.validationAccuracy };
    const live = run.history.map((h) => h.liveValidationAccuracy).filter((v): v is number => v !== undefined);
    return {
      seed,
      epochs: run.history.length,
      bestEpoch: best.epoch,
      bestValidation: best.accuracy,
      liveBestValidation: live.length === run.history.length && live.length > 0 ? Math.max(...live) : null,
      test: run.testAccuracy,
      tfjsTest: run.tfjsTestAccuracy,
      testSamples: run.testSamples,
      trainingSeconds: run.history.reduce((s, h) => s + h.seconds, 0),
      wallSeconds: wallSeconds ?? null,
    };
  });
  const live = runs.map((r) => r.liveBestValidation);
  return {
    runs, test: spread(runs.map((r) => r.test)), bestValidation: spread(runs.map((r) => r.bestValidation)),
    liveBestValidation: live.every((v) => v !== null) ? spread(live as number[]) : null,
  };
}

const percent = (x: number) => (100 * x).toFixed(2);
const minutes = (s: number) => `${(s / 60).toFixed(1)} min`;

/** A Markdown table: a row per seed, then mean ± std and the maximum; with a weight average, the live weights' best validation beside the average's. */
export function seedSummaryMarkdown(summary: SeedSummary): string {
  const live = summary.liveBestValidation;
  const liveCell = (v: number | null) => (live ? ` ${v === null ? '–' : `${percent(v)} %`} |` : '');
  const lines = [
    `| seed | epochs | best epoch (validation) | best validation |${live ? ' best validation, live weights |' : ''} test (integer ANN) | test (tfjs, real weights) | training time |`,
    `| --- | --- | --- | --- |${live ? ' --- |' : ''} --- | --- | --- |`,
    ...summary.runs.map((r) => `| ${r.seed} | ${r.epochs} | ${r.bestEpoch} | ${percent(r.bestValidation)} % |${liveCell(r.liveBestValidation)} ${percent(r.test)} % | ${r.tfjsTest === null ? '–' : `${percent(r.tfjsTest)} %`} | ${minutes(r.wallSeconds ?? r.trainingSeconds)} |`),
    `| mean ± std (${summary.runs.length} ${summary.runs.length === 1 ? 'seed' : 'seeds'}) | | | ${percent(summary.bestValidation.mean)} ± ${percent(summary.bestValidation.std)} % |${live ? ` ${percent(live.mean)} ± ${percent(live.std)} % |` : ''} **${percent(summary.test.mean)} ± ${percent(summary.test.std)} %** (max ${percent(summary.test.max)} %) | | |`,
  ];
  return `${lines.join('\n')}\n`;
}
