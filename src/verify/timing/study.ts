/**
 * A timing study: the first N samples under a grid of configurations (latency model × barrier ×
 * policy), one configuration after the other, each sample seeded by seed + its index and the samples
 * split across worker threads in contiguous parts, merged in index order, so the report is the same
 * for any worker count.
 */
import { checkWorkers, defaultWorkers } from '../../actors/openNetwork.js';
import { mergeStats } from '../../actors/statistics.js';
import type { BatchSample } from '../../equivalence/layerResults.js';
import { InputError } from '../../errors.js';
import { networkSpec } from '../../network/build.js';
import type { Network } from '../../network/topology.js';
import { partRange } from '../../workers/partition.js';
import { WorkerPool } from '../../workers/pool.js';
import { sharedArray } from '../../workers/shared.js';
import { workerModule } from '../../workers/spawn.js';
import { TimingSampler, type SampleTiming } from './sampleTiming.js';
import { summarise, type ConfigSummary } from './summary.js';
import { measureChunk, type ConfigPart, type TimingApi, type TimingSettings } from './timingService.js';

const TIMING_WORKER = workerModule(import.meta.url, 'timingWorker');

export interface TimingReport {
  samples: number;
  configs: ConfigSummary[];
}

export interface TimingStudyResult {
  report: TimingReport;
  /** Per configuration, per sample, for tables. */
  perSample: SampleTiming[][];
}

export interface StudyHooks {
  /** A configuration starts (its index), then its samples are counted. */
  onConfig?: (config: number) => void;
  onProgress?: (done: number) => void;
}

/** Measures one configuration at a time over all samples: in this thread, in worker threads, or on a queue. */
export interface StudyRunner {
  measure(config: number, onProgress?: (done: number) => void): Promise<ConfigPart[]>;
  close(): Promise<void>;
}

function localRunner(network: Network, samples: readonly BatchSample[], alpha: number, settings: TimingSettings): StudyRunner {
  const samplers = settings.configs.map((c) => new TimingSampler(network, c, settings.seed, settings.eventBudget));
  return {
    async measure(config, onProgress) {
      let done = 0;
      return [await measureChunk(samplers[config], samples, 0, alpha, () => onProgress?.(++done))];
    },
    async close() {
      for (const s of samplers) s.dispose();
    },
  };
}

async function workerRunner(network: Network, samples: readonly BatchSample[], alpha: number, settings: TimingSettings, workers: number): Promise<StudyRunner> {
  const pool = new WorkerPool<TimingApi>('samples', TIMING_WORKER, workers);
  try {
    const spec = networkSpec(network);
    await Promise.all(
      pool.handles.map((h) => {
        const [from, to] = partRange(samples.length, workers, h.id);
        const chunk = samples.slice(from, to).map((s) => ({ input: Float64Array.from(s.input), target: s.target }));
        return h.call('start-up', (api) => api.init(spec, settings, chunk, from, alpha));
      }),
    );
  } catch (e) {
    await pool.close();
    throw e;
  }
  return {
    async measure(config, onProgress) {
      const done = sharedArray(Int32Array, 1);
      const poll = onProgress ? setInterval(() => onProgress(Atomics.load(done, 0)), 200) : null;
      try {
        const parts = await Promise.all(
          pool.handles.map((h) => {
            const [from, to] = partRange(samples.length, workers, h.id);
            return h.call(`timing samples ${from}–${to - 1} (configuration ${config + 1})`, (api) => api.measure(config, done));
          }),
        );
        onProgress?.(Atomics.load(done, 0));
        return parts;
      } finally {
        if (poll) clearInterval(poll);
      }
    },
    close: () => pool.close(),
  };
}

export async function timingStudy(
  network: Network,
  samples: readonly BatchSample[],
  alpha: number,
  settings: TimingSettings & { workers?: number },
  hooks: StudyHooks = {},
  /** Where the samples are measured instead of here (a queue); it must return parts in index order. */
  elsewhere?: StudyRunner,
): Promise<TimingStudyResult> {
  if (samples.length === 0) throw new InputError('timing: no samples to study');
  if (settings.configs.length === 0) throw new InputError('timing: no configuration to study');
  const workers = Math.min(checkWorkers(settings.workers ?? defaultWorkers()), samples.length);
  const plain: TimingSettings = { configs: settings.configs, seed: settings.seed, eventBudget: settings.eventBudget };
  const runner = elsewhere ?? (workers <= 1 ? localRunner(network, samples, alpha, plain) : await workerRunner(network, samples, alpha, plain, workers));
  try {
    const perSample: SampleTiming[][] = [];
    const configs: ConfigSummary[] = [];
    for (let c = 0; c < settings.configs.length; c++) {
      hooks.onConfig?.(c);
      const parts = await runner.measure(c, hooks.onProgress);
      const measured = parts.flatMap((p) => p.samples);
      perSample.push(measured);
      configs.push(summarise(settings.configs[c], measured, mergeStats(parts.map((p) => p.stats))));
    }
    return { report: { samples: samples.length, configs }, perSample };
  } finally {
    await runner.close();
  }
}
