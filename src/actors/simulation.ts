/**
 * The event-driven spiking network: one XState actor per neuron layer, spike packets on the bus, and
 * a coordinator that injects the input, computes the top error when the forward pass is quiet, starts
 * the backward pass, and reports results in the `spikegrad ann` shape. Each layer's arithmetic runs
 * in this thread or, with `workers` ≥ 2, in neuron shards on worker threads.
 */
import { createActor, type Actor } from 'xstate';
import { QuiescenceError } from '../errors.js';
import type { LayerResult } from '../equivalence/annResult.js';
import { argmax, topErrorCompartment } from '../equivalence/topError.js';
import { forEachConnection } from '../network/connectivity.js';
import { connectionCount, neuronLayerIndices, sizeOf, type Network, type NeuronLayer } from '../network/topology.js';
import { SpikeBus } from '../streams/bus.js';
import type { Envelope } from '../streams/envelope.js';
import { LogKind, PhaseMark, type EventLogWriter } from '../streams/eventLog.js';
import { fifo, type Order } from '../streams/orders/index.js';
import { PacketWriter } from '../streams/packet.js';
import { isPromise, LocalCompute, PendingWork, type LayerCompute, type LayerState, type Maybe } from './compute.js';
import { assertEventBudget, computeEventBound, DEFAULT_EVENT_BUDGET, type EventBound } from './eventBudget.js';
import { NeuronLayerKernel, type SpikePolicy } from './kernels/neuronLayer.js';
import { layerMachine, type Direction } from './layerMachine.js';
import { LayerRuntime, type PhaseStats } from './layerRuntime.js';

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
}

/** Builds the compute of each neuron layer (in-process kernels by default). */
export type ComputeFactory = (layers: NeuronLayer[], policy: SpikePolicy) => LayerCompute[];

export const localComputes: ComputeFactory = (layers, policy) => {
  const L = layers.length - 1;
  return layers.map((layer, l) => new LocalCompute(new NeuronLayerKernel(layer, { policy, isTop: l === L, upper: l < L ? layers[l + 1] : null })));
};

export interface PhaseReport extends PhaseStats {
  events: number;
  /** Σ|S| (forward) or Σ|E| (backward): the events an ideal order needs. */
  netCount: number;
  /** events − netCount. */
  redundant: number;
  /** The ANN's multiply-accumulates for this layer. */
  macs: number;
  /** accumulations / macs (SPEC §8). */
  relativeOps: number;
  /** The same for the integer ANN's best case of |S| (or |E|) spikes per neuron. */
  bestCaseRelativeOps: number;
}

export interface LayerReport {
  layer: number;
  kind: NeuronLayer['kind'];
  forward: PhaseReport;
  backward: PhaseReport;
}

export interface SnnStats {
  examples: number;
  inputEvents: number;
  deliveries: number;
  /** Virtual duration of the longest example (each example starts at time 0). */
  virtualTime: number;
  layers: LayerReport[];
}

export interface SnnExampleResult {
  /** Per entry of `layers`: S (hidden) or V (top), and E. */
  layers: LayerResult[];
  predicted: number;
}

/** Resolve several maybe-promises; synchronously when none is a promise. */
function whenAll<T>(values: Maybe<T>[], then: (v: T[]) => void, pending: PendingWork): void {
  if (values.some(isPromise)) pending.add(Promise.all(values).then(then));
  else then(values as T[]);
}

