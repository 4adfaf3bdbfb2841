/**
 * The event-driven spiking network's coordinator: one XState actor per neuron layer, wired to its
 * channels on the bus. It injects the input (at the times the input timing gives), starts the
 * backward pass with the top error once the forward pass is over, and runs an example to its end,
 * keeping its timeline (when each phase saw spikes and went quiet, and the classification layer's
 * prediction over time). Each layer's arithmetic runs in this thread or, with shards, on worker
 * threads; the statistics are kept by SnnStatistics.
 */
import { createActor, type Actor } from 'xstate';
import { InputError, QuiescenceError } from '../errors.js';
import { shapeLayerResults, type LayerResult } from '../equivalence/layerResults.js';
import { argmax, topErrorCompartment } from '../equivalence/topError.js';
import { neuronLayerIndices, sizeOf, type Network, type NeuronLayer } from '../network/topology.js';
import { SpikeBus } from '../streams/bus.js';
import type { Envelope } from '../streams/envelope.js';
import { LogKind, PhaseMark, type EventLogWriter } from '../streams/eventLog.js';
import { fifo, type Order } from '../streams/orders/index.js';
import type { ScheduleChoice } from '../streams/schedule.js';
import { PacketWriter, type Packet } from '../streams/packet.js';
import { inputTime, type InputTiming } from '../streams/timing/inputTiming.js';
import { LatencyModel, type LatencySpec } from '../streams/timing/latency.js';
import { EXACT, type Barrier } from './barrier.js';
import { LocalCompute, type LayerCompute, type LayerState } from './compute.js';
import { DEFAULT_EVENT_BUDGET, EventBudgetCache } from './eventBudget.js';
import { SnnRangeGuard, type GuardHelper } from './snnRangeGuard.js';
import type { RangeCheck } from '../equivalence/rangeGuard.js';
import { layerKernel, type SpikePolicy } from './kernels/neuronLayer.js';
import { directionOf, layerMachine, type Direction } from './layerMachine.js';
import { LayerRuntime, localCap, type PhaseTimes } from './layerRuntime.js';
import { SnnStatistics, type SnnStats } from './statistics.js';
import type { NeuronRule } from './kernels/neuronRule.js';
import { exampleResult, type SnnExampleResult, type SpikingRun } from './spikingRun.js';

export interface SnnOptions {
  /** Delivery orders applied on every channel, left to right (default fifo). */
  orders?: Order[];
  /** Seed of the orders' randomness. */
  seed?: number;
  policy?: SpikePolicy;
  /** Refuse examples whose event bound exceeds this (default 2e9). */
  eventBudget?: number;
  log?: EventLogWriter | null;
  packetCapacity?: number;
  /** Virtual time from a latency model (then the orders must be left at fifo). */
  latency?: LatencySpec | null;
  /** When input events arrive (with a latency model; default all at 0). */
  inputTiming?: InputTiming;
  /** How a layer decides its input is complete (default exact). */
  barrier?: Barrier;
  /** How the exact range is guarded (default auto: the worst case where it holds, else each example's own values). */
  rangeCheck?: RangeCheck;
  /** Count every neuron's events, for each example's event bound from what arrived (always done where needed). */
  countEvents?: boolean;
  /** Another thread that takes half of each counted example's range guard (sharded runs; guardHelper.ts). */
  guardHelper?: GuardHelper | null;
  /** A variant of the neuron rule (default the paper's; in this thread only: for the properties and `check --variant`). */
  rule?: NeuronRule;
  /** Scripted delivery (streams/schedule.ts): these choices decide every delivery of each example, in place of the orders. */
  schedule?: readonly ScheduleChoice[] | null;
  /** Record each example's deliveries as a schedule (`recordedSchedule`); orders without split only. */
  recordSchedule?: boolean;
}

/** One example's times (virtual time; NaN where a phase saw no spike). */
export interface ExampleTimeline {
  /** The classification layer's prediction at each change, from time 0 (the bias alone); empty when its potentials are in shards. */
  readout: { time: number[]; label: number[] };
  /** The earliest time after which the prediction equals the final one and stays (NaN without readout). */
  decisionTime: number;
  layers: { layer: number; forward: PhaseTimes; backward: PhaseTimes }[];
  /** When the classification layer's forward pass ended (the top error's time). */
  forwardQuietAt: number;
  /** When every ΔW was final: the last error spike (NaN when there was none). */
  incrementsFinalAt: number;
  /** When nothing was left to do. */
  endAt: number;
}

