/** Scripted delivery: picks and cuts on a bare bus, recording and exact replay, shrinking, and the schedule file. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { simulateCase, logHeader } from '../../src/actors/simulateCase.js';
import { InputError } from '../../src/errors.js';
import { readCaseFile } from '../../src/network/caseFile.js';
import { SpikeBus } from '../../src/streams/bus.js';
import { decodeEventLog, EventLogWriter } from '../../src/streams/eventLog.js';
import { fifo, parseOrders } from '../../src/streams/orders/index.js';
import { trimSchedule, type ScheduleChoice } from '../../src/streams/schedule.js';
import { parseSchedule } from '../../src/streams/scheduleFile.js';
import { scheduleArbitrary } from '../../src/verify/properties/equivalence.js';
import { spikeCaseArbitrary } from '../../src/verify/properties/arbitraries.js';
import { computeEventBound } from '../../src/actors/eventBudget.js';

/** Packets [0], [1, 1], [2, 2, 2], … and a marker on one channel, delivered as `schedule` says. */
function deliver(schedule: ScheduleChoice[], packets = 4) {
  const bus = new SpikeBus({ orders: [fifo()], seed: 1, packetCapacity: 16, schedule });
  const ch = bus.openChannel();
  const got: string[] = [];
  bus.receiveOn(ch, (e) => got.push(e.packet ? `${e.packet.index[0]}×${e.packet.length}` : 'end'));
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

const small = readCaseFile('examples/small.case.json');

/** The records of a run as comparable arrays (times left out: `delay` moves the clock, a schedule ticks once per delivery). */
async function logOf(options: Parameters<typeof simulateCase>[1]) {
  const mem = EventLogWriter.inMemory(logHeader(small, { order: 'x', seed: 0, policy: 'single' }));
  const r = await simulateCase(small, { workers: 1, ...options, log: mem.writer });
  const { records } = decodeEventLog(mem.bytes());
  return { result: r, records: [records.kind, records.layer, records.neuron, records.value].map((c) => Array.from(c)) };
}

describe('a scripted order', () => {
  it('no choices is fifo; a pick takes the k-th in flight (mod their number); the marker is one of them', () => {
    expect(deliver([])).toEqual(['0×1', '1×2', '2×3', '3×4', 'end']);
    expect(deliver([2])).toEqual(['2×3', '0×1', '1×2', '3×4', 'end']);
    expect(deliver([4, 7])).toEqual(['end', '3×4', '0×1', '1×2', '2×3']);
  });

  it('[k, cut] delivers the first cut events of its packet and leaves the rest in its place', () => {
    expect(deliver([[3, 1], 3, [0, 5]])).toEqual(['3×1', '3×3', '0×1', '1×2', '2×3', 'end']);
  });

  it('recorded from any order without split, the schedule replays the same deliveries, event for event', async () => {
    for (const [order, seed] of [['shuffle', 4], ['reverse', 0], ['delay', 9], ['fifo', 0]] as const) {
      const live = await logOf({ orders: parseOrders(order), seed, recordSchedule: true });
      const schedule = live.result.schedule!;
      if (order === 'fifo') expect(schedule).toEqual([]);
      else expect(schedule.length).toBeGreaterThan(3);
      const replayed = await logOf({ schedule });
      expect(replayed.records).toEqual(live.records);
      expect(replayed.result.layers).toEqual(live.result.layers);
    }
  });

  it('shards change nothing: a scripted run over 3 threads writes the in-thread run\'s log', async () => {
    const schedule: ScheduleChoice[] = [3, [1, 2], 0, 5, 2, [4, 1], 1, 1, 7];
    const local = await logOf({ schedule });
    const sharded = await logOf({ schedule, workers: 3, shardThreshold: 0 });
    expect(sharded.records).toEqual(local.records);
  });

  it('trailing fifo picks are dropped, inner ones kept', () => {
    expect(trimSchedule([0, 2, 0, [1, 1], 0, 0])).toEqual([0, 2, 0, [1, 1]]);
  });

  it('fast-check shrinks a failing schedule to a handful of choices', async () => {
    // Any schedule that changes the delivery order of the small case "fails": the shrunk one is minimal.
    const fifoLog = (await logOf({})).records;
    const details = await fc.check(
      fc.asyncProperty(scheduleArbitrary, async (schedule) => {
        expect((await logOf({ schedule })).records).toEqual(fifoLog);
      }),
      { numRuns: 100, seed: 3 },
    );
    expect(details.failed).toBe(true);
    const [shrunk] = details.counterexample!;
    expect(trimSchedule(shrunk).length).toBeLessThanOrEqual(3);
    expect(shrunk.every((c) => (typeof c === 'number' ? c : c[0]) <= 1)).toBe(true);
  });

  it('every shrunk case of a random network replays under a random schedule to the integer ANN (and cuts included)', async () => {
    await fc.assert(
      fc.asyncProperty(spikeCaseArbitrary(), scheduleArbitrary, async (c, schedule) => {
        fc.pre(computeEventBound(c.network, c.input, c.alpha).total <= 20_000);
        const a = await simulateCase(c, { workers: 1, schedule });
        const b = await simulateCase(c, { workers: 1 });
        expect(a.layers).toEqual(b.layers);
      }),
      { numRuns: 60, seed: 8 },
    );
  });
});

describe('the schedule file', () => {
  it('reads picks and [pick, cut] pairs, and names the field it refuses', () => {
    expect(parseSchedule({ format: 'spikegrad-schedule/1', policy: 'burst', choices: [1, [0, 2]] })).toEqual({ policy: 'burst', choices: [1, [0, 2]] });
    const refused = (v: unknown) => {
      try {
        parseSchedule(v, 's.json');
      } catch (e) {
        expect(e).toBeInstanceOf(InputError);
        return (e as Error).message;
      }
      throw new Error('accepted');
    };
    expect(refused({ format: 'spikegrad-case/1', policy: 'single', choices: [] })).toBe('s.json: format: expected "spikegrad-schedule/1", found "spikegrad-case/1"');
    expect(refused({ format: 'spikegrad-schedule/1', choices: [] })).toBe('s.json: policy: expected "single" or "burst", found nothing');
    expect(refused({ format: 'spikegrad-schedule/1', policy: 'single', choices: [1, -2] })).toMatch(/^s\.json: choices\[1\]: expected a pick .* found -2$/);
    expect(refused({ format: 'spikegrad-schedule/1', policy: 'single', choices: [[1, 0]] })).toMatch(/choices\[0\].*cut ≥ 1, found \[1,0\]/);
    expect(refused([1, 2])).toMatch(/expected a spikegrad-schedule\/1 object, found \[1,2\]/);
  });
});
