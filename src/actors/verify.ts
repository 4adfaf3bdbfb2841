/**
 * Verification of many samples: each runs through the event-driven SNN and the integer ANN, and every
 * accumulated value (S, V, E, dW, db) is compared. Samples are split across worker threads in
 * contiguous chunks, each sample's delivery order is seeded by its index, and results are merged in
 * index order, so the report does not depend on the number of workers or on timing.
 */
import type { BatchSample } from '../equivalence/annResult.js';
import { compareArrays, type Mismatch } from '../equivalence/compare.js';
import { IntegerAnn } from '../equivalence/integerAnn.js';
import { networkFromSpec, networkSpec, type NetworkSpec } from '../network/build.js';
import type { Network } from '../network/topology.js';
import { parseOrders } from '../streams/orders/index.js';
import type { SpikePolicy } from './kernels/neuronLayer.js';
import { checkWorkers, defaultWorkers } from './openNetwork.js';
import { SpikingNetwork, type SnnStats } from './simulation.js';
import type { SampleApi } from './workers/sampleWorker.js';
import { WorkerPool } from './workers/workerPool.js';

export interface VerifySettings {
  /** Order spec, e.g. "split,delay" (default fifo). */
  order?: string;
  /** Sample i uses seed + i for its delivery order. */
  seed?: number;
  policy?: SpikePolicy;
  eventBudget?: number;
}

export interface SampleVerdict {
  index: number;
  target: number;
  predicted: number;
  annPredicted: number;
  equal: boolean;
  /** The first differences, when not equal. */
  mismatches: Mismatch[];
}

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

/** An input and its target, as the integer ANN's batch API takes it. */
export type Sample = BatchSample;

/** Verifies samples one after the other in one thread; used directly and inside each worker. */
export class SampleVerifier {
  private readonly snn: SpikingNetwork;
  private readonly ann: IntegerAnn;

  constructor(
    readonly network: Network,
    private readonly settings: VerifySettings,
  ) {
    this.snn = new SpikingNetwork(network, { orders: parseOrders(settings.order ?? 'fifo'), policy: settings.policy, eventBudget: settings.eventBudget });
    this.ann = new IntegerAnn(network);
  }

  /** Compares typed arrays in place: copying some 200k increments per MNIST sample would cost more than the run. */
  async verify(input: ArrayLike<number>, target: number, alpha: number, index: number): Promise<SampleVerdict> {
    this.snn.bus.reseed((this.settings.seed ?? 1) + index);
    await this.snn.clearIncrements();
    const live = await this.snn.runExampleStates(input, target, alpha);
    const increments = await this.snn.incrementArrays();
    this.ann.clearIncrements();
    const annPredicted = this.ann.run(input, target, alpha);
    const mismatches: Mismatch[] = [];
    const L = this.ann.layers.length - 1;
    this.ann.state.forEach((a, l) => {
      const at = this.ann.layerIndex[l];
      const s = live.states[l];
      if (l === L) compareArrays(at, 'V', a.a, s.V, mismatches, 3);
      else compareArrays(at, 'S', a.S, s.S, mismatches, 3);
      compareArrays(at, 'E', a.E, s.Z, mismatches, 3);
      compareArrays(at, 'dW', a.dW, increments[l].dW, mismatches, 3);
      compareArrays(at, 'db', a.db, increments[l].db, mismatches, 3);
    });
    return { index, target, predicted: live.predicted, annPredicted, equal: mismatches.length === 0 && annPredicted === live.predicted, mismatches };
  }

  stats(): SnnStats {
    return this.snn.stats();
  }

  dispose(): void {
    this.snn.dispose();
  }
}

/** Add up statistics of disjoint runs (ratios recomputed from the sums). */
export function mergeStats(parts: SnnStats[]): SnnStats {
  const [first, ...rest] = parts;
  const out: SnnStats = structuredClone(first);
  for (const p of rest) {
    out.examples += p.examples;
    out.inputEvents += p.inputEvents;
    out.deliveries += p.deliveries;
    out.virtualTime = Math.max(out.virtualTime, p.virtualTime);
    p.layers.forEach((l, i) => {
      for (const phase of ['forward', 'backward'] as const) {
        const a = out.layers[i][phase], b = l[phase];
        const best = a.bestCaseRelativeOps * a.macs + b.bestCaseRelativeOps * b.macs;
        a.events += b.events;
        a.standardEvents += b.standardEvents;
        a.residualEvents += b.residualEvents;
        a.accumulations += b.accumulations;
        a.netCount += b.netCount;
        a.redundant += b.redundant;
        a.macs += b.macs;
        a.quietAt = Math.max(a.quietAt, b.quietAt);
        a.relativeOps = a.accumulations / a.macs;
        a.bestCaseRelativeOps = best / a.macs;
      }
    });
  }
  return out;
}

async function verifyChunk(verifier: SampleVerifier, samples: readonly Sample[], from: number, alpha: number, onSample?: () => void): Promise<SampleVerdict[]> {
  const out: SampleVerdict[] = [];
  for (let k = 0; k < samples.length; k++) {
    out.push(await verifier.verify(samples[k].input, samples[k].target, alpha, from + k));
    onSample?.();
  }
  return out;
}

export async function verifySamples(
  network: Network,
  samples: readonly Sample[],
  alpha: number,
  settings: VerifySettings & { workers?: number; onSample?: () => void } = {},
): Promise<VerifyReport> {
  const start = performance.now();
  const workers = Math.min(checkWorkers(settings.workers ?? defaultWorkers()), samples.length);
  let verdicts: SampleVerdict[];
  let stats: SnnStats;
  let startup = 0;
  if (workers <= 1) {
    const verifier = new SampleVerifier(network, settings);
    try {
      verdicts = await verifyChunk(verifier, samples, 0, alpha, settings.onSample);
      stats = verifier.stats();
    } finally {
      verifier.dispose();
    }
  } else {
    const pool = new WorkerPool<SampleApi>('sampleWorker', workers);
    try {
      const spec = networkSpec(network);
      const { onSample: _onSample, ...plain } = settings;
      const chunks = await Promise.all(
        pool.handles.map(async (h) => {
          const from = Math.floor((h.id * samples.length) / workers);
          const to = Math.floor(((h.id + 1) * samples.length) / workers);
          const chunk = samples.slice(from, to).map((s) => ({ input: Float64Array.from(s.input), target: s.target }));
          await h.call('start-up', (api) => api.init(spec, plain));
          startup = Math.max(startup, performance.now() - start);
          const verdicts = await h.call(`verifying samples ${from}–${to - 1}`, (api) => api.verify(chunk, from, alpha));
          settings.onSample?.();
          return { verdicts, stats: await h.call('collecting statistics', (api) => api.stats()) };
        }),
      );
      verdicts = chunks.flatMap((c) => c.verdicts);
      stats = mergeStats(chunks.map((c) => c.stats));
    } finally {
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

/** Worker-side entry points (kept here so the worker file stays a thin shell). */
export function createSampleService() {
  let verifier: SampleVerifier | null = null;
  return {
    init(spec: NetworkSpec, settings: VerifySettings): void {
      verifier = new SampleVerifier(networkFromSpec(spec), settings);
    },
    verify(samples: Sample[], from: number, alpha: number): Promise<SampleVerdict[]> {
      return verifyChunk(verifier!, samples, from, alpha);
    },
    stats(): SnnStats {
      return verifier!.stats();
    },
  };
}
