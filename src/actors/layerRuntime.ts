/**
 * One layer's ports: binds the layer's compute (kernel in this thread, or shards in workers) to its
 * channels on the bus, counts events for the quiescence detection (end-of-phase markers carry the
 * number of events sent), checks the run-time event bound, writes the event log and keeps the
 * per-phase statistics.
 */
import { QuiescenceError } from '../errors.js';
import type { SpikeBus } from '../streams/bus.js';
import type { Envelope } from '../streams/envelope.js';
import { LogKind, PhaseMark, type EventLogWriter } from '../streams/eventLog.js';
import { PacketWriter, type Packet } from '../streams/packet.js';
import { isPromise, type LayerCompute, type Maybe, type PendingWork } from './compute.js';
import type { Direction, LayerEvent, LayerPorts } from './layerMachine.js';
import { emptyPhaseStats, type PhaseStats } from './statistics.js';

export interface LayerWiring {
  /** Position among the neuron layers (0 = first). */
  position: number;
  /** Index into network.layers (used in messages and the log). */
  layerIndex: number;
  name: string;
  compute: LayerCompute;
  bus: SpikeBus;
  pending: PendingWork;
  input: Record<Direction, number | null>;
  output: Record<Direction, number | null>;
  log: EventLogWriter | null;
  /** Values feeding the layer, for its increments (the input, or S of the layer below). */
  lowerValues: () => Float64Array;
  /** The classification layer's initial error compartment; null for other layers. */
  topError: (() => Float64Array) | null;
  onQuiet: (position: number, direction: Direction) => void;
}

export class LayerRuntime implements LayerPorts {
  readonly stats: Record<Direction, PhaseStats> = { forward: emptyPhaseStats(), backward: emptyPhaseStats() };
  /** The first fault seen; the coordinator stops the run on it. */
  fault: Error | null = null;
  /** Per-example maxima from the event bound. */
  bound: Record<Direction, number> = { forward: Infinity, backward: Infinity };
  /** Set by the coordinator once the layer's actor exists. */
  notify: (event: LayerEvent) => void = () => {};

  private readonly received: Record<Direction, number> = { forward: 0, backward: 0 };
  private readonly expected: Record<Direction, number> = { forward: -1, backward: -1 };
  private readonly emitted: Record<Direction, number> = { forward: 0, backward: 0 };
  /** Calls handed to the compute that have not come back yet. */
  private readonly outstanding: Record<Direction, number> = { forward: 0, backward: 0 };
  private readonly writers: Record<Direction, PacketWriter>;
  private logKind = LogKind.Spike;
  private accumulationsAtBegin = 0;
  private residualFrom = 0;

  constructor(private readonly w: LayerWiring) {
    const make = (direction: Direction) => new PacketWriter(w.bus.pool, (p) => this.send(direction, p));
    this.writers = { forward: make('forward'), backward: make('backward') };
  }

  private send(direction: Direction, p: Packet): void {
    this.emitted[direction] += p.length;
    if (this.emitted[direction] > this.bound[direction]) {
      this.fail(`emitted ${this.emitted[direction]} events, more than its bound of ${this.bound[direction]}: the ${direction} phase does not become quiet`, direction);
    }
    const log = this.w.log;
    if (log) for (let k = 0; k < p.length; k++) log.record(this.logKind, this.w.layerIndex, p.index[k], p.value[k], this.w.bus.clock);
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

  /** Run a compute call; when it finishes (now or later) flush its spikes and run `after`. */
  private perform(direction: Direction, result: Maybe<void>, after: () => void): void {
    const finish = () => {
      this.writers[direction].flush();
      after();
    };
    if (!isPromise(result)) return finish();
    this.outstanding[direction]++;
    this.w.pending.add(
      result.then(() => {
        this.outstanding[direction]--;
        finish();
        this.notify({ type: 'SETTLED' });
      }),
    );
  }

  begin(direction: Direction): void {
    this.received[direction] = 0;
    this.expected[direction] = this.w.input[direction] === null ? 0 : -1;
    this.emitted[direction] = 0;
    this.accumulationsAtBegin = this.w.compute.accumulations();
    const writer = this.writers[direction];
    writer.written = 0;
    if (direction === 'forward') {
      this.mark(PhaseMark.ForwardStart);
      this.logKind = LogKind.Spike;
      this.perform(direction, this.w.compute.resetForward(), () => {});
    } else {
      this.mark(PhaseMark.BackwardStart);
      this.logKind = LogKind.ErrorSpike;
      this.perform(direction, this.w.compute.startBackward(this.w.lowerValues()), () => {});
      if (this.w.topError) this.perform(direction, this.w.compute.startTopError(this.w.topError(), writer), () => {});
    }
  }

  integrate(direction: Direction, e: Envelope): void {
    const p = e.packet!;
    this.received[direction] += p.length;
    if (this.expected[direction] >= 0 && this.received[direction] > this.expected[direction]) {
      this.fail(`received ${this.received[direction]} events but the end-of-phase marker announced ${this.expected[direction]}`, direction);
      return;
    }
    const writer = this.writers[direction];
    const result = direction === 'forward' ? this.w.compute.integrateForward(p, writer) : this.w.compute.integrateBackward(p, writer);
    // Flushed per delivery, so no packet straddles two phases.
    this.perform(direction, result, () => {});
  }

  expectEnd(direction: Direction, count: number): void {
    if (this.received[direction] > count) this.fail(`received ${this.received[direction]} events but the end-of-phase marker announced ${count}`, direction);
    this.expected[direction] = count;
  }

  inputComplete(direction: Direction): boolean {
    return this.expected[direction] >= 0 && this.received[direction] === this.expected[direction] && this.outstanding[direction] === 0;
  }

  residual(direction: Direction): void {
    const writer = this.writers[direction];
    this.residualFrom = writer.written;
    this.mark(direction === 'forward' ? PhaseMark.ForwardResidual : PhaseMark.BackwardResidual);
    this.logKind = direction === 'forward' ? LogKind.ResidualSpike : LogKind.ResidualErrorSpike;
    const result = direction === 'forward' ? this.w.compute.residualForward(writer) : this.w.compute.residualBackward(writer);
    this.perform(direction, result, () => this.notify({ type: 'RESIDUAL_DONE' }));
  }

  end(direction: Direction): void {
    const writer = this.writers[direction];
    const s = this.stats[direction];
    s.standardEvents += this.residualFrom;
    s.residualEvents += writer.written - this.residualFrom;
    s.accumulations += this.w.compute.accumulations() - this.accumulationsAtBegin;
    s.quietAt = Math.max(s.quietAt, this.w.bus.clock);
    const channel = this.w.output[direction];
    if (channel !== null) this.w.bus.sendMarker(channel, writer.written);
    this.mark(direction === 'forward' ? PhaseMark.ForwardQuiet : PhaseMark.BackwardQuiet);
    this.w.onQuiet(this.w.position, direction);
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
    if (expected < 0) return `${where}: nothing in flight and no end-of-phase marker received (${received} events received); the marker was lost`;
    return `${where}: received ${received} of the ${expected} events announced by the end-of-phase marker; ${expected - received} events were lost`;
  }
}
