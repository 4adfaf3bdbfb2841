/**
 * The spike bus: one in-flight queue that delivers the next envelope in (deliverAt, rank, arrival)
 * order to its channel's delivery stream. Nothing waits for a global step: whatever is in flight
 * anywhere may go next. Two kinds of virtual time:
 *
 * - orders (no latency model): channels are RxJS Subjects piped through the delivery orders; the
 *   clock ticks once per delivery (or jumps to a later deliverAt set by `delay`);
 * - a latency model: every spike arrives at its send time plus its neuron's processing time, the
 *   transmission delay of its layer and direction and its axonal delay; spikes of one send that arrive
 *   at the same time travel in one packet, and packets due at the same time go in the order of a
 *   seeded random rank. The clock is the arrival time of what is delivered.
 */
import { Subject, type Observable } from 'rxjs';
import { Rng } from '../random.js';
import type { Envelope } from './envelope.js';
import type { Order, OrderContext } from './orders/context.js';
import { fifo } from './orders/fifo.js';
import { PacketPool, type Packet } from './packet.js';
import { ScriptedInFlight, type ScheduleChoice } from './schedule.js';
import { isConstant, type Distribution } from './timing/distributions.js';
import type { Direction, LatencyModel } from './timing/latency.js';

/** Who sends on a channel, for the latency model: a neuron layer (index into `layers`) and direction. */
export interface ChannelSender {
  layer: number;
  direction: Direction;
}

interface TimedChannel {
  delay: Distribution;
  axons: Float64Array | null;
  /** Every spike of one send arrives at the same time. */
  together: boolean;
}

/**
 * A 4-ary min-heap of envelopes by (deliverAt, rank, arrival): half the depth of a binary heap, and
 * the keys in typed arrays beside the envelopes, so sifting compares numbers in place instead of
 * chasing objects; a hole moves instead of swapping. Tens of thousands of single spikes can be in
 * flight under a continuous latency model.
 */
class EnvelopeHeap {
  private items: Envelope[] = [];
  private at = new Float64Array(1024);
  private rank = new Float64Array(1024);
  private arrival = new Float64Array(1024);
  private n = 0;
  private arrivals = 0;

  get size(): number {
    return this.n;
  }

  private grow(): void {
    const cap = 2 * this.at.length;
    for (const key of ['at', 'rank', 'arrival'] as const) {
      const bigger = new Float64Array(cap);
      bigger.set(this[key]);
      this[key] = bigger;
    }
  }

  /** Is entry i before entry j? */
  private before(i: number, j: number): boolean {
    const at = this.at, rank = this.rank;
    return at[i] < at[j] || (at[i] === at[j] && (rank[i] < rank[j] || (rank[i] === rank[j] && this.arrival[i] < this.arrival[j])));
  }

  push(e: Envelope): void {
    if (this.n === this.at.length) this.grow();
    const { items, at, rank, arrival } = this;
    const t = e.deliverAt, r = e.rank, a = this.arrivals++;
    let i = this.n++;
    while (i > 0) {
      const p = (i - 1) >> 2;
      if (t > at[p] || (t === at[p] && (r > rank[p] || (r === rank[p] && a > arrival[p])))) break;
      items[i] = items[p];
      at[i] = at[p];
      rank[i] = rank[p];
      arrival[i] = arrival[p];
      i = p;
    }
    items[i] = e;
    at[i] = t;
    rank[i] = r;
    arrival[i] = a;
  }

  /** The packets on `channel` in delivery order up to its first marker or timer, at most `maxEvents` events. */
  packetsOn(channel: number, maxEvents: number): Envelope[] {
    const entries: number[] = [];
    for (let i = 0; i < this.n; i++) if (this.items[i].channel === channel) entries.push(i);
    entries.sort((i, j) => (this.before(i, j) ? -1 : 1));
    const packets: Envelope[] = [];
    let events = 0;
    for (const i of entries) {
      const p = this.items[i].packet;
      if (p === null || events + p.length > maxEvents) break;
      events += p.length;
      packets.push(this.items[i]);
    }
    return packets;
  }

  /** How many in flight were sent before `seq`: the scripted pick that delivers it (for recording). */
  sentBefore(seq: number): number {
    let k = 0;
    for (let i = 0; i < this.n; i++) if (this.items[i].seq < seq) k++;
    return k;
  }

  pop(): Envelope | undefined {
    if (this.n === 0) return undefined;
    const { items, at, rank, arrival } = this;
    const top = items[0];
    const size = --this.n;
    const last = items[size], t = at[size], r = rank[size], a = arrival[size];
    items[size] = undefined as unknown as Envelope;
    if (size === 0) return top;
    let i = 0;
    for (;;) {
      const first = 4 * i + 1;
      if (first >= size) break;
      let m = first;
      const end = Math.min(first + 4, size);
      for (let c = first + 1; c < end; c++) if (this.before(c, m)) m = c;
      if (at[m] > t || (at[m] === t && (rank[m] > r || (rank[m] === r && arrival[m] > a)))) break;
      items[i] = items[m];
      at[i] = at[m];
      rank[i] = rank[m];
      arrival[i] = arrival[m];
      i = m;
    }
    items[i] = last;
    at[i] = t;
    rank[i] = r;
    arrival[i] = a;
    return top;
  }
}

