/**
 * One layer's ports: binds the layer's compute (kernel in this thread, or shards in workers) to its
 * channels on the bus, decides when its input is complete (the barrier), checks the run-time event
 * bound, writes the event log and keeps the per-phase statistics and the example's timeline.
 *
 * Packets go straight to the compute; only phase control goes through the layer's actor. Barriers:
 * `exact` — end-of-phase markers carry the number of events sent, and the input is complete when that
 * many have arrived; `timeout` — the input is complete once T time units passed without an event (no
 * markers; later arrivals are still integrated by the standard function); `none` — no residual phase,
 * and a pass is complete when nothing is in flight anywhere (the coordinator says so).
 */
import { EventBudgetError, QuiescenceError } from '../errors.js';
import type { Envelope } from '../streams/envelope.js';
import { LogKind, PhaseMark } from '../streams/eventLog.js';
import { PacketWriter, type Packet, type PacketPool } from '../streams/packet.js';
import type { Barrier } from './barrier.js';
import type { LayerCompute } from './compute.js';
import type { Direction, LayerEvent, LayerPorts } from './layerMachine.js';
import { emptyPhaseStats, type PhaseStats } from './statistics.js';

/**
 * What a layer sends through and reads the time from: the spike bus (one thread), or its links to the
 * neighbouring layers' threads (the concurrent mode).
 */
export interface LayerLink {
  readonly pool: PacketPool;
  /** Virtual time (the bus), or the global stamp (concurrent). */
  readonly clock: number;
  sendPacket(channel: number, p: Packet): void;
  sendMarker(channel: number, count: number): void;
  scheduleTimer(channel: number, time: number, token: number): void;
}

/** How many events an example may still send (shared by its layers). */
export interface EventCap {
  readonly budget: number;
  /** Spend n events; false once the budget is passed. */
  spend(n: number): boolean;
}

/** Where a layer's records go (an event log, or one thread's segment of it). */
export interface EventRecorder {
  record(kind: LogKind, layer: number, neuron: number, value: number, time: number): void;
}

/** A cap for one thread. */
export function localCap(budget: number): EventCap {
  let left = budget;
  return { budget, spend: (n) => (left -= n) >= 0 };
}

export interface LayerWiring {
  /** Position among the neuron layers (0 = first). */
  position: number;
  /** Index into network.layers (used in messages and the log). */
  layerIndex: number;
  name: string;
  compute: LayerCompute;
  bus: LayerLink;
  barrier: Barrier;
  input: Record<Direction, number | null>;
  output: Record<Direction, number | null>;
  log: EventRecorder | null;
  /** Values feeding the layer, for its increments (the input, or S of the layer below). */
  lowerValues: () => Float64Array;
  /** The classification layer's initial error compartment; null for other layers. */
  topError: (() => Float64Array) | null;
  onQuiet: (position: number, direction: Direction) => void;
  /** After the compute integrated forward spikes (the readout watches the classification layer). */
  onForwardIntegrated?: () => void;
}

/** When a phase of one example saw its first and last spike, and became quiet (virtual time; NaN: never). */
export interface PhaseTimes {
  firstSpike: number;
  lastSpike: number;
  quiet: number;
}

const freshTimes = (): PhaseTimes => ({ firstSpike: NaN, lastSpike: NaN, quiet: NaN });

export class LayerRuntime implements LayerPorts {
  readonly stats: Record<Direction, PhaseStats> = { forward: emptyPhaseStats(), backward: emptyPhaseStats() };
  /** This example's times per direction. */
  times: Record<Direction, PhaseTimes> = { forward: freshTimes(), backward: freshTimes() };
  /** The first fault seen; the coordinator stops the run on it. */
  fault: Error | null = null;
  /** Per-example maxima from the event bound. */
  bound: Record<Direction, number> = { forward: Infinity, backward: Infinity };
  /** Events each neuron sent in this example, when they are counted (null: not counted). */
  counts: Record<Direction, Float64Array> | null = null;
  /** Events the whole network may still send in this example (shared by every layer; null: no cap). */
  cap: EventCap | null = null;
  /** Set by the coordinator once the layer's actor exists. */
  notify: (event: LayerEvent) => void = () => {};
  /** The actor's state, for messages. */
  stateName: () => string = () => 'unknown';

  private readonly received: Record<Direction, number> = { forward: 0, backward: 0 };
  private readonly expected: Record<Direction, number> = { forward: -1, backward: -1 };
  private readonly emitted: Record<Direction, number> = { forward: 0, backward: 0 };
  /** In the standard part of a phase (accepting its input), and in its residual part. */
  private readonly standard: Record<Direction, boolean> = { forward: false, backward: false };
  private readonly inResidual: Record<Direction, boolean> = { forward: false, backward: false };
  /** Timeout barrier: the input is complete; the deadline; the token of the live timer. */
  private readonly timedOut: Record<Direction, boolean> = { forward: false, backward: false };
  private readonly deadline: Record<Direction, number> = { forward: Infinity, backward: Infinity };
  private readonly timer: Record<Direction, number> = { forward: -1, backward: -1 };
  /** Barrier none: the coordinator saw nothing in flight. */
  private readonly passQuiet: Record<Direction, boolean> = { forward: false, backward: false };
  private early = false;
  private readonly writers: Record<Direction, PacketWriter>;
  private timers = 0;