/** Builds the compute of each neuron layer (in-process kernels by default); the bus says what is in flight. */
export type ComputeFactory = (layers: NeuronLayer[], policy: SpikePolicy, bus: SpikeBus, rule?: NeuronRule) => LayerCompute[];

const FIFO = fifo();

const localComputes: ComputeFactory = (layers, policy, _bus, rule) => layers.map((_, l) => new LocalCompute(layerKernel(layers, l, policy, null, rule)));

export type { SnnExampleResult } from './spikingRun.js';

export class SpikingNetwork implements SpikingRun {
  readonly bus: SpikeBus;
  readonly computes: LayerCompute[];
  private readonly layers: NeuronLayer[];
  private readonly layerIndex: number[];
  private readonly runtimes: LayerRuntime[];
  private readonly actors: Actor<typeof layerMachine>[];
  private readonly inputChannel: number;
  /** The event bound of each example, checked against the budget before it runs. */
  readonly budget: EventBudgetCache;
  private readonly statistics: SnnStatistics;
  private readonly log: EventLogWriter | null;
  private readonly barrier: Barrier;
  private readonly inputTiming: InputTiming | null;
  private readonly range: SnnRangeGuard;
  private readonly countEvents: boolean;
  /** Holds the weights it was given: dropped when they change (on-line training), and the guard then runs here alone. */
  private guardHelper: GuardHelper | null;
  private input: Float64Array = new Float64Array(0);
  private topU: Float64Array = new Float64Array(0);
  private forwardStates: LayerState[] = [];
  private alpha = 1;
  private target = 0;
  private forwardQuietAt = NaN;
  private readout: { time: number[]; label: number[] } = { time: [], label: [] };

