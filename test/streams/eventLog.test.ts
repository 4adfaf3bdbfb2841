import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { decodeEventLog, EventLogWriter, LogKind } from '../../src/streams/eventLog.js';

describe('event log', () => {
  it('round-trips records across chunk boundaries', () => {
    const mem = EventLogWriter.inMemory({ hello: 'world' });
    const n = 70_000;
    for (let k = 0; k < n; k++) mem.writer.record(k % 7, k % 300, k * 3 - 5, (k % 3) - 1, k >> 2);
    const log = decodeEventLog(mem.bytes());
    expect(log.header).toEqual({ hello: 'world' });
    expect(log.records.count).toBe(n);
    expect([log.records.kind[69_999], log.records.layer[69_999], log.records.neuron[69_999], log.records.value[69_999], log.records.time[69_999]]).toEqual([69_999 % 7, 69_999 % 300, 69_999 * 3 - 5, (69_999 % 3) - 1, 69_999 >> 2]);
  });

  it('is compact: a million spike records take a few bytes each', () => {
    const mem = EventLogWriter.inMemory({});
    for (let k = 0; k < 1_000_000; k++) mem.writer.record(LogKind.Spike, 2, (k * 7919) % 2560, k % 5 === 0 ? -1 : 1, k >> 4);
    expect(mem.bytes().length / 1_000_000).toBeLessThan(8);
  });

  it('refuses truncated and foreign files', () => {
    const mem = EventLogWriter.inMemory({});
    for (let k = 0; k < 100; k++) mem.writer.record(LogKind.Spike, 0, k, 1, k);
    const bytes = mem.bytes();
    expect(() => decodeEventLog(bytes.subarray(0, bytes.length - 10), 'run.log')).toThrow(/run\.log: truncated chunk at byte \d+/);
    expect(() => decodeEventLog(new TextEncoder().encode('{"not":"a log"}'), 'x.json')).toThrow(InputError);
  });
});
