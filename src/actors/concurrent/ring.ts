/**
 * A single-producer single-consumer ring of (index, value) entries in shared memory: how a layer's
 * thread hands spikes to its neighbour's with no copy through a third thread. An entry with index
 * MARKER is the end-of-phase marker, its value the count of events it announces.
 *
 * The producer writes entries, then publishes them by moving `head`; the consumer reads up to `head`,
 * then frees them by moving `tail`. Both counters only grow (an entry lives at counter mod capacity).
 * A consumer with nothing to read sleeps on its thread's doorbell, which every producer rings after
 * publishing; a producer facing a full ring sleeps on `tail`. Sleeps are short (WAIT_MS), so a
 * thread that is told to stop, or whose neighbour died, notices.
 */
import { sharedArray } from '../../workers/shared.js';

export const MARKER = -1;

enum Header {
  Head = 0,
  Tail = 1,
}

/** How long one sleep lasts before the sleeper looks again. */
export const WAIT_MS = 50;

export interface RingBuffers {
  header: Int32Array;
  index: Int32Array;
  value: Float64Array;
}

export function ringBuffers(capacity: number): RingBuffers {
  return { header: sharedArray(Int32Array, 2), index: sharedArray(Int32Array, capacity), value: sharedArray(Float64Array, capacity) };
}

/** A thread's doorbell: one word that producers bump and notify. */
export function ring(bell: Int32Array): void {
  Atomics.add(bell, 0, 1);
  Atomics.notify(bell, 0);
}

export class RingWriter {
  private head: number;
  private readonly capacity: number;

  constructor(
    private readonly b: RingBuffers,
    /** The consumer thread's doorbell. */
    private readonly bell: Int32Array,
    /** Called while waiting for room: throws to give up (the run failed elsewhere). */
    private readonly stillWanted: () => void,
  ) {
    this.capacity = b.index.length;
    this.head = Atomics.load(b.header, Header.Head);
  }

  /** Wait until `n` more entries fit. */
  private room(n: number): void {
    for (;;) {
      const tail = Atomics.load(this.b.header, Header.Tail);
      if (this.head + n - tail <= this.capacity) return;
      this.stillWanted();
      Atomics.wait(this.b.header, Header.Tail, tail, WAIT_MS);
    }
  }

  /** Entries [0, n) of index/value, published together when they fit, else in pieces. */
  write(index: Int32Array, value: Float64Array, n: number): void {
    for (let at = 0; at < n; ) {
      const piece = Math.min(n - at, this.capacity);
      this.room(piece);
      for (let k = 0; k < piece; k++) {
        const slot = (this.head + k) % this.capacity;
        this.b.index[slot] = index[at + k];
        this.b.value[slot] = value[at + k];
      }
      this.head += piece;
      at += piece;
      Atomics.store(this.b.header, Header.Head, this.head);
      ring(this.bell);
    }
  }

  marker(count: number): void {
    this.room(1);
    const slot = this.head % this.capacity;
    this.b.index[slot] = MARKER;
    this.b.value[slot] = count;
    this.head++;
    Atomics.store(this.b.header, Header.Head, this.head);
    ring(this.bell);
  }
}

export class RingReader {
  private tail: number;
  private readonly capacity: number;

  constructor(private readonly b: RingBuffers) {
    this.capacity = b.index.length;
    this.tail = Atomics.load(b.header, Header.Tail);
  }

  /** Entries published and not read yet. */
  get available(): number {
    return Atomics.load(this.b.header, Header.Head) - this.tail;
  }

  /** Read spikes, at most `max`, stopping before a marker, into index/value; returns how many (a marker at the front: see takeMarker). */
  readSpikes(index: Int32Array, value: Float64Array, max: number): number {
    const n = Math.min(this.available, max);
    let k = 0;
    for (; k < n; k++) {
      const slot = (this.tail + k) % this.capacity;
      if (this.b.index[slot] === MARKER) break;
      index[k] = this.b.index[slot];
      value[k] = this.b.value[slot];
    }
    this.free(k);
    return k;
  }

  /** The marker at the front, if that is what comes next (its count), else null. */
  takeMarker(): number | null {
    if (this.available === 0) return null;
    const slot = this.tail % this.capacity;
    if (this.b.index[slot] !== MARKER) return null;
    const count = this.b.value[slot];
    this.free(1);
    return count;
  }

  private free(n: number): void {
    if (n === 0) return;
    this.tail += n;
    Atomics.store(this.b.header, Header.Tail, this.tail);
    Atomics.notify(this.b.header, Header.Tail);
  }
}