export interface BusOptions {
  orders: Order[];
  seed: number;
  packetCapacity?: number;
  /** Virtual time from a latency model instead of the orders. */
  latency?: LatencyModel | null;
  /** Scripted delivery (streams/schedule.ts) instead of the orders: the choices of each example. */
  schedule?: readonly ScheduleChoice[] | null;
  /** Record each delivery as the scripted pick that makes it (orders without split, no latency model). */
  recordSchedule?: boolean;
}

/** Capacity of the packets a timed send splits into. */
const SMALL_PACKET = 8;

export class SpikeBus {
  readonly pool: PacketPool;
  /** Small packets for the pieces of timed sends (spikes arriving alone). */
  private readonly smallPool = new PacketPool(SMALL_PACKET);
  /** Virtual time: one tick per delivery, or the delivery time of a delayed envelope. */
  clock = 0;
  deliveries = 0;
  private seq = 0;
  private readonly heap = new EnvelopeHeap();
  private readonly scripted: ScriptedInFlight | null;
  /** The current example's deliveries as scripted picks, when recorded. */
  private recorded: number[] | null;
  private readonly inputs: Subject<Envelope>[] = [];
  /** The one receiver of each channel (its layer's runtime). */
  private readonly receivers: ((e: Envelope) => void)[] = [];
  private readonly ctx: OrderContext;
  private readonly orders: Order[];
  private readonly latency: LatencyModel | null;
  /** Fifo without a latency model: what is in flight is delivered in the order it was sent. */
  private readonly predictable: boolean;
  private readonly timedChannels: (TimedChannel | null)[] = [];
  private arrival = new Float64Array(0);
  private order = new Int32Array(0);

  constructor(options: BusOptions) {
    this.pool = new PacketPool(options.packetCapacity);
    this.ctx = { rng: new Rng(options.seed), pool: this.pool };
    this.orders = options.orders;
    this.latency = options.latency ?? null;
    this.scripted = options.schedule ? new ScriptedInFlight(options.schedule, this.pool) : null;
    this.recorded = options.recordSchedule ? [] : null;
    this.predictable = this.latency === null && this.scripted === null && this.orders.every((o) => o === fifo());
  }

  /** The picks that replay the current example's deliveries (null unless recorded). */
  get recordedSchedule(): ScheduleChoice[] | null {
    return this.recorded && [...this.recorded];
  }

  /** The run's seeded generator (reseeded per example by `reseed`). */
  get rng(): Rng {
    return this.ctx.rng;
  }

  /** Is virtual time a latency model's (arrival times), rather than one tick per delivery? */
  get timed(): boolean {
    return this.latency !== null;
  }

  /** Virtual time restarts at 0 for each example, so figures do not depend on what ran before. */
  resetClock(): void {
    this.clock = 0;
    // Each example is scripted (and recorded) from its first delivery.
    this.scripted?.restart();
    if (this.recorded) this.recorded.length = 0;
  }

  /** Restart the orders' randomness (per example, so a sample's order does not depend on what ran before). */
  reseed(seed: number): void {
    this.ctx.rng = new Rng(seed);
  }

  /**
   * A new channel: its envelopes pass through every order in turn, or, with a latency model, take the
   * delays of `sender` (the input channel has none: its events come with their arrival times).
   */
  openChannel(sender: ChannelSender | null = null): number {
    const id = this.inputs.length;
    const input = new Subject<Envelope>();
    let stream: Observable<Envelope> = input;
    if (!this.latency && !this.scripted) for (const order of this.orders) stream = stream.pipe(order(this.ctx));
    const inFlight = this.scripted ?? this.heap;
    stream.subscribe((e) => inFlight.push(e));
    this.inputs.push(input);
    this.receivers.push(() => {});
    if (this.latency && sender) {
      const delay = this.latency.delayOf(sender.layer, sender.direction);
      const axons = this.latency.axonsOf(sender.layer, sender.direction);
      const processing = this.latency.processing;
      this.timedChannels.push({ delay, axons, together: isConstant(delay) && axons === null && (processing === null || isConstant(processing)) });
    } else {
      this.timedChannels.push(null);
    }
    return id;
  }

  /** Who receives the envelopes delivered on a channel, in delivery order (one receiver per channel). */
  receiveOn(channel: number, receiver: (e: Envelope) => void): void {
    this.receivers[channel] = receiver;
  }