  constructor(private readonly w: LayerWiring) {
    const make = (direction: Direction) => new PacketWriter(w.bus.pool, (p) => this.send(direction, p));
    this.writers = { forward: make('forward'), backward: make('backward') };
  }

  private send(direction: Direction, p: Packet): void {
    this.emitted[direction] += p.length;
    if (this.emitted[direction] > this.bound[direction]) {
      this.fail(`emitted ${this.emitted[direction]} events, more than its bound of ${this.bound[direction]}: the ${direction} phase does not become quiet`, direction);
    }
    const cap = this.cap;
    if (cap && !cap.spend(p.length) && this.fault === null) {
      this.fault = new EventBudgetError(
        `layer ${this.w.layerIndex} (${this.w.name}), ${direction} phase: the example passed the budget of ${cap.budget.toExponential(3)} events ` +
          `(its worst-case bound is over the budget too, so it ran with its events counted); raise --budget, or lower the weights or α`,
      );
    }
    const counts = this.counts?.[direction];
    if (counts) for (let k = 0; k < p.length; k++) counts[p.index[k]]++;
    const stats = this.stats[direction];
    if (this.inResidual[direction]) stats.residualEvents += p.length;
    else stats.standardEvents += p.length;
    const clock = this.w.bus.clock;
    const times = this.times[direction];
    if (Number.isNaN(times.firstSpike)) times.firstSpike = clock;
    times.lastSpike = clock;
    const log = this.w.log;
    if (log) {
      const kind = direction === 'forward' ? (this.inResidual.forward ? LogKind.ResidualSpike : LogKind.Spike) : this.inResidual.backward ? LogKind.ResidualErrorSpike : LogKind.ErrorSpike;
      for (let k = 0; k < p.length; k++) log.record(kind, this.w.layerIndex, p.index[k], p.value[k], clock);
    }
    const channel = this.w.output[direction];
    if (channel === null) this.w.bus.pool.release(p);
    else this.w.bus.sendPacket(channel, p);
  }

  private fail(message: string, direction: Direction): void {
    this.fault ??= new QuiescenceError(`layer ${this.w.layerIndex} (${this.w.name}), ${direction} phase: ${message}`);
  }

  private mark(mark: PhaseMark): void {
    this.w.log?.record(LogKind.Phase, this.w.layerIndex, mark, 0, this.w.bus.clock);
  }

  /** Run a compute call: count its accumulations, flush its spikes and run `after`. */
  private call(direction: Direction, work: () => number, after: () => void = () => {}): void {
    this.stats[direction].accumulations += work();
    this.writers[direction].flush();
    after();
  }

  begin(direction: Direction): void {
    this.received[direction] = 0;
    this.expected[direction] = this.w.input[direction] === null ? 0 : -1;
    this.emitted[direction] = 0;
    this.standard[direction] = true;
    this.inResidual[direction] = false;
    this.timedOut[direction] = this.w.input[direction] === null;
    this.passQuiet[direction] = this.w.input[direction] === null;
    this.times[direction] = freshTimes();
    this.counts?.[direction].fill(0);
    if (this.w.barrier.kind === 'timeout' && this.w.input[direction] !== null) this.armTimer(direction);
    const writer = this.writers[direction];
    writer.written = 0;
    if (direction === 'forward') {
      this.early = false;
      this.times.backward = freshTimes();
      this.mark(PhaseMark.ForwardStart);
      this.call(direction, () => this.w.compute.resetForward());
    } else {
      this.early = false;
      this.mark(PhaseMark.BackwardStart);
      this.call(direction, () => this.w.compute.startBackward(this.w.lowerValues()));
      if (this.w.topError) this.call(direction, () => this.w.compute.startTopError(this.w.topError!(), writer));
    }
  }

  /** A packet for this layer, straight from the bus (its actor only hears of phases). */
  receive(direction: Direction, e: Envelope): void {
    if (this.standard[direction]) return this.integrate(direction, e);
    // Without termination detection, events may come after the phase ended: the standard function takes them.
    if (this.w.barrier.kind === 'timeout') return this.integrateLate(direction, e);
    this.unexpected(this.stateName(), e);
  }

