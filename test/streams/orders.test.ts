/** Each delivery order on a bare bus: what it delivers, and in which order. */
import { describe, expect, it } from 'vitest';
import { SpikeBus } from '../../src/streams/bus.js';
import { delay, fifo, parseOrders, reverse, shuffle, split, type Order } from '../../src/streams/orders/index.js';

/** Send packets [0], [1, 1], [2, 2, 2], … on channel 0, then a marker; return what was delivered. */
function deliver(orders: Order[], packets = 6, seed = 7) {
  const bus = new SpikeBus({ orders, seed, packetCapacity: 16 });
  const ch = bus.openChannel();
  const got: { events: number[]; marker: boolean; time: number }[] = [];
  bus.receiveOn(ch, (e) => got.push({ events: e.packet ? Array.from(e.packet.index.subarray(0, e.packet.length)) : [], marker: !e.packet, time: bus.clock }));
  for (let n = 0; n < packets; n++) {
    const p = bus.pool.acquire();
    for (let k = 0; k <= n; k++) p.push(n, 1);
    bus.sendPacket(ch, p);
  }
  bus.sendMarker(ch, (packets * (packets + 1)) / 2);
  expect(bus.run()).toBe(true);
  expect(bus.pool.outstanding).toBe(0);
  return got;
}

const firsts = (got: { events: number[]; marker: boolean }[]) => got.filter((g) => !g.marker).map((g) => g.events[0]);

describe('delivery orders', () => {
  it('fifo delivers in send order, the marker last', () => {
    const got = deliver([fifo()]);
    expect(firsts(got)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(got[got.length - 1].marker).toBe(true);
  });

  it('reverse delivers newest first', () => {
    const got = deliver([reverse()]);
    expect(got[0].marker).toBe(true);
    expect(firsts(got)).toEqual([5, 4, 3, 2, 1, 0]);
  });

  it('shuffle is a seeded permutation: same seed, same order; another seed, another order', () => {
    const a = deliver([shuffle()], 12, 1);
    expect(deliver([shuffle()], 12, 1)).toEqual(a);
    expect(firsts(a).sort((x, y) => x - y)).toEqual([...Array(12).keys()]);
    expect(firsts(deliver([shuffle()], 12, 2))).not.toEqual(firsts(a));
  });

  it('split cuts and regroups packets but keeps every event, in channel order', () => {
    const got = deliver([split()], 8, 3);
    const all = got.flatMap((g) => g.events);
    expect(all).toEqual([...Array(8).keys()].flatMap((n) => Array(n + 1).fill(n)));
    const sizes = got.filter((g) => !g.marker).map((g) => g.events.length);
    expect(sizes).not.toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(got[got.length - 1].marker).toBe(true);
  });

  it('split cuts around the size of each packet coming in: a short first packet does not make every later piece short', () => {
    for (const seed of [3, 4, 5]) {
      const bus = new SpikeBus({ orders: [split()], seed, packetCapacity: 64 });
      const ch = bus.openChannel();
      const sizes: number[] = [];
      bus.receiveOn(ch, (e) => e.packet && sizes.push(e.packet.length));
      const lengths = [1, ...Array(8).fill(64), 5];
      for (const n of lengths) {
        const p = bus.pool.acquire();
        for (let k = 0; k < n; k++) p.push(k, 1);
        bus.sendPacket(ch, p);
      }
      bus.sendMarker(ch, 518);
      expect(bus.run()).toBe(true);
      expect(sizes.reduce((a, b) => a + b)).toBe(518);
      // Cuts drawn up to twice the size of the packet at hand (64 here) average about its size.
      expect(sizes.length).toBeLessThanOrEqual(2 * lengths.length);
    }
  });

  it('delay delivers in virtual-time order with seeded latencies; the clock jumps', () => {
    const got = deliver([delay(100)], 10, 4);
    const times = got.map((g) => g.time);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect(times[times.length - 1]).toBeGreaterThan(10);
    expect(firsts(got)).not.toEqual([...Array(10).keys()]);
  });

  it('orders compose left to right and unknown names are refused', () => {
    expect(parseOrders('split,delay')).toHaveLength(2);
    expect(() => parseOrders('fifo,sideways')).toThrow(/--order: unknown order "sideways", expected one of fifo, reverse, shuffle, split, delay/);
  });
});
