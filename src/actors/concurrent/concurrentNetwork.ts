/**
 * The concurrent mode: every neuron layer in a worker thread of its own, all running at once and
 * passing spikes to each other directly through shared-memory rings — no bus, no lock-step, no
 * coordinator deciding deliveries: the order is whatever the threads do. This thread only starts each
 * example (one control call per layer), waits for the layers to finish it, and gathers their final
 * states, statistics and log segments. The segments are merged by their stamps (one shared counter,
 * drawn when each record is made: an event caused by another is always stamped after it) into one
 * event log of what happened, which `replay` rebuilds exactly.
 *
 * A layer that fails or whose thread exits fails the example at once with an error naming worker,
 * layer and phase; the other layers notice the abort flag within a wait (50 ms) and stop.
 */
import type * as Comlink from 'comlink';
import { WorkerError } from '../../errors.js';
import { shapeLayerResults, type LayerResult } from '../../equivalence/layerResults.js';
import { argmax } from '../../equivalence/topError.js';
import { networkSpec } from '../../network/build.js';
import { neuronLayerIndices, sizeOf, type Network, type NeuronLayer } from '../../network/topology.js';
import { LogKind, PhaseMark, type EventLogWriter } from '../../streams/eventLog.js';
import { DEFAULT_PACKET_CAPACITY } from '../../streams/packet.js';
import { WorkerPool } from '../../workers/pool.js';
import { sharedArray } from '../../workers/shared.js';
import { workerModule } from '../../workers/spawn.js';
import type { LayerState } from '../compute.js';
import { DEFAULT_EVENT_BUDGET, EventBudgetCache } from '../eventBudget.js';
import type { SpikePolicy } from '../kernels/neuronLayer.js';
import { describeState, LAYER_STATES, type Direction } from '../layerMachine.js';
import { SnnRangeGuard } from '../snnRangeGuard.js';
import { exampleResult, type SpikingRun, type SnnExampleResult } from '../spikingRun.js';
import { SnnStatistics, emptyPhaseStats, type PhaseStats, type SnnStats } from '../statistics.js';
import type { RangeCheck } from '../../equivalence/rangeGuard.js';
import type { LayerApi } from './layerWorker.js';
import type { LayerExampleResult, LayerThreadBuffers, LogSegment } from './layerThread.js';
import { ringBuffers } from './ring.js';

const LAYER_WORKER = workerModule(import.meta.url, 'layerWorker');
const RING_CAPACITY = 1 << 16;

export interface ConcurrentOptions {
  policy?: SpikePolicy;
  eventBudget?: number;
  rangeCheck?: RangeCheck;
  log?: EventLogWriter | null;
  packetCapacity?: number;
}

export class ConcurrentNetwork implements SpikingRun {
  private readonly pool: WorkerPool<LayerApi>;
  private readonly layers: NeuronLayer[];
  private readonly layerIndex: number[];
  private readonly buffers: LayerThreadBuffers[];
  private readonly stamp = sharedArray(Int32Array, 1);
  private readonly abort = sharedArray(Int32Array, 1);
  private readonly cap = new BigInt64Array(new SharedArrayBuffer(8));
  private readonly budget: EventBudgetCache;
  private readonly range: SnnRangeGuard;
  private readonly statistics: SnnStatistics;
  private readonly log: EventLogWriter | null;
  private phases: Record<Direction, PhaseStats>[];
  private deliveries = 0;
  private ready: Promise<void>;
  private broken: Error | null = null;

  constructor(
    readonly network: Network,
    private readonly options: ConcurrentOptions = {},
  ) {
    this.layerIndex = neuronLayerIndices(network);
    this.layers = this.layerIndex.map((i) => network.layers[i] as NeuronLayer);
    const L = this.layers.length - 1;
    this.budget = new EventBudgetCache(network, options.eventBudget ?? DEFAULT_EVENT_BUDGET);
    this.range = new SnnRangeGuard(network, this.layers, this.layerIndex, options.rangeCheck ?? 'auto');
    this.statistics = new SnnStatistics(this.layers, this.layerIndex);
    this.log = options.log ?? null;
    this.phases = this.layers.map(() => ({ forward: emptyPhaseStats(), backward: emptyPhaseStats() }));
    // forward[l]: from layer l − 1 into l; backward[l]: from layer l + 1 into l.
    const forward = this.layers.map((_, l) => (l > 0 ? ringBuffers(RING_CAPACITY) : null));
    const backward = this.layers.map((_, l) => (l < L ? ringBuffers(RING_CAPACITY) : null));
    const bells = this.layers.map(() => sharedArray(Int32Array, 1));
    this.buffers = this.layers.map((_, l) => ({
      forwardIn: forward[l],
      backwardIn: backward[l],
      forwardOut: l < L ? forward[l + 1] : null,
      backwardOut: l > 0 ? backward[l - 1] : null,
      bell: bells[l],
      upperBell: l < L ? bells[l + 1] : null,
      lowerBell: l > 0 ? bells[l - 1] : null,
      stamp: this.stamp,
      abort: this.abort,
      phase: sharedArray(Int32Array, 1),
      cap: this.cap,
    }));
    this.pool = new WorkerPool<LayerApi>('layers', LAYER_WORKER, this.layers.length);
    const spec = networkSpec(network);
    const packetCapacity = options.packetCapacity ?? DEFAULT_PACKET_CAPACITY;
    this.ready = Promise.all(
      this.pool.handles.map((h, l) =>
        h.call('start-up', (api) => api.init(spec, { position: l, layerIndex: this.layerIndex[l], policy: options.policy ?? 'single', packetCapacity }, this.buffers[l])),
      ),
    ).then(() => undefined);
    this.ready.catch(() => {});
  }

