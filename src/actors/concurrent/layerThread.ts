/**
 * One neuron layer running in a thread of its own (the concurrent mode): the same kernel, runtime and
 * layer actor as in the one-thread simulation, with its links to the neighbouring layers' threads in
 * place of the bus. Spikes arrive on shared-memory rings in whatever order the threads produce them
 * and are integrated as they come; the end-of-phase markers carry their counts, so the layer knows
 * its input is complete with no global view. Every record it makes is stamped from one shared
 * counter, so the segments of all layers merge into one log whose order is what happened.
 */
import { createActor, type Actor } from 'xstate';
import { WorkerError } from '../../errors.js';
import { topErrorCompartment } from '../../equivalence/topError.js';
import { sizeOf, type NeuronLayer } from '../../network/topology.js';
import { LogKind } from '../../streams/eventLog.js';
import { Packet, PacketPool, PacketWriter } from '../../streams/packet.js';
import { EXACT } from '../barrier.js';
import { LocalCompute } from '../compute.js';
import { layerKernel, type NeuronLayerKernel, type SpikePolicy } from '../kernels/neuronLayer.js';
import { LAYER_STATES, layerMachine, type Direction } from '../layerMachine.js';
import { LayerRuntime, type EventCap, type EventRecorder, type LayerLink } from '../layerRuntime.js';
import type { PhaseStats } from '../statistics.js';
import { RingReader, RingWriter, WAIT_MS, type RingBuffers } from './ring.js';

/** The shared memory of one layer's thread. */
export interface LayerThreadBuffers {
  /** Rings in (spikes from below, errors from above) and out, null where there is no neighbour. */
  forwardIn: RingBuffers | null;
  backwardIn: RingBuffers | null;
  forwardOut: RingBuffers | null;
  backwardOut: RingBuffers | null;
  /** Doorbells: this thread's, and the layers' above and below. */
  bell: Int32Array;
  upperBell: Int32Array | null;
  lowerBell: Int32Array | null;
  /** The global stamp counter. */
  stamp: Int32Array;
  /** Set by anyone who gives up: every thread stops waiting. */
  abort: Int32Array;
  /** This layer's machine state (index into LAYER_STATES), for messages about a thread that died. */
  phase: Int32Array;
  /** Events all layers may still send in this example (the counted budget). */
  cap: BigInt64Array;
}

export interface ExampleRequest {
  /** The global stamp when the example started: times are stamps from it. */
  startStamp: number;
  /** The input values (the first layer only). */
  input: Float64Array | null;
  target: number;
  alpha: number;
  /** The layer's worst-case event bound per direction (Infinity: counted run). */
  bound: Record<Direction, number>;
  /** The budget, when the run is counted (the cap's starting value), else null. */
  budget: number | null;
}

/** One layer's records of one example, each with its global stamp. */
export interface LogSegment {
  count: number;
  kind: Uint8Array;
  layer: Uint16Array;
  neuron: Int32Array;
  value: Float64Array;
  stamp: Float64Array;
}

export interface LayerExampleResult {
  V: Float64Array;
  S: Float64Array;
  E: Float64Array;
  counts: Record<Direction, Float64Array>;
  stats: Record<Direction, PhaseStats>;
  /** The classification layer's initial error compartment (empty for the others). */
  topU: Float64Array;
  /** Packets this layer took from its rings. */
  deliveries: number;
  log: LogSegment;
}

const grow = <T extends Uint8Array | Uint16Array | Int32Array | Float64Array>(a: T): T => {
  const b = new (a.constructor as { new (n: number): T })(2 * a.length);
  b.set(a as never);
  return b;
};

/** The layer's records, stamped as they are made. */
class StampedSegment implements EventRecorder {
  seg: LogSegment = StampedSegment.empty();

  constructor(private readonly stamp: Int32Array) {}

  static empty(): LogSegment {
    const n = 1024;
    return { count: 0, kind: new Uint8Array(n), layer: new Uint16Array(n), neuron: new Int32Array(n), value: new Float64Array(n), stamp: new Float64Array(n) };
  }

  record(kind: LogKind, layer: number, neuron: number, value: number): void {
    const s = this.seg;
    if (s.count === s.kind.length) {
      s.kind = grow(s.kind);
      s.layer = grow(s.layer);
      s.neuron = grow(s.neuron);
      s.value = grow(s.value);
      s.stamp = grow(s.stamp);
    }
    const k = s.count++;
    s.kind[k] = kind;
    s.layer[k] = layer;
    s.neuron[k] = neuron;
    s.value[k] = value;
    s.stamp[k] = Atomics.add(this.stamp, 0, 1);
  }