export class SpikingNetwork {
  readonly bus: SpikeBus;
  readonly computes: LayerCompute[];
  private readonly layers: NeuronLayer[];
  private readonly layerIndex: number[];
  private readonly runtimes: LayerRuntime[];
  private readonly actors: Actor<typeof layerMachine>[];
  private readonly pending = new PendingWork();
  private readonly inputChannel: number;
  private readonly budget: number;
  private readonly log: EventLogWriter | null;
  /** Connections per input (forward) and per neuron (backward) of each layer, for best-case figures. */
  private readonly fanOutSizes: Int32Array[];
  private readonly fanInSizes: Int32Array[];
  private input: Float64Array = new Float64Array(0);
  private topU: Float64Array = new Float64Array(0);
  private forwardStates: LayerState[] = [];
  private alpha = 1;
  private target = 0;
  private examples = 0;
  private inputEvents = 0;
  private longestExample = 0;
  private cachedBound: { magnitude: number; alpha: number; bound: EventBound } | null = null;
  private readonly netCounts: { forward: number; backward: number; bestForward: number; bestBackward: number }[];

  constructor(
    readonly network: Network,
    options: SnnOptions = {},
    computeFactory: ComputeFactory = localComputes,
  ) {
    this.budget = options.eventBudget ?? DEFAULT_EVENT_BUDGET;
    this.log = options.log ?? null;
    this.bus = new SpikeBus({ orders: options.orders ?? [fifo()], seed: options.seed ?? 1, packetCapacity: options.packetCapacity });
    this.layerIndex = neuronLayerIndices(network);
    this.layers = this.layerIndex.map((i) => network.layers[i] as NeuronLayer);
    const L = this.layers.length - 1;
    this.computes = computeFactory(this.layers, options.policy ?? 'single');
    this.fanOutSizes = this.layers.map((layer) => {
      const sizes = new Int32Array(sizeOf(layer.inShape));
      forEachConnection(layer, (j) => sizes[j]++);
      return sizes;
    });
    this.fanInSizes = this.layers.map((layer) => {
      const sizes = new Int32Array(sizeOf(layer.outShape));
      forEachConnection(layer, (_, i) => sizes[i]++);
      return sizes;
    });
    // Channel f[l] carries forward spikes into layer l (f[0] from the input); b[l] error spikes into l.
    const forwardIn = this.layers.map(() => this.bus.openChannel());
    const backwardIn = this.layers.map((_, l) => (l < L ? this.bus.openChannel() : null));
    this.inputChannel = forwardIn[0];
    this.netCounts = this.layers.map(() => ({ forward: 0, backward: 0, bestForward: 0, bestBackward: 0 }));
    this.runtimes = this.layers.map(
      (layer, l) =>
        new LayerRuntime({
          position: l,
          layerIndex: this.layerIndex[l],
          name: layer.kind,
          compute: this.computes[l],
          bus: this.bus,
          pending: this.pending,
          input: { forward: forwardIn[l], backward: l < L ? backwardIn[l] : null },
          output: { forward: l < L ? forwardIn[l + 1] : null, backward: l > 0 ? backwardIn[l - 1] : null },
          log: this.log,
          lowerValues: () => (l === 0 ? this.input : this.forwardStates[l - 1].S),
          topError: l === L ? () => this.topU : null,
          onQuiet: (position, direction) => this.onQuiet(position, direction),
        }),
    );
    this.actors = this.runtimes.map((ports) => createActor(layerMachine, { input: { ports } }));
    this.actors.forEach((actor, l) => {
      this.runtimes[l].notify = (event) => actor.send(event);
      actor.subscribe({ next: (snap) => (this.runtimes[l].state = String(snap.value)), error: (err) => (this.runtimes[l].fault ??= err as Error) });
      actor.start();
    });
    const deliver = (l: number) => (e: Envelope) => {
      if (e.packet) this.actors[l].send({ type: 'PACKET', envelope: e });
      else this.actors[l].send({ type: 'END', count: e.count });
    };
    this.layers.forEach((_, l) => {
      this.bus.deliveries$(forwardIn[l]).subscribe(deliver(l));
      const b = backwardIn[l];
      if (b !== null) this.bus.deliveries$(b).subscribe(deliver(l));
    });
  }