  private what(l: number): string {
    return `layer ${this.layerIndex[l]} (${this.layers[l].kind})`;
  }

  /** Every layer's part of one call; the first failure stops the others and names worker, layer and phase. */
  private async everyLayer<T>(task: string, call: (api: Comlink.Remote<LayerApi>, l: number) => Promise<T>): Promise<T[]> {
    if (this.broken) throw new WorkerError(`the layer threads are gone (${this.broken.message}); they were needed for ${task}`);
    await this.ready;
    let first: Error | null = null;
    const results = await Promise.allSettled(
      this.pool.handles.map(async (h, l) => {
        try {
          return await h.call(this.what(l), (api) => call(api, l));
        } catch (e) {
          // A thread's own error names its phase; one that exited cannot, so its last phase is read here.
          const message = (e as Error).message;
          const phase = describeState(LAYER_STATES[Atomics.load(this.buffers[l].phase, 0)] ?? 'unknown');
          // "worker k failed during layer n (kind), <phase>: <why>", whether the thread threw or exited.
          const named = /: exited with code/.test(message) ? `${this.what(l)}, ${phase}: ` : `${this.what(l)}, `;
          const error = new WorkerError(message.replace(`${this.what(l)}: `, named));
          if (!/stopped: another layer failed/.test(error.message)) first ??= error;
          Atomics.store(this.abort, 0, 1);
          throw error;
        }
      }),
    );
    const failure = first ?? results.find((r): r is PromiseRejectedResult => r.status === 'rejected')?.reason;
    if (failure) {
      this.broken = failure as Error;
      await this.pool.close();
      throw failure;
    }
    return results.map((r) => (r as PromiseFulfilledResult<T>).value);
  }

  async runExample(input: ArrayLike<number>, target: number, alpha: number): Promise<SnnExampleResult> {
    const { states, predicted } = await this.runExampleStates(input, target, alpha);
    return exampleResult(this.network, states, predicted);
  }

  async runExampleStates(input: ArrayLike<number>, target: number, alpha: number): Promise<{ states: LayerState[]; predicted: number }> {
    const bound = this.budget.check(input, alpha);
    this.range.beforeExample(input, alpha);
    const values = Float64Array.from(input);
    if (bound === null) this.cap[0] = BigInt(Math.min(this.budget.budget, Number.MAX_SAFE_INTEGER));
    const startStamp = Atomics.add(this.stamp, 0, 1);
    const results: LayerExampleResult[] = await this.everyLayer('running an example', (api, l) =>
      api.runExample({
        startStamp,
        input: l === 0 ? values : null,
        target,
        alpha,
        bound: bound ? { forward: bound.layers[l].forward, backward: bound.layers[l].backward } : { forward: Infinity, backward: Infinity },
        budget: bound === null ? this.budget.budget : null,
      }),
    );
    const endStamp = Atomics.add(this.stamp, 0, 1);
    const states = results.map((r) => ({ V: r.V, S: r.S, E: r.E }));
    const L = this.layers.length - 1;
    const arrivals = this.range.afterExample({ input: values, forward: results.map((r) => r.counts.forward), backward: results.map((r) => r.counts.backward), states, topU: results[L].topU });
    const deliveries = results.reduce((t, r) => t + r.deliveries, 0);
    this.deliveries += deliveries;
    // Each layer's statistics are its running totals; stamps from the example's start stand in for virtual time.
    this.phases = results.map((r) => r.stats);
    let inputEvents = 0;
    for (let j = 0; j < values.length; j++) if (values[j] !== 0) inputEvents++;
    this.statistics.countInputEvents(inputEvents);
    this.statistics.addExample(values, states, endStamp - startStamp, { worstCase: bound?.total ?? null, fromArrivals: arrivals.total });
    if (this.log) this.writeLog(results.map((r) => r.log), target, deliveries, startStamp, endStamp);
    return { states, predicted: argmax(states[L].V) };
  }

  /** The layers' segments, merged by stamp, between the example's start and end marks. */
  private writeLog(segments: LogSegment[], target: number, deliveries: number, start: number, end: number): void {
    const log = this.log!;
    log.record(LogKind.Phase, 0, PhaseMark.ExampleStart, target, 0);
    const at = segments.map(() => 0);
    for (;;) {
      let pick = -1;
      for (let s = 0; s < segments.length; s++) if (at[s] < segments[s].count && (pick < 0 || segments[s].stamp[at[s]] < segments[pick].stamp[at[pick]])) pick = s;
      if (pick < 0) break;
      const g = segments[pick], k = at[pick]++;
      log.record(g.kind[k], g.layer[k], g.neuron[k], g.value[k], g.stamp[k] - start);
    }
    log.record(LogKind.Phase, 0, PhaseMark.ExampleEnd, deliveries, end - start);
  }

  async incrementArrays(): Promise<{ dW: Float64Array; db: Float64Array }[]> {
    return this.everyLayer('collecting increments', (api) => api.increments());
  }

  async increments(): Promise<LayerResult[]> {
    return shapeLayerResults(this.network, (await this.incrementArrays()).map((increments) => ({ increments })));
  }

  async clearIncrements(): Promise<void> {
    this.range.clearIncrements();
    await this.everyLayer('clearing increments', (api) => api.clearIncrements());
  }

  /** The delivery order is the threads': there is nothing to seed. */
  reseed(): void {}

  stats(): SnnStats {
    return this.statistics.report(this.phases, this.deliveries);
  }

  dispose(): void {
    void this.pool.close();
  }

  close(): Promise<void> {
    return this.pool.close();
  }

  /** For sizes in messages and tests. */
  get sizes(): number[] {
    return this.layers.map((l) => sizeOf(l.outShape));
  }
}