  take(): LogSegment {
    const s = this.seg;
    this.seg = StampedSegment.empty();
    return { count: s.count, kind: s.kind.slice(0, s.count), layer: s.layer.slice(0, s.count), neuron: s.neuron.slice(0, s.count), value: s.value.slice(0, s.count), stamp: s.stamp.slice(0, s.count) };
  }
}

/** The cap shared by every layer's thread. */
class SharedCap implements EventCap {
  constructor(
    private readonly left: BigInt64Array,
    readonly budget: number,
  ) {}
  spend(n: number): boolean {
    return Atomics.sub(this.left, 0, BigInt(n)) - BigInt(n) >= 0n;
  }
}

const FORWARD_OUT = 0;
const BACKWARD_OUT = 1;

export interface LayerThreadSpec {
  layers: NeuronLayer[];
  position: number;
  /** Index into network.layers, for messages and the log. */
  layerIndex: number;
  policy: SpikePolicy;
  packetCapacity: number;
}

export class LayerThread {
  readonly kernel: NeuronLayerKernel;
  private readonly runtime: LayerRuntime;
  private readonly actor: Actor<typeof layerMachine>;
  private readonly pool: PacketPool;
  private readonly log: StampedSegment;
  private readonly forwardIn: RingReader | null;
  private readonly backwardIn: RingReader | null;
  private readonly isTop: boolean;
  private readonly lowerS: Float64Array;
  private topU: Float64Array;
  private target = 0;
  private alpha = 1;
  private deliveries = 0;
  private seq = 0;
  private readonly scratch: Packet;
  private readonly example = { startStamp: 0 };

  constructor(
    private readonly spec: LayerThreadSpec,
    private readonly b: LayerThreadBuffers,
    /** Called before each delivery with its events (fault plans count them). */
    private readonly beforeDelivery: (events: number) => void = () => {},
  ) {
    const { layers, position: l } = spec;
    const layer = layers[l];
    this.isTop = l === layers.length - 1;
    this.kernel = layerKernel(layers, l, spec.policy);
    this.pool = new PacketPool(spec.packetCapacity);
    this.scratch = new Packet(spec.packetCapacity);
    this.log = new StampedSegment(b.stamp);
    this.lowerS = new Float64Array(sizeOf(layer.inShape));
    this.topU = new Float64Array(this.isTop ? sizeOf(layer.outShape) : 0);
    this.forwardIn = b.forwardIn && new RingReader(b.forwardIn);
    this.backwardIn = b.backwardIn && new RingReader(b.backwardIn);
    const stillWanted = () => this.checkAbort();
    const writers = [b.forwardOut && new RingWriter(b.forwardOut, b.upperBell!, stillWanted), b.backwardOut && new RingWriter(b.backwardOut, b.lowerBell!, stillWanted)];
    const pool = this.pool;
    const example = this.example;
    const link: LayerLink = {
      pool,
      get clock() {
        return Atomics.load(b.stamp, 0) - example.startStamp;
      },
      sendPacket(channel, p) {
        writers[channel]!.write(p.index, p.value, p.length);
        pool.release(p);
      },
      sendMarker(channel, count) {
        writers[channel]!.marker(count);
      },
      scheduleTimer() {
        throw new Error('timers need virtual time: the concurrent mode has the exact barrier only');
      },
    };
    this.runtime = new LayerRuntime({
      position: l,
      layerIndex: spec.layerIndex,
      name: layer.kind,
      compute: new LocalCompute(this.kernel),
      bus: link,
      barrier: EXACT,
      // Channel numbers only matter to the link; the first layer's input comes from this thread.
      input: { forward: 0, backward: this.isTop ? null : 1 },
      output: { forward: this.isTop ? null : FORWARD_OUT, backward: l > 0 ? BACKWARD_OUT : null },
      log: this.log,
      lowerValues: () => this.lowerS,
      topError: this.isTop ? () => this.topU : null,
      onQuiet: (_, direction) => this.onQuiet(direction),
    });
    this.runtime.counts = { forward: new Float64Array(sizeOf(layer.outShape)), backward: new Float64Array(sizeOf(layer.outShape)) };
    this.actor = createActor(layerMachine, { input: { ports: this.runtime } });
    this.runtime.notify = (event) => this.actor.send(event);
    this.runtime.stateName = () => String(this.actor.getSnapshot().value);
    this.actor.subscribe({
      next: (snapshot) => Atomics.store(b.phase, 0, LAYER_STATES.indexOf(snapshot.value as (typeof LAYER_STATES)[number])),
      error: (err) => (this.runtime.fault ??= err as Error),
    });
    this.actor.start();
  }

