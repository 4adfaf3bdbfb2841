/**
 * One sample through the event-driven SNN and the integer ANN, every accumulated value (S, V, E, dW,
 * db) compared in place; used in this thread and, as a service, inside each verification worker.
 */
import { SpikingNetwork } from '../actors/spikingNetwork.js';
import type { SpikingRun } from '../actors/spikingRun.js';
import { ConcurrentNetwork } from '../actors/concurrent/concurrentNetwork.js';
import type { RangeCheck } from '../equivalence/rangeGuard.js';
import { breather } from '../breathe.js';
import type { SnnStats } from '../actors/statistics.js';
import type { SpikePolicy } from '../actors/kernels/neuronLayer.js';
import type { BatchSample } from '../equivalence/layerResults.js';
import { compareArrays, type Mismatch } from '../equivalence/compare.js';
import { IntegerAnn } from '../equivalence/integerAnn.js';
import { networkFromSpec, type NetworkSpec } from '../network/build.js';
import type { Network } from '../network/topology.js';
import { parseOrders } from '../streams/orders/index.js';
import type { InputTiming } from '../streams/timing/inputTiming.js';
import type { LatencySpec } from '../streams/timing/latency.js';
import type { Barrier } from '../actors/barrier.js';

export interface VerifySettings {
  /** Order spec, e.g. "split,delay" (default fifo). */
  order?: string;
  /** Sample i uses seed + i for its delivery order. */
  seed?: number;
  policy?: SpikePolicy;
  eventBudget?: number;
  /** A timing model instead of the order (docs/timing.md). */
  latency?: LatencySpec | null;
  barrier?: Barrier;
  inputTiming?: InputTiming;
  rangeCheck?: RangeCheck;
  /** Each sample through concurrent layer threads (samples one after the other). */
  concurrent?: boolean;
}

/** Samples in shared memory, claimed `chunk` at a time through the counter `next`. */
export interface SharedSamples {
  inputs: Float64Array;
  targets: Int32Array;
  /** Values per input. */
  size: number;
  next: Int32Array;
  chunk: number;
}

export interface SampleVerdict {
  index: number;
  target: number;
  predicted: number;
  annPredicted: number;
  equal: boolean;
  /** The first differences, when not equal. */
  mismatches: Mismatch[];
  /** Wall time of the SNN's run alone (forward, backward and its increments), without the integer ANN's run or the comparison. */
  snnSeconds: number;
}

export class SampleVerifier {
  private readonly snn: SpikingRun;
  private readonly ann: IntegerAnn;

  constructor(
    readonly network: Network,
    private readonly settings: VerifySettings,
  ) {
    this.snn = settings.concurrent
      ? new ConcurrentNetwork(network, { policy: settings.policy, eventBudget: settings.eventBudget, rangeCheck: settings.rangeCheck })
      : new SpikingNetwork(network, {
          orders: parseOrders(settings.order ?? 'fifo'), policy: settings.policy, eventBudget: settings.eventBudget, seed: settings.seed,
          latency: settings.latency, barrier: settings.barrier, inputTiming: settings.inputTiming, rangeCheck: settings.rangeCheck,
        });
    this.ann = new IntegerAnn(network);
  }

  /** Compares typed arrays in place: copying some 200k increments per MNIST sample would cost more than the run. */
  async verify(input: ArrayLike<number>, target: number, alpha: number, index: number): Promise<SampleVerdict> {
    this.snn.reseed((this.settings.seed ?? 1) + index);
    const start = performance.now();
    await this.snn.clearIncrements();
    const live = await this.snn.runExampleStates(input, target, alpha);
    const increments = await this.snn.incrementArrays();
    const snnSeconds = (performance.now() - start) / 1000;
    this.ann.clearIncrements();
    const annPredicted = this.ann.run(input, target, alpha);
    const mismatches: Mismatch[] = [];
    const L = this.ann.layers.length - 1;
    this.ann.state.forEach((a, l) => {
      const at = this.ann.layerIndex[l];
      const s = live.states[l];
      if (l === L) compareArrays(at, 'V', a.a, s.V, mismatches, 3);
      else compareArrays(at, 'S', a.S, s.S, mismatches, 3);
      compareArrays(at, 'E', a.E, s.E, mismatches, 3);
      compareArrays(at, 'dW', a.dW, increments[l].dW, mismatches, 3);
      compareArrays(at, 'db', a.db, increments[l].db, mismatches, 3);
    });
    return { index, target, predicted: live.predicted, annPredicted, equal: mismatches.length === 0 && annPredicted === live.predicted, mismatches, snnSeconds };
  }

  /** Samples [from, from + samples.length) one after the other. */
  async verifyChunk(samples: readonly BatchSample[], from: number, alpha: number, onSample?: () => void): Promise<SampleVerdict[]> {
    const out: SampleVerdict[] = [];
    const breathe = breather();
    for (let k = 0; k < samples.length; k++) {
      await breathe();
      out.push(await this.verify(samples[k].input, samples[k].target, alpha, from + k));
      onSample?.();
    }
    return out;
  }

  /**
   * Claim chunks of the shared samples until none is left (every thread of a verification claims from
   * the same counter, so a thread that starts late or runs slow simply takes fewer).
   */
  async verifyClaimed(work: SharedSamples, alpha: number, done: Int32Array, stop: () => boolean = () => false): Promise<SampleVerdict[]> {
    const out: SampleVerdict[] = [];
    const breathe = breather();
    const { inputs, targets, size, next, chunk } = work;
    for (;;) {
      const from = Atomics.add(next, 0, chunk);
      if (from >= targets.length || stop()) return out;
      for (let i = from; i < Math.min(targets.length, from + chunk); i++) {
        await breathe();
        out.push(await this.verify(inputs.subarray(i * size, (i + 1) * size), targets[i], alpha, i));
        Atomics.add(done, 0, 1);
      }
    }
  }

  stats(): SnnStats {
    return this.snn.stats();
  }

  dispose(): void {
    this.snn.dispose();
  }
}

/** What a verification worker offers (Comlink exposes it; the pool calls it). */
export function sampleService() {
  let verifier: SampleVerifier | null = null;
  return {
    init(spec: NetworkSpec, settings: VerifySettings): void {
      verifier = new SampleVerifier(networkFromSpec(spec), settings);
    },
    /** `done` (shared memory) counts the samples verified, for the main thread's progress. */
    verify(work: SharedSamples, alpha: number, done: Int32Array): Promise<SampleVerdict[]> {
      return verifier!.verifyClaimed(work, alpha, done);
    },
    stats(): SnnStats {
      return verifier!.stats();
    },
  };
}

export type SampleApi = ReturnType<typeof sampleService>;
