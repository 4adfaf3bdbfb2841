/**
 * Verification of many samples: each runs through the event-driven SNN and the integer ANN, and every
 * accumulated value (S, V, E, dW, db) is compared. With several threads the samples lie in shared
 * memory and every thread — this one and the workers, which join as soon as they are set up — claims
 * small chunks of them from one counter; each sample's delivery order is seeded by its index, verdicts
 * are put back in index order and statistics are integer sums, so the report does not depend on the
 * number of threads or on timing.
 */
import { checkWorkers, defaultWorkers } from '../actors/openNetwork.js';
import { mergeStats, type SnnStats } from '../actors/statistics.js';
import type { BatchSample } from '../equivalence/layerResults.js';
import { networkSpec } from '../network/build.js';
import type { Network } from '../network/topology.js';
import { InputError } from '../errors.js';
import { sharedArray } from '../workers/shared.js';
import { WorkerPool } from '../workers/pool.js';
import { workerModule } from '../workers/spawn.js';
import { SampleVerifier, type SampleApi, type SampleVerdict, type SharedSamples, type VerifySettings } from './sampleVerifier.js';

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
  /** The SNN's own runs, summed over the samples (and so over the threads): see SampleVerdict.snnSeconds. */
  snnSeconds: number;
}

export async function verifySamples(
  network: Network,
  samples: readonly BatchSample[],
  alpha: number,
  settings: VerifySettings & { workers?: number; onProgress?: (done: number) => void } = {},
): Promise<VerifyReport> {
  if (samples.length === 0) throw new InputError('verify: no samples to verify (a verification of nothing proves nothing)');
  const start = performance.now();
  // Concurrent: the samples one after the other, each through its layer threads.
  const workers = settings.concurrent ? 1 : Math.min(checkWorkers(settings.workers ?? defaultWorkers()), samples.length);
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
    // This thread verifies too: workers − 1 threads join it.
    const pool = new WorkerPool<SampleApi>('samples', SAMPLE_WORKER, workers - 1);
    const size = samples[0].input.length;
    const work: SharedSamples = {
      inputs: sharedArray(Float64Array, samples.length * size),
      targets: sharedArray(Int32Array, samples.length),
      size,
      next: sharedArray(Int32Array, 1),
      // Small enough to balance the threads' ends, large enough that claiming costs nothing.
      chunk: Math.max(1, Math.min(8, Math.floor(samples.length / (8 * workers)))),
    };
    samples.forEach((s, i) => {
      if (s.input.length !== size) throw new InputError(`verify: sample ${i} has ${s.input.length} values, sample 0 has ${size}`);
      work.inputs.set(s.input, i * size);
      work.targets[i] = s.target;
    });
    // Every thread counts its samples in shared memory; reading it now and then costs them nothing.
    const done = sharedArray(Int32Array, 1);
    const report = settings.onProgress;
    const poll = report ? setInterval(() => report(Atomics.load(done, 0)), 200) : null;
    try {
      const spec = networkSpec(network);
      const { onProgress: _onProgress, ...plain } = settings;
      const joined = pool.handles.map(async (h) => {
        await h.call('start-up', (api) => api.init(spec, plain));
        startup = Math.max(startup, performance.now() - start);
        const verdicts = await h.call('verifying samples', (api) => api.verify(work, alpha, done));
        return { verdicts, stats: await h.call('collecting statistics', (api) => api.stats()) };
      });
      // A worker that fails stops this thread's share too: nothing is left to wait for.
      let failed: unknown = null;
      joined.forEach((p) => p.catch((e) => (failed ??= e)));
      const verifier = new SampleVerifier(network, settings);
      let mine: { verdicts: SampleVerdict[]; stats: SnnStats };
      try {
        mine = { verdicts: await verifier.verifyClaimed(work, alpha, done, () => failed !== null), stats: verifier.stats() };
      } finally {
        verifier.dispose();
      }
      const parts = [mine, ...(await Promise.all(joined))];
      verdicts = parts.flatMap((c) => c.verdicts).sort((a, b) => a.index - b.index);
      stats = mergeStats(parts.map((c) => c.stats));
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
    snnSeconds: verdicts.reduce((t, v) => t + v.snnSeconds, 0),
  };
}