  integrate(direction: Direction, e: Envelope): void {
    const p = e.packet!;
    this.received[direction] += p.length;
    if (this.expected[direction] >= 0 && this.received[direction] > this.expected[direction] && this.w.barrier.kind === 'exact') {
      this.fail(`received ${this.received[direction]} events but the end-of-phase marker announced ${this.expected[direction]}`, direction);
      return;
    }
    if (this.w.barrier.kind === 'timeout') this.deadline[direction] = this.w.bus.clock + this.w.barrier.after;
    this.integrateLate(direction, e);
    // The actor does not see packets: tell it when the last one it waited for is in.
    if (this.standard[direction] && this.inputComplete(direction)) this.notify({ type: 'SETTLED' });
  }

  private integrateLate(direction: Direction, e: Envelope): void {
    const writer = this.writers[direction];
    // The hot path: no closure per delivery. Flushed per delivery, so no packet straddles two phases.
    this.stats[direction].accumulations += direction === 'forward' ? this.w.compute.integrateForward(e, writer) : this.w.compute.integrateBackward(e, writer);
    writer.flush();
    if (direction === 'forward') this.w.onForwardIntegrated?.();
  }

  expectEnd(direction: Direction, count: number): void {
    if (this.received[direction] > count) this.fail(`received ${this.received[direction]} events but the end-of-phase marker announced ${count}`, direction);
    this.expected[direction] = count;
  }

  inputComplete(direction: Direction): boolean {
    switch (this.w.barrier.kind) {
      case 'exact':
        return this.expected[direction] >= 0 && this.received[direction] === this.expected[direction];
      case 'timeout':
        return this.timedOut[direction];
      case 'none':
        return this.passQuiet[direction];
    }
  }

  /** Timeout barrier: one live timer per direction, moved to the deadline when events came meanwhile. */
  private armTimer(direction: Direction): void {
    const after = (this.w.barrier as { after: number }).after;
    this.deadline[direction] = this.w.bus.clock + after;
    this.timer[direction] = this.timers++;
    this.w.bus.scheduleTimer(this.w.input[direction]!, this.deadline[direction], this.timer[direction]);
  }

  /** A timer of this layer went off. */
  onTimer(direction: Direction, token: number): void {
    if (token !== this.timer[direction] || !this.standard[direction]) return;
    if (this.w.bus.clock < this.deadline[direction]) {
      this.timer[direction] = this.timers++;
      this.w.bus.scheduleTimer(this.w.input[direction]!, this.deadline[direction], this.timer[direction]);
      return;
    }
    this.timedOut[direction] = true;
    this.notify({ type: 'SETTLED' });
  }

  /** Barrier none: nothing is in flight anywhere, so this pass's input is complete. */
  declarePassQuiet(direction: Direction): void {
    this.passQuiet[direction] = true;
    this.notify({ type: 'SETTLED' });
  }

  residual(direction: Direction): void {
    this.standard[direction] = false;
    this.inResidual[direction] = true;
    this.mark(direction === 'forward' ? PhaseMark.ForwardResidual : PhaseMark.BackwardResidual);
    if (this.w.barrier.kind === 'none') {
      this.notify({ type: 'RESIDUAL_DONE' });
      return;
    }
    const writer = this.writers[direction];
    this.call(direction, () => (direction === 'forward' ? this.w.compute.residualForward(writer) : this.w.compute.residualBackward(writer)), () => this.notify({ type: 'RESIDUAL_DONE' }));
  }

  end(direction: Direction): void {
    this.inResidual[direction] = false;
    const writer = this.writers[direction];
    const s = this.stats[direction];
    s.quietAt = Math.max(s.quietAt, this.w.bus.clock);
    this.times[direction].quiet = this.w.bus.clock;
    const channel = this.w.output[direction];
    if (channel !== null && this.w.barrier.kind === 'exact') this.w.bus.sendMarker(channel, writer.written);
    this.mark(direction === 'forward' ? PhaseMark.ForwardQuiet : PhaseMark.BackwardQuiet);
    this.w.onQuiet(this.w.position, direction);
  }

  requestBackward(): void {
    this.early = true;
  }

  backwardRequested(): boolean {
    return this.early;
  }

  unexpected(state: string, envelope: Envelope | null): void {
    const what = envelope ? `a packet of ${envelope.packet!.length} events` : 'an end-of-phase marker';
    this.fault ??= new QuiescenceError(`layer ${this.w.layerIndex} (${this.w.name}): ${what} arrived in state "${state}", after its phase had ended`);
  }

  /** Why this layer is not done, for the error raised when the bus runs dry. */
  diagnose(direction: Direction): string {
    const expected = this.expected[direction];
    const received = this.received[direction];
    const where = `layer ${this.w.layerIndex} (${this.w.name}), ${direction} standard phase`;
    if (this.w.barrier.kind !== 'exact') return `${where}: still waiting for its ${this.w.barrier.kind === 'timeout' ? 'timeout' : 'pass to end'}`;
    if (expected < 0) return `${where}: nothing in flight and no end-of-phase marker received (${received} events received); the marker was lost`;
    return `${where}: received ${received} of the ${expected} events announced by the end-of-phase marker; ${expected - received} events were lost`;
  }
}
