/**
 * Spike packets: typed arrays of (neuron index, value) pairs, never one object per spike. Values are
 * ±1 for spikes and the integer input value for input events. Packets come from a pool and go back
 * to it once delivered, so a long run allocates almost nothing.
 */

/** What a kernel reads from a packet: the first `length` (index, value) pairs. */
export interface PacketView {
  readonly index: Int32Array;
  readonly value: Float64Array;
  readonly length: number;
}

export class Packet implements PacketView {
  readonly index: Int32Array;
  readonly value: Float64Array;
  length = 0;

  constructor(capacity: number) {
    this.index = new Int32Array(capacity);
    this.value = new Float64Array(capacity);
  }

  get capacity(): number {
    return this.index.length;
  }

  get full(): boolean {
    return this.length === this.index.length;
  }

  push(index: number, value: number): void {
    this.index[this.length] = index;
    this.value[this.length] = value;
    this.length++;
  }

  /** Append `count` events of `from` from its event `start` (room for them is the caller's). */
  pushFrom(from: PacketView, start: number, count: number): void {
    // A loop, not set(subarray): pieces are short, and two views per call cost more than the copy.
    const index = this.index, value = this.value, fromIndex = from.index, fromValue = from.value;
    for (let k = 0, at = this.length; k < count; k++, at++) {
      index[at] = fromIndex[start + k];
      value[at] = fromValue[start + k];
    }
    this.length += count;
  }
}

export const DEFAULT_PACKET_CAPACITY = 1024;

export class PacketPool {
  private readonly free: Packet[] = [];
  /** Packets handed out and not yet released (for leak checks in tests). */
  outstanding = 0;

  constructor(readonly capacity = DEFAULT_PACKET_CAPACITY) {}

  acquire(): Packet {
    this.outstanding++;
    const p = this.free.pop() ?? new Packet(this.capacity);
    p.length = 0;
    return p;
  }

  release(p: Packet): void {
    this.outstanding--;
    this.free.push(p);
  }
}

/** Where a kernel writes the spikes it emits. */
export interface SpikeSink {
  push(index: number, value: number): void;
  /**
   * Which incoming event (its position in the packet) the spikes that follow answer; kernels set it,
   * shards keep it so their spikes merge back into the order the whole layer would emit them in.
   */
  event?: number;
}

/** Fills pooled packets and hands each one on when it is full or flushed. */
export class PacketWriter implements SpikeSink {
  private current: Packet | null = null;
  /** Events written since the last `take()`. */
  written = 0;

  constructor(
    private readonly pool: PacketPool,
    private readonly send: (p: Packet) => void,
  ) {}

  push(index: number, value: number): void {
    if (this.current === null) this.current = this.pool.acquire();
    this.current.push(index, value);
    this.written++;
    if (this.current.full) this.flush();
  }

  flush(): void {
    if (this.current !== null && this.current.length > 0) {
      const p = this.current;
      this.current = null;
      this.send(p);
    }
  }
}