  constructor(
    readonly network: Network,
    options: SnnOptions = {},
    computeFactory: ComputeFactory = localComputes,
  ) {
    this.budget = new EventBudgetCache(network, options.eventBudget ?? DEFAULT_EVENT_BUDGET);
    this.countEvents = options.countEvents ?? false;
    this.guardHelper = options.guardHelper ?? null;
    this.log = options.log ?? null;
    this.barrier = options.barrier ?? EXACT;
    this.layerIndex = neuronLayerIndices(network);
    this.layers = this.layerIndex.map((i) => network.layers[i] as NeuronLayer);
    const seed = options.seed ?? 1;
    if (options.latency && options.orders && options.orders.length > 0 && !options.orders.every((o) => o === FIFO)) {
      throw new InputError('a latency model decides the delivery order (by arrival time); leave the orders at fifo');
    }
    const latency = options.latency ? new LatencyModel(options.latency, this.layerIndex.map((index, l) => ({ index, size: sizeOf(this.layers[l].outShape) })), seed) : null;
    this.inputTiming = latency ? (options.inputTiming ?? { kind: 'zero' }) : null;
    if (!latency && options.inputTiming && options.inputTiming.kind !== 'zero') throw new InputError('input timing needs a latency model (virtual time); give --latency too');
    if (options.schedule && latency) throw new InputError('--schedule: a latency model decides the delivery order (by arrival time); a schedule scripts runs without one');
    if (options.schedule && options.recordSchedule) throw new InputError('--record-schedule: this run is scripted by --schedule already');
    if (options.recordSchedule && latency) throw new InputError('--record-schedule: with a latency model the arrival times decide the order; there are no choices to record');
    this.bus = new SpikeBus({ orders: options.orders ?? [FIFO], seed, packetCapacity: options.packetCapacity, latency, schedule: options.schedule, recordSchedule: options.recordSchedule });
    this.statistics = new SnnStatistics(this.layers, this.layerIndex);
    this.range = new SnnRangeGuard(network, this.layers, this.layerIndex, options.rangeCheck ?? 'auto');
    const L = this.layers.length - 1;
    this.computes = computeFactory(this.layers, options.policy ?? 'single', this.bus, options.rule);
    // Channel f[l] carries forward spikes into layer l (f[0] from the input); b[l] error spikes into l.
    const forwardIn = this.layers.map((_, l) => this.bus.openChannel(l === 0 ? null : { layer: this.layerIndex[l - 1], direction: 'forward' }));
    const backwardIn = this.layers.map((_, l) => (l < L ? this.bus.openChannel({ layer: this.layerIndex[l + 1], direction: 'backward' }) : null));
    this.inputChannel = forwardIn[0];
    this.runtimes = this.layers.map(
      (layer, l) =>
        new LayerRuntime({
          position: l,
          layerIndex: this.layerIndex[l],
          name: layer.kind,
          compute: this.computes[l],
          bus: this.bus,
          barrier: this.barrier,
          input: { forward: forwardIn[l], backward: l < L ? backwardIn[l] : null },
          output: { forward: l < L ? forwardIn[l + 1] : null, backward: l > 0 ? backwardIn[l - 1] : null },
          log: this.log,
          lowerValues: () => (l === 0 ? this.input : this.forwardStates[l - 1].S),
          topError: l === L ? () => this.topU : null,
          onQuiet: (position, direction) => this.onQuiet(position, direction),
          onForwardIntegrated: l === L ? () => this.readPrediction() : undefined,
        }),
    );
    this.actors = this.runtimes.map((ports) => createActor(layerMachine, { input: { ports } }));
    this.actors.forEach((actor, l) => {
      this.runtimes[l].notify = (event) => actor.send(event);
      this.runtimes[l].stateName = () => String(actor.getSnapshot().value);
      actor.subscribe({ error: (err) => (this.runtimes[l].fault ??= err as Error) });
      actor.start();
    });
    // Packets go straight to the layer's runtime; its actor hears of markers (and so of phases).
    const deliver = (l: number, direction: Direction) => (e: Envelope) => {
      if (e.timer !== undefined) this.runtimes[l].onTimer(direction, e.timer);
      else if (e.packet) this.runtimes[l].receive(direction, e);
      else this.actors[l].send({ type: 'END', count: e.count });
    };
    this.layers.forEach((_, l) => {
      this.bus.receiveOn(forwardIn[l], deliver(l, 'forward'));
      const b = backwardIn[l];
      if (b !== null) this.bus.receiveOn(b, deliver(l, 'backward'));
    });
  }

  /** The classification layer's prediction, noted when it changes (where its potentials can be read). */
  private readPrediction(): void {
    const V = this.computes[this.layers.length - 1].peekPotentials();
    if (!V) return;
    const label = argmax(V);
    const r = this.readout;
    if (r.label.length === 0 || r.label[r.label.length - 1] !== label) {
      r.time.push(this.bus.clock);
      r.label.push(label);
    }
  }

  private onQuiet(position: number, direction: Direction): void {
    const L = this.layers.length - 1;
    if (direction !== 'forward' || position !== L) return;
    // The forward pass is quiet everywhere (the top's input is complete only after every layer below):
    // gather the final states, compute the top error and start the backward pass.
    const states = this.computes.map((c) => c.state());
    this.forwardStates = states.map((s) => ({ V: s.V, S: s.S, E: s.E }));
    const top = this.layers[L];
    this.forwardQuietAt = this.bus.clock;
    this.topU = topErrorCompartment(states[L].V, top.theta, top.thetaBp, this.target, this.alpha, new Float64Array(sizeOf(top.outShape)));
    if (this.log) this.topU.forEach((u, i) => this.log!.record(LogKind.TopError, this.layerIndex[L], i, u, this.bus.clock));
    for (const actor of this.actors) actor.send({ type: 'BACKWARD' });
  }

  /** The weights changed in place (on-line training): the cached event bound no longer holds. */
  weightsChanged(): void {
    this.budget.invalidate();
    this.range.weightsChanged();
    this.guardHelper = null;
    for (const c of this.computes) c.weightsChanged();
  }

  /** One example, forward and backward; increments add up until `clearIncrements()`. */
  async runExample(input: ArrayLike<number>, target: number, alpha: number): Promise<SnnExampleResult> {
    const { states, predicted } = await this.runExampleStates(input, target, alpha);
    return exampleResult(this.network, states, predicted);
  }

