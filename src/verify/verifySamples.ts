/**
 * Verification of many samples: each runs through the event-driven SNN and the integer ANN, and every
 * accumulated value (S, V, E, dW, db) is compared. Samples are split across worker threads in
 * contiguous chunks, each sample's delivery order is seeded by its index, and results are merged in
 * index order, so the report does not depend on the number of workers or on timing.
 */
import { checkWorkers, defaultWorkers } from '../actors/openNetwork.js';
import { mergeStats, type SnnStats } from '../actors/statistics.js';
import type { BatchSample } from '../equivalence/layerResults.js';
import { networkSpec } from '../network/build.js';
import type { Network } from '../network/topology.js';
import { InputError } from '../errors.js';
import { partRange } from '../workers/partition.js';
import { sharedArray } from '../workers/shared.js';
import { WorkerPool } from '../workers/pool.js';
import { workerModule } from '../workers/spawn.js';
import { SampleVerifier, type SampleApi, type SampleVerdict, type VerifySettings } from './sampleVerifier.js';

const SAMPLE_WORKER = workerModule(import.meta.url, 'sampleWorker');

export interface VerifyReport {
  samples: number;
  bitExact: number;
  /** Verdicts of the samples that differ (empty when all match). */
  failures: SampleVerdict[];
  /** SNN accuracy (prediction = target) and the ANN's. */
  accuracy: number;
  annAccuracy: number;
  stats: SnnStats;
  workers: number;
  seconds: number;
  /** Of which starting the worker threads and building their networks. */
  startupSeconds: number;
}

export async function verifySamples(
  network: Network,
  samples: readonly BatchSample[],
  alpha: number,
  settings: VerifySettings & { workers?: number; onProgress?: (done: number) => void } = {},
): Promise<VerifyReport> {
  if (samples.length === 0) throw new InputError('verify: no samples to verify (a verification of nothing proves nothing)');
  const start = performance.now();
  const workers = Math.min(checkWorkers(settings.workers ?? defaultWorkers()), samples.length);
  let verdicts: SampleVerdict[];
  let stats: SnnStats;
  let startup = 0;
  if (workers <= 1) {
    const verifier = new SampleVerifier(network, settings);
    try {
      let done = 0;
      verdicts = await verifier.verifyChunk(samples, 0, alpha, settings.onProgress && (() => settings.onProgress!(++done)));
      stats = verifier.stats();
    } finally {
      verifier.dispose();
    }
  } else {
    const pool = new WorkerPool<SampleApi>('samples', SAMPLE_WORKER, workers);
    // Workers count their samples in shared memory; reading it now and then costs them nothing.
    const done = sharedArray(Int32Array, 1);
    const report = settings.onProgress;
    const poll = report ? setInterval(() => report(Atomics.load(done, 0)), 200) : null;
    try {
      const spec = networkSpec(network);
      const { onProgress: _onProgress, ...plain } = settings;
      const chunks = await Promise.all(
        pool.handles.map(async (h) => {
          const [from, to] = partRange(samples.length, workers, h.id);
          const chunk = samples.slice(from, to).map((s) => ({ input: Float64Array.from(s.input), target: s.target }));
          await h.call('start-up', (api) => api.init(spec, plain));
          startup = Math.max(startup, performance.now() - start);
          const verdicts = await h.call(`verifying samples ${from}–${to - 1}`, (api) => api.verify(chunk, from, alpha, done));
          return { verdicts, stats: await h.call('collecting statistics', (api) => api.stats()) };
        }),
      );
      verdicts = chunks.flatMap((c) => c.verdicts);
      stats = mergeStats(chunks.map((c) => c.stats));
      report?.(Atomics.load(done, 0));
    } finally {
      if (poll) clearInterval(poll);
      await pool.close();
    }
  }
  const n = verdicts.length;
  return {
    samples: n,
    bitExact: verdicts.filter((v) => v.equal).length,
    failures: verdicts.filter((v) => !v.equal),
    accuracy: verdicts.filter((v) => v.predicted === v.target).length / Math.max(1, n),
    annAccuracy: verdicts.filter((v) => v.annPredicted === v.target).length / Math.max(1, n),
    stats,
    workers: Math.max(1, workers),
    seconds: (performance.now() - start) / 1000,
    startupSeconds: startup / 1000,
  };
}
