/** What a timing worker offers: its part of the samples, under one configuration of the study at a time. */
import type { SnnStats } from '../../actors/statistics.js';
import type { BatchSample } from '../../equivalence/layerResults.js';
import { networkFromSpec, type NetworkSpec } from '../../network/build.js';
import { breather } from '../../breathe.js';
import { TimingSampler, type SampleTiming, type TimingConfig } from './sampleTiming.js';

export interface TimingSettings {
  configs: TimingConfig[];
  seed: number;
  eventBudget?: number;
}

export interface ConfigPart {
  samples: SampleTiming[];
  stats: SnnStats;
}

/** Samples [from, from + n) under one configuration. */
export async function measureChunk(sampler: TimingSampler, samples: readonly BatchSample[], from: number, alpha: number, onSample: () => void): Promise<ConfigPart> {
  const breathe = breather();
  const measured: SampleTiming[] = [];
  for (let k = 0; k < samples.length; k++) {
    await breathe();
    measured.push(await sampler.measure(samples[k].input, samples[k].target, alpha, from + k));
    onSample();
  }
  return { samples: measured, stats: sampler.stats() };
}

export function timingService() {
  let samplers: TimingSampler[] = [];
  let chunk: BatchSample[] = [];
  let first = 0;
  let alpha = 1;
  return {
    init(spec: NetworkSpec, settings: TimingSettings, samples: BatchSample[], from: number, a: number): void {
      const network = networkFromSpec(spec);
      samplers = settings.configs.map((c) => new TimingSampler(network, c, settings.seed, settings.eventBudget));
      chunk = samples;
      first = from;
      alpha = a;
    },
    /** `done` (shared memory) counts the samples measured, for the main thread's progress. */
    measure(config: number, done: Int32Array): Promise<ConfigPart> {
      return measureChunk(samplers[config], chunk, first, alpha, () => Atomics.add(done, 0, 1));
    },
  };
}

export type TimingApi = ReturnType<typeof timingService>;