  private onQuiet(position: number, direction: Direction): void {
    const L = this.layers.length - 1;
    if (direction !== 'forward' || position !== L) return;
    // The forward pass is quiet everywhere (the top's input is complete only after every layer below):
    // gather the final states, compute the top error and start the backward pass.
    whenAll(
      this.computes.map((c) => c.state()),
      (states) => {
        this.forwardStates = states.map((s) => ({ V: s.V, S: s.S, Z: s.Z }));
        const top = this.layers[L];
        this.topU = topErrorCompartment(states[L].V, top.theta, top.thetaBp, this.target, this.alpha, new Float64Array(sizeOf(top.outShape)));
        if (this.log) this.topU.forEach((u, i) => this.log!.record(LogKind.TopError, this.layerIndex[L], i, u, this.bus.clock));
        for (const actor of this.actors) actor.send({ type: 'BACKWARD' });
      },
      this.pending,
    );
  }

  /**
   * The event bound of an example (throws EventBudgetError over the budget). The bound for a uniform
   * input of magnitude max|x| also bounds every input within it, so it is computed once per magnitude
   * and α; only when that looser bound is over the budget is the example's own bound computed.
   */
  checkBudget(input: ArrayLike<number>, alpha: number): EventBound {
    let magnitude = 0;
    for (let j = 0; j < input.length; j++) magnitude = Math.max(magnitude, Math.abs(input[j]));
    if (!this.cachedBound || this.cachedBound.magnitude !== magnitude || this.cachedBound.alpha !== alpha) {
      const uniform = new Float64Array(input.length).fill(magnitude);
      this.cachedBound = { magnitude, alpha, bound: computeEventBound(this.network, uniform, alpha) };
    }
    const cached = this.cachedBound.bound;
    if (cached.total <= this.budget) return cached;
    return assertEventBudget(this.network, input, alpha, this.budget);
  }

  /** The weights changed in place (on-line training): the cached event bound no longer holds. */
  weightsChanged(): void {
    this.cachedBound = null;
  }

  /** One example, forward and backward; increments add up until `clearIncrements()`. */
  async runExample(input: ArrayLike<number>, target: number, alpha: number): Promise<SnnExampleResult> {
    const { states } = await this.runExampleStates(input, target, alpha);
    return this.result(states);
  }

  /** Like `runExample`, with the final states as typed arrays (no copies; valid until the next example). */
  async runExampleStates(input: ArrayLike<number>, target: number, alpha: number): Promise<{ states: LayerState[]; predicted: number }> {
    const bound = this.checkBudget(input, alpha);
    this.input = Float64Array.from(input);
    this.alpha = alpha;
    this.target = target;
    this.runtimes.forEach((r, l) => {
      r.bound = { forward: bound.layers[l].forward, backward: bound.layers[l].backward };
    });
    this.bus.resetClock();
    this.log?.record(LogKind.Phase, 0, PhaseMark.ExampleStart, target, this.bus.clock);
    for (const actor of this.actors) actor.send({ type: 'START' });
    const writer = new PacketWriter(this.bus.pool, (p) => this.bus.sendPacket(this.inputChannel, p));
    for (let j = 0; j < this.input.length; j++) {
      const x = this.input[j];
      if (x === 0) continue;
      this.log?.record(LogKind.Input, 0, j, x, this.bus.clock);
      writer.push(j, x);
    }
    writer.flush();
    this.bus.sendMarker(this.inputChannel, writer.written);
    this.inputEvents += writer.written;
    const maxDeliveries = bound.total + 4 * this.layers.length + 16;
    const failed = () => this.pending.error !== null || this.runtimes.some((r) => r.fault !== null);
    const quiet = await this.bus.runAsync(maxDeliveries, failed, () => this.pending.next(), () => this.pending.size > 0);
    const fault = (this.pending.error as Error | null) ?? this.runtimes.find((r) => r.fault !== null)?.fault;
    if (fault) throw fault;
    if (!quiet) throw new QuiescenceError(`the run did not become quiet within ${maxDeliveries} deliveries (the event bound): ${this.pendingLayers()}`);
    if (this.runtimes.some((r) => r.state !== 'done')) throw new QuiescenceError(`nothing is in flight but ${this.pendingLayers()}`);
    this.examples++;
    this.longestExample = Math.max(this.longestExample, this.bus.clock);
    const states = await Promise.all(this.computes.map((c) => c.state()));
    this.tallyNetCounts(states);
    return { states, predicted: argmax(states[this.layers.length - 1].V) };
  }