  /** Like `runExample`, with the final states as typed arrays (no copies; valid until the next example). */
  async runExampleStates(input: ArrayLike<number>, target: number, alpha: number): Promise<{ states: LayerState[]; predicted: number }> {
    const bound = this.budget.check(input, alpha);
    const perExample = this.range.beforeExample(input, alpha);
    const counted = perExample || bound === null || this.countEvents;
    if (counted) this.guardHelper?.prepare?.();
    this.input = Float64Array.from(input);
    this.alpha = alpha;
    this.target = target;
    // Over the budget in the worst case: the whole example may send at most the budget's events.
    const cap = bound === null ? localCap(this.budget.budget) : null;
    this.runtimes.forEach((r, l) => {
      r.bound = bound ? { forward: bound.layers[l].forward, backward: bound.layers[l].backward } : { forward: Infinity, backward: Infinity };
      r.cap = cap;
      if (counted) r.counts ??= { forward: new Float64Array(sizeOf(this.layers[l].outShape)), backward: new Float64Array(sizeOf(this.layers[l].outShape)) };
      else r.counts = null;
    });
    this.bus.resetClock();
    const deliveriesBefore = this.bus.deliveries;
    this.forwardQuietAt = NaN;
    this.readout = { time: [], label: [] };
    this.log?.record(LogKind.Phase, 0, PhaseMark.ExampleStart, target, this.bus.clock);
    for (const actor of this.actors) actor.send({ type: 'START' });
    this.readPrediction();
    this.statistics.countInputEvents(this.sendInput());
    // Timers and late arrivals (imperfect barriers) deliver more than the events themselves.
    const maxDeliveries = ((bound?.total ?? this.budget.budget) + 4 * this.layers.length + 16) * (this.barrier.kind === 'exact' ? 1 : 3);
    const failed = () => this.runtimes.some((r) => r.fault !== null);
    for (;;) {
      const quiet = this.bus.run(maxDeliveries, failed);
      const fault = this.runtimes.find((r) => r.fault !== null)?.fault;
      if (fault) throw fault;
      if (!quiet) throw new QuiescenceError(`the run did not become quiet within ${maxDeliveries} deliveries (the event bound): ${this.pendingLayers()}`);
      // Barrier none: nothing in flight ends the pass in progress.
      if (this.barrier.kind === 'none' && this.declarePassQuiet()) continue;
      break;
    }
    if (this.actors.some((a) => !a.getSnapshot().matches('done'))) throw new QuiescenceError(`nothing is in flight but ${this.pendingLayers()}`);
    this.log?.record(LogKind.Phase, 0, PhaseMark.ExampleEnd, this.bus.deliveries - deliveriesBefore, this.bus.clock);
    const states = this.computes.map((c) => c.state());
    const events = counted ? { input: this.input, forward: this.runtimes.map((r) => r.counts!.forward), backward: this.runtimes.map((r) => r.counts!.backward), states, topU: this.topU } : null;
    const arrivals = events === null ? null : this.guardHelper ? await this.range.afterExampleShared(events, this.guardHelper) : this.range.afterExample(events);
    this.statistics.addExample(this.input, states, this.bus.clock, { worstCase: bound?.total ?? null, fromArrivals: arrivals?.total ?? null });
    return { states, predicted: argmax(states[this.layers.length - 1].V) };
  }