  /** Someone gave up (a layer failed, or the run was stopped): stop waiting. */
  private checkAbort(): void {
    if (Atomics.load(this.b.abort, 0) !== 0) throw new WorkerError('stopped: another layer failed');
  }

  /** The forward pass of this layer is over: it goes on to the backward pass at once (its f' and inputs are final). */
  private onQuiet(direction: Direction): void {
    if (direction !== 'forward') return;
    if (this.isTop) {
      const top = this.spec.layers[this.spec.position];
      topErrorCompartment(this.kernel.V, top.theta, top.thetaBp, this.target, this.alpha, this.topU);
      this.topU.forEach((u, i) => this.log.record(LogKind.TopError, this.spec.layerIndex, i, u));
    }
    this.actor.send({ type: 'BACKWARD' });
  }

  private deliver(direction: Direction, p: Packet): void {
    this.beforeDelivery(p.length);
    this.deliveries++;
    if (direction === 'forward') for (let k = 0; k < p.length; k++) this.lowerS[p.index[k]] += p.value[k];
    this.runtime.receive(direction, { channel: direction === 'forward' ? 0 : 1, packet: p, count: 0, sentAt: 0, seq: this.seq++, deliverAt: 0, rank: 0 });
  }

  /** Take what a ring holds: spikes as packets, a marker as the end of the phase. True if anything came. */
  private drain(reader: RingReader | null, direction: Direction): boolean {
    if (!reader) return false;
    let any = false;
    for (;;) {
      const count = reader.takeMarker();
      if (count !== null) {
        this.actor.send({ type: 'END', count });
        any = true;
        continue;
      }
      const p = this.scratch;
      p.length = reader.readSpikes(p.index, p.value, p.capacity);
      if (p.length === 0) return any;
      this.deliver(direction, p);
      any = true;
    }
  }

  /** One example, forward and backward, as far as this layer is concerned. */
  runExample(r: ExampleRequest): LayerExampleResult {
    this.target = r.target;
    this.alpha = r.alpha;
    this.example.startStamp = r.startStamp;
    this.deliveries = 0;
    this.runtime.bound = r.bound;
    this.runtime.cap = r.budget === null ? null : new SharedCap(this.b.cap, r.budget);
    this.lowerS.fill(0);
    this.actor.send({ type: 'START' });
    if (r.input) this.sendInput(r.input);
    while (!this.actor.getSnapshot().matches('done')) {
      const fault = this.runtime.fault;
      if (fault) throw fault;
      const rung = Atomics.load(this.b.bell, 0);
      const any = this.drain(this.forwardIn, 'forward') || this.drain(this.backwardIn, 'backward');
      if (any) continue;
      this.checkAbort();
      Atomics.wait(this.b.bell, 0, rung, WAIT_MS);
    }
    if (this.runtime.fault) throw this.runtime.fault;
    const k = this.kernel;
    const counts = this.runtime.counts!;
    return {
      V: k.V.slice(),
      S: k.S.slice(),
      E: k.E.slice(),
      counts: { forward: counts.forward.slice(), backward: counts.backward.slice() },
      stats: structuredClone(this.runtime.stats),
      topU: this.topU.slice(),
      deliveries: this.deliveries,
      log: this.log.take(),
    };
  }

  /** The first layer reads the input itself: one event per non-zero value, then the marker. */
  private sendInput(input: Float64Array): void {
    const writer = new PacketWriter(this.pool, (p) => {
      this.deliver('forward', p);
      this.pool.release(p);
    });
    for (let j = 0; j < input.length; j++) {
      if (input[j] === 0) continue;
      this.log.record(LogKind.Input, 0, j, input[j]);
      writer.push(j, input[j]);
    }
    writer.flush();
    this.actor.send({ type: 'END', count: writer.written });
  }

  /** What this layer's state name is, for messages. */
  get state(): string {
    return String(this.actor.getSnapshot().value);
  }
}