  sendPacket(channel: number, packet: Packet): void {
    const timed = this.timedChannels[channel];
    if (timed) return this.sendTimed(channel, packet, timed);
    this.inputs[channel].next({ channel, packet, count: 0, sentAt: this.clock, seq: this.seq++, deliverAt: 0, rank: 0 });
  }

  /** A packet due at `time` (input events, whose arrival times the input timing gives). */
  sendPacketAt(channel: number, packet: Packet, time: number): void {
    this.inputs[channel].next({ channel, packet, count: 0, sentAt: this.clock, seq: this.seq++, deliverAt: time, rank: this.ctx.rng.float() });
  }

  sendMarker(channel: number, count: number, at?: number): void {
    const timed = this.timedChannels[channel];
    const deliverAt = at ?? (timed ? this.clock + this.latency!.draw(timed.delay, this.ctx.rng) : 0);
    this.inputs[channel].next({ channel, packet: null, count, sentAt: this.clock, seq: this.seq++, deliverAt, rank: timed || at !== undefined ? this.ctx.rng.float() : 0 });
  }

  /**
   * A timer on `channel` at `time`, carrying `token`. At equal times everything else goes first (its
   * rank is infinite): a timeout falls only when nothing is due at that very moment.
   */
  scheduleTimer(channel: number, time: number, token: number): void {
    this.heap.push({ channel, packet: null, count: 0, sentAt: this.clock, seq: this.seq++, deliverAt: time, rank: Infinity, timer: token });
  }

  /** When spike k of a packet sent now on a timed channel arrives. */
  private arrivalOf(timed: TimedChannel, packet: Packet, k: number): number {
    const model = this.latency!, rng = this.ctx.rng, processing = model.processing;
    return this.clock + (processing ? model.draw(processing, rng) : 0) + model.draw(timed.delay, rng) + (timed.axons ? timed.axons[packet.index[k]] : 0);
  }

  /** Arrival times for every spike; spikes arriving together share a packet. */
  private sendTimed(channel: number, packet: Packet, timed: TimedChannel): void {
    const rng = this.ctx.rng, n = packet.length;
    if (timed.together || n === 1) {
      this.heap.push({ channel, packet, count: 0, sentAt: this.clock, seq: this.seq++, deliverAt: this.arrivalOf(timed, packet, 0), rank: rng.float() });
      return;
    }
    if (this.arrival.length < n) {
      this.arrival = new Float64Array(Math.max(n, 2 * this.arrival.length));
      this.order = new Int32Array(this.arrival.length);
    }
    const at = this.arrival, order = this.order;
    for (let k = 0; k < n; k++) {
      at[k] = this.arrivalOf(timed, packet, k);
      order[k] = k;
    }
    // Stable by arrival time: spikes that arrive together keep the order they were sent in.
    const sorted = Array.from(order.subarray(0, n)).sort((a, b) => at[a] - at[b] || a - b);
    for (let g = 0; g < n; ) {
      const time = at[sorted[g]];
      let end = g + 1;
      while (end < n && at[sorted[end]] === time) end++;
      // Pieces are mostly single spikes: they come from a pool of small packets.
      const piece = end - g <= SMALL_PACKET ? this.smallPool.acquire() : this.pool.acquire();
      for (; g < end; g++) piece.push(packet.index[sorted[g]], packet.value[sorted[g]]);
      this.heap.push({ channel, packet: piece, count: 0, sentAt: this.clock, seq: this.seq++, deliverAt: time, rank: rng.float() });
    }
    this.pool.release(packet);
  }

  /**
   * The packets that will certainly be the next deliveries on `channel`, in order (up to its next
   * marker, at most `maxEvents` events): known only in fifo order without a latency model, where
   * nothing sent later can overtake what is in flight; otherwise none. A layer in worker threads
   * integrates them in one go.
   */
  upcoming(channel: number, maxEvents: number): Envelope[] {
    if (!this.predictable) return [];
    return this.heap.packetsOn(channel, maxEvents);
  }

  get inFlight(): number {
    return (this.scripted ?? this.heap).size;
  }

  /**
   * Deliver until nothing is in flight (returns true), `budget` deliveries have been made or `stop()`
   * says so (returns false). Delivered packets go back to the pool after their receiver handled them.
   */
  run(budget = Infinity, stop: () => boolean = () => false): boolean {
    let left = budget;
    const inFlight = this.scripted ?? this.heap;
    for (;;) {
      const e = inFlight.pop();
      if (e === undefined) return true;
      this.recorded?.push(this.heap.sentBefore(e.seq));
      this.clock = this.latency ? e.deliverAt : Math.max(this.clock + 1, e.deliverAt);
      this.deliveries++;
      this.receivers[e.channel](e);
      if (e.packet) (e.packet.capacity === SMALL_PACKET ? this.smallPool : this.pool).release(e.packet);
      if (stop()) return false;
      if (--left <= 0 && inFlight.size > 0) return false;
    }
  }
}
