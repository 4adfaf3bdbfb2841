/**
 * The spike bus: channels are RxJS Subjects piped through the delivery orders into one in-flight
 * queue; `run` delivers the next envelope in (deliverAt, rank, arrival) order to the channel's
 * delivery stream, on a virtual clock that ticks once per delivery (or jumps to a later deliverAt).
 * Nothing waits for a global step: whatever is in flight anywhere may go next.
 */
import { Subject, type Observable } from 'rxjs';
import { Rng } from '../random.js';
import type { Envelope } from './envelope.js';
import type { Order, OrderContext } from './orders/context.js';
import { PacketPool, type Packet } from './packet.js';

class EnvelopeHeap {
  private readonly items: Envelope[] = [];
  private readonly arrival: number[] = [];
  private arrivals = 0;

  get size(): number {
    return this.items.length;
  }

  private less(a: number, b: number): boolean {
    const x = this.items[a], y = this.items[b];
    if (x.deliverAt !== y.deliverAt) return x.deliverAt < y.deliverAt;
    if (x.rank !== y.rank) return x.rank < y.rank;
    return this.arrival[a] < this.arrival[b];
  }

  private swap(a: number, b: number): void {
    [this.items[a], this.items[b]] = [this.items[b], this.items[a]];
    [this.arrival[a], this.arrival[b]] = [this.arrival[b], this.arrival[a]];
  }

  push(e: Envelope): void {
    this.items.push(e);
    this.arrival.push(this.arrivals++);
    let i = this.items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  pop(): Envelope | undefined {
    if (this.items.length === 0) return undefined;
    const top = this.items[0];
    const last = this.items.length - 1;
    this.swap(0, last);
    this.items.pop();
    this.arrival.pop();
    let i = 0;
    for (;;) {
      const l = 2 * i + 1, r = l + 1;
      let m = i;
      if (l < this.items.length && this.less(l, m)) m = l;
      if (r < this.items.length && this.less(r, m)) m = r;
      if (m === i) break;
      this.swap(i, m);
      i = m;
    }
    return top;
  }
}

export interface BusOptions {
  orders: Order[];
  seed: number;
  packetCapacity?: number;
}

export class SpikeBus {
  readonly pool: PacketPool;
  /** Virtual time: one tick per delivery, or the delivery time of a delayed envelope. */
  clock = 0;
  deliveries = 0;
  private seq = 0;
  private readonly heap = new EnvelopeHeap();
  private readonly inputs: Subject<Envelope>[] = [];
  private readonly outputs: Subject<Envelope>[] = [];
  private readonly ctx: OrderContext;
  private readonly orders: Order[];

  constructor(options: BusOptions) {
    this.pool = new PacketPool(options.packetCapacity);
    this.ctx = { rng: new Rng(options.seed), pool: this.pool };
    this.orders = options.orders;
  }

  /** Virtual time restarts at 0 for each example, so figures do not depend on what ran before. */
  resetClock(): void {
    this.clock = 0;
  }

  /** Restart the orders' randomness (per example, so a sample's order does not depend on what ran before). */
  reseed(seed: number): void {
    this.ctx.rng = new Rng(seed);
  }

  /** A new channel, its envelopes passed through every order in turn. */
  openChannel(): number {
    const id = this.inputs.length;
    const input = new Subject<Envelope>();
    let stream: Observable<Envelope> = input;
    for (const order of this.orders) stream = stream.pipe(order(this.ctx));
    stream.subscribe((e) => this.heap.push(e));
    this.inputs.push(input);
    this.outputs.push(new Subject<Envelope>());
    return id;
  }

  /** The envelopes delivered on a channel, in delivery order. */
  deliveries$(channel: number): Observable<Envelope> {
    return this.outputs[channel].asObservable();
  }

  sendPacket(channel: number, packet: Packet): void {
    this.inputs[channel].next({ channel, packet, count: 0, sentAt: this.clock, seq: this.seq++, deliverAt: 0, rank: 0 });
  }

  sendMarker(channel: number, count: number): void {
    this.inputs[channel].next({ channel, packet: null, count, sentAt: this.clock, seq: this.seq++, deliverAt: 0, rank: 0 });
  }

  get inFlight(): number {
    return this.heap.size;
  }

  /**
   * Deliver until nothing is in flight (returns true), `budget` deliveries have been made or `stop()`
   * says so (returns false). Delivered packets go back to the pool after their receiver handled them.
   */
  run(budget = Infinity, stop: () => boolean = () => false): boolean {
    return this.drain({ left: budget }, stop);
  }

  /**
   * Like `run`, for layers whose work finishes later (worker threads): while `busy()` the next
   * envelope waits until `idle()`'s promise settles. Work handed out by one delivery therefore comes
   * back before the next delivery, so the sequence of events, and the log, are the same on every run
   * with the same seed, however the threads are scheduled.
   */
  async runAsync(
    budget = Infinity,
    stop: () => boolean = () => false,
    idle: () => Promise<void> | null = () => null,
    busy: () => boolean = () => false,
  ): Promise<boolean> {
    const counter = { left: budget };
    for (;;) {
      if (!this.drain(counter, stop, busy)) return false;
      const wait = idle();
      if (wait === null) {
        if (this.heap.size === 0) return true;
        continue;
      }
      await wait;
      if (stop()) return false;
    }
  }

  /** Deliver until the queue is empty or `pause()`; false when stopped or over budget. */
  private drain(counter: { left: number }, stop: () => boolean, pause: () => boolean = () => false): boolean {
    while (!pause()) {
      const e = this.heap.pop();
      if (e === undefined) break;
      this.clock = Math.max(this.clock + 1, e.deliverAt);
      this.deliveries++;
      this.outputs[e.channel].next(e);
      if (e.packet) this.pool.release(e.packet);
      if (stop()) return false;
      if (--counter.left <= 0 && this.heap.size > 0) return false;
    }
    return true;
  }
}