  /** The input events, at once (orders) or at their arrival times; returns how many. */
  private sendInput(): number {
    const timing = this.inputTiming;
    if (!timing || timing.kind === 'zero') {
      const writer = new PacketWriter(this.bus.pool, (p) => (timing ? this.bus.sendPacketAt(this.inputChannel, p, 0) : this.bus.sendPacket(this.inputChannel, p)));
      for (let j = 0; j < this.input.length; j++) {
        const x = this.input[j];
        if (x === 0) continue;
        this.log?.record(LogKind.Input, 0, j, x, 0);
        writer.push(j, x);
      }
      writer.flush();
      if (this.barrier.kind === 'exact') this.bus.sendMarker(this.inputChannel, writer.written, timing ? 0 : undefined);
      return writer.written;
    }
    // Events that arrive at the same time share packets; the marker comes with the last of them.
    const rng = this.bus.rng;
    const events: { j: number; x: number; t: number }[] = [];
    for (let j = 0; j < this.input.length; j++) if (this.input[j] !== 0) events.push({ j, x: this.input[j], t: inputTime(timing, this.input[j], rng) });
    events.sort((a, b) => a.t - b.t || a.j - b.j);
    let last = 0;
    for (let k = 0; k < events.length; ) {
      const t = events[k].t;
      let packet: Packet | null = null;
      for (; k < events.length && events[k].t === t; k++) {
        if (packet === null || packet.full) {
          if (packet) this.bus.sendPacketAt(this.inputChannel, packet, t);
          packet = this.bus.pool.acquire();
        }
        packet.push(events[k].j, events[k].x);
        this.log?.record(LogKind.Input, 0, events[k].j, events[k].x, t);
      }
      this.bus.sendPacketAt(this.inputChannel, packet!, t);
      last = t;
    }
    if (this.barrier.kind === 'exact') this.bus.sendMarker(this.inputChannel, events.length, last);
    return events.length;
  }

  /** Barrier none: end the pass in progress everywhere (bottom-up forward, top-down backward); false when all is done. */
  private declarePassQuiet(): boolean {
    const L = this.layers.length - 1;
    const states = this.actors.map((a) => a.getSnapshot().value);
    if (states.some((s) => s === 'forwardStandard')) {
      for (let l = 0; l <= L; l++) this.runtimes[l].declarePassQuiet('forward');
      return true;
    }
    if (states.some((s) => s === 'backwardStandard')) {
      for (let l = L; l >= 0; l--) this.runtimes[l].declarePassQuiet('backward');
      return true;
    }
    return false;
  }

  /** The last example's timeline. */
  timeline(): ExampleTimeline {
    const { time, label } = this.readout;
    let decisionTime = NaN;
    if (label.length > 0) decisionTime = time[time.length - 1];
    let incrementsFinalAt = NaN;
    const layers = this.runtimes.map((r, l) => {
      const last = r.times.backward.lastSpike;
      if (!Number.isNaN(last)) incrementsFinalAt = Number.isNaN(incrementsFinalAt) ? last : Math.max(incrementsFinalAt, last);
      return { layer: this.layerIndex[l], forward: { ...r.times.forward }, backward: { ...r.times.backward } };
    });
    return { readout: { time: [...time], label: [...label] }, decisionTime, layers, forwardQuietAt: this.forwardQuietAt, incrementsFinalAt, endAt: this.bus.clock };
  }

  /** Why each layer that is not done is waiting. */
  private pendingLayers(): string {
    return this.actors
      .map((actor, l) => ({ state: actor.getSnapshot().value, runtime: this.runtimes[l] }))
      .filter(({ state }) => state !== 'done')
      .map(({ state, runtime }) => runtime.diagnose(directionOf(state)))
      .join('; ');
  }

  /** Increments summed since the last clear, per neuron layer, as typed arrays (empty for pooling). */
  incrementArrays(): Promise<{ dW: Float64Array; db: Float64Array }[]> {
    return Promise.all(this.computes.map((c) => c.increments()));
  }

  /** Increments summed since the last clear, per entry of `layers` (dW, db where the layer has weights). */
  async increments(): Promise<LayerResult[]> {
    return shapeLayerResults(this.network, (await this.incrementArrays()).map((increments) => ({ increments })));
  }

  async clearIncrements(): Promise<void> {
    this.range.clearIncrements();
    await Promise.all(this.computes.map((c) => c.clearIncrements()));
  }

  /** The orders' randomness restarts from `seed` (per sample, so its order does not depend on what ran before). */
  /** The last example's deliveries as scripted picks, when recorded (`recordSchedule`). */
  get recordedSchedule(): ScheduleChoice[] | null {
    return this.bus.recordedSchedule;
  }

  reseed(seed: number): void {
    this.bus.reseed(seed);
  }

  stats(): SnnStats {
    return this.statistics.report(
      this.runtimes.map((r) => r.stats),
      this.bus.deliveries,
    );
  }

  dispose(): void {
    for (const actor of this.actors) actor.stop();
  }
}