  private pendingLayers(): string {
    return this.runtimes
      .filter((r) => r.state !== 'done')
      .map((r) => r.diagnose(r.state.startsWith('backward') || r.state === 'awaitBackward' ? 'backward' : 'forward'))
      .join('; ');
  }

  private tallyNetCounts(states: LayerState[]): void {
    states.forEach((s, l) => {
      const c = this.netCounts[l];
      const below = l === 0 ? this.input : states[l - 1].S;
      for (let i = 0; i < s.S.length; i++) c.forward += Math.abs(s.S[i]);
      for (let i = 0; i < s.Z.length; i++) {
        c.backward += Math.abs(s.Z[i]);
        c.bestBackward += Math.abs(s.Z[i]) * this.fanInSizes[l][i];
      }
      // Inputs arrive as one event per non-zero value; spikes as |S| events at best.
      for (let j = 0; j < below.length; j++) c.bestForward += (l === 0 ? (below[j] !== 0 ? 1 : 0) : Math.abs(below[j])) * this.fanOutSizes[l][j];
    });
  }

  private result(states: LayerState[]): SnnExampleResult {
    const out: LayerResult[] = this.network.layers.map(() => ({}));
    const L = this.layers.length - 1;
    states.forEach((s, l) => {
      out[this.layerIndex[l]] = l === L ? { V: Array.from(s.V), E: Array.from(s.Z) } : { S: Array.from(s.S), E: Array.from(s.Z) };
    });
    return { layers: out, predicted: argmax(states[L].V) };
  }

  /** Increments summed since the last clear, per neuron layer, as typed arrays (empty for pooling). */
  incrementArrays(): Promise<{ dW: Float64Array; db: Float64Array }[]> {
    return Promise.all(this.computes.map((c) => c.increments()));
  }

  /** Increments summed since the last clear, per entry of `layers` (dW, db where the layer has weights). */
  async increments(): Promise<LayerResult[]> {
    const all = await this.incrementArrays();
    const out: LayerResult[] = this.network.layers.map(() => ({}));
    all.forEach((inc, l) => {
      if (this.layers[l].kind !== 'avgpool') out[this.layerIndex[l]] = { dW: Array.from(inc.dW), db: Array.from(inc.db) };
    });
    return out;
  }

  async clearIncrements(): Promise<void> {
    await Promise.all(this.computes.map((c) => c.clearIncrements()));
  }

  stats(): SnnStats {
    const report = (l: number, direction: Direction): PhaseReport => {
      const s = this.runtimes[l].stats[direction];
      const c = this.netCounts[l];
      const events = s.standardEvents + s.residualEvents;
      const netCount = direction === 'forward' ? (l === this.layers.length - 1 ? 0 : c.forward) : c.backward;
      const macs = connectionCount(this.layers[l]) * Math.max(1, this.examples);
      const best = direction === 'forward' ? c.bestForward : c.bestBackward;
      return { ...s, events, netCount, redundant: events - netCount, macs, relativeOps: s.accumulations / macs, bestCaseRelativeOps: best / macs };
    };
    return {
      examples: this.examples,
      inputEvents: this.inputEvents,
      deliveries: this.bus.deliveries,
      virtualTime: this.longestExample,
      layers: this.layers.map((layer, l) => ({ layer: this.layerIndex[l], kind: layer.kind, forward: report(l, 'forward'), backward: report(l, 'backward') })),
    };
  }

  dispose(): void {
    for (const actor of this.actors) actor.stop();
  }
}
