/**
 * The event-driven spiking network's coordinator: one XState actor per neuron layer, wired to its
 * channels on the bus. It injects the input, starts the backward pass with the top error once the
 * forward pass is quiet, and runs an example to its end. Each layer's arithmetic runs in this thread or,
 * with shards, on worker threads; the statistics are kept by SnnStatistics.
 */
import { createActor, type Actor } from 'xstate';
import { QuiescenceError } from '../errors.js';
import { shapeLayerResults, type LayerResult } from '../equivalence/layerResults.js';
import { argmax, topErrorCompartment } from '../equivalence/topError.js';
import { neuronLayerIndices, sizeOf, type Network, type NeuronLayer } from '../network/topology.js';
import { SpikeBus } from '../streams/bus.js';
import type { Envelope } from '../streams/envelope.js';
import { LogKind, PhaseMark, type EventLogWriter } from '../streams/eventLog.js';
import { fifo, type Order } from '../streams/orders/index.js';
import { PacketWriter } from '../streams/packet.js';
import { isPromise, LocalCompute, PendingWork, type LayerCompute, type LayerState, type Maybe } from './compute.js';
import { DEFAULT_EVENT_BUDGET, EventBudgetCache } from './eventBudget.js';
import { layerKernel, type SpikePolicy } from './kernels/neuronLayer.js';
import { directionOf, layerMachine, type Direction } from './layerMachine.js';
import { LayerRuntime } from './layerRuntime.js';
import { SnnStatistics, type SnnStats } from './statistics.js';

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

const localComputes: ComputeFactory = (layers, policy) => layers.map((_, l) => new LocalCompute(layerKernel(layers, l, policy)));

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
  /** The event bound of each example, checked against the budget before it runs. */
  readonly budget: EventBudgetCache;
  private readonly statistics: SnnStatistics;
  private readonly log: EventLogWriter | null;
  private input: Float64Array = new Float64Array(0);
  private topU: Float64Array = new Float64Array(0);
  private forwardStates: LayerState[] = [];
  private alpha = 1;
  private target = 0;

  constructor(
    readonly network: Network,
    options: SnnOptions = {},
    computeFactory: ComputeFactory = localComputes,
  ) {
    this.budget = new EventBudgetCache(network, options.eventBudget ?? DEFAULT_EVENT_BUDGET);
    this.log = options.log ?? null;
    this.bus = new SpikeBus({ orders: options.orders ?? [fifo()], seed: options.seed ?? 1, packetCapacity: options.packetCapacity });
    this.layerIndex = neuronLayerIndices(network);
    this.layers = this.layerIndex.map((i) => network.layers[i] as NeuronLayer);
    this.statistics = new SnnStatistics(this.layers, this.layerIndex);
    const L = this.layers.length - 1;
    this.computes = computeFactory(this.layers, options.policy ?? 'single');
    // Channel f[l] carries forward spikes into layer l (f[0] from the input); b[l] error spikes into l.
    const forwardIn = this.layers.map(() => this.bus.openChannel());
    const backwardIn = this.layers.map((_, l) => (l < L ? this.bus.openChannel() : null));
    this.inputChannel = forwardIn[0];
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
      actor.subscribe({ error: (err) => (this.runtimes[l].fault ??= err as Error) });
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
        this.forwardStates = states.map((s) => ({ V: s.V, S: s.S, E: s.E }));
        const top = this.layers[L];
        this.topU = topErrorCompartment(states[L].V, top.theta, top.thetaBp, this.target, this.alpha, new Float64Array(sizeOf(top.outShape)));
        if (this.log) this.topU.forEach((u, i) => this.log!.record(LogKind.TopError, this.layerIndex[L], i, u, this.bus.clock));
        for (const actor of this.actors) actor.send({ type: 'BACKWARD' });
      },
      this.pending,
    );
  }

  /** The weights changed in place (on-line training): the cached event bound no longer holds. */
  weightsChanged(): void {
    this.budget.invalidate();
  }

  /** One example, forward and backward; increments add up until `clearIncrements()`. */
  async runExample(input: ArrayLike<number>, target: number, alpha: number): Promise<SnnExampleResult> {
    const { states, predicted } = await this.runExampleStates(input, target, alpha);
    const L = states.length - 1;
    return { layers: shapeLayerResults(this.network, states.map((s, l) => ({ output: l === L ? s.V : s.S, E: s.E }))), predicted };
  }

  /** Like `runExample`, with the final states as typed arrays (no copies; valid until the next example). */
  async runExampleStates(input: ArrayLike<number>, target: number, alpha: number): Promise<{ states: LayerState[]; predicted: number }> {
    const bound = this.budget.check(input, alpha);
    this.input = Float64Array.from(input);
    this.alpha = alpha;
    this.target = target;
    this.runtimes.forEach((r, l) => {
      r.bound = { forward: bound.layers[l].forward, backward: bound.layers[l].backward };
    });
    this.bus.resetClock();
    const deliveriesBefore = this.bus.deliveries;
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
    this.statistics.countInputEvents(writer.written);
    const maxDeliveries = bound.total + 4 * this.layers.length + 16;
    const failed = () => this.pending.error !== null || this.runtimes.some((r) => r.fault !== null);
    const quiet = await this.bus.runAsync(maxDeliveries, failed, () => this.pending.next(), () => this.pending.size > 0);
    const fault = (this.pending.error as Error | null) ?? this.runtimes.find((r) => r.fault !== null)?.fault;
    if (fault) throw fault;
    if (!quiet) throw new QuiescenceError(`the run did not become quiet within ${maxDeliveries} deliveries (the event bound): ${this.pendingLayers()}`);
    if (this.actors.some((a) => !a.getSnapshot().matches('done'))) throw new QuiescenceError(`nothing is in flight but ${this.pendingLayers()}`);
    this.log?.record(LogKind.Phase, 0, PhaseMark.ExampleEnd, this.bus.deliveries - deliveriesBefore, this.bus.clock);
    const states = await Promise.all(this.computes.map((c) => c.state()));
    this.statistics.addExample(this.input, states, this.bus.clock);
    return { states, predicted: argmax(states[this.layers.length - 1].V) };
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
    await Promise.all(this.computes.map((c) => c.clearIncrements()));
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
