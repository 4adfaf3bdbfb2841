/** The concurrent mode: layer threads at once, no bus; exact, replayable, and failures contained. */
import { describe, expect, it } from 'vitest';
import { ConcurrentNetwork } from '../../src/actors/concurrent/concurrentNetwork.js';
import { replayEventLog } from '../../src/actors/replay.js';
import { logHeader, simulateBatch, simulateCase } from '../../src/actors/simulateCase.js';
import { runAnnBatch, runAnnCase } from '../../src/equivalence/layerResults.js';
import { InputError, WorkerError } from '../../src/errors.js';
import { readCaseFile } from '../../src/network/caseFile.js';
import { decodeEventLog, EventLogWriter } from '../../src/streams/eventLog.js';
import { parseOrders } from '../../src/streams/orders/index.js';
import { parseLatency } from '../../src/streams/timing/latency.js';
import { injectFault } from '../../src/workers/faults.js';
import { runCli } from '../support/cli.js';
import { DEEP_INPUT, deepChain } from '../support/deepChain.js';

const c = readCaseFile('examples/small.case.json');

describe('concurrent layer threads', () => {
  it.each(['single', 'burst'] as const)('give the integer ANN result, and a log that replays to it (%s policy)', async (policy) => {
    const ann = runAnnCase(c);
    const mem = EventLogWriter.inMemory(logHeader(c, { order: 'concurrent', seed: 1, policy }));
    const r = await simulateCase(c, { concurrent: true, policy, log: mem.writer });
    expect(r.layers).toEqual(ann.layers);
    const log = decodeEventLog(mem.bytes());
    const replayed = replayEventLog(log);
    expect(replayed.layers).toEqual(ann.layers);
    expect(replayed.stats.eventBound).toEqual(r.stats.eventBound);
    // The stamps order the merged log strictly.
    const t = log.records.time.subarray(0, log.records.count);
    for (let k = 2; k < t.length - 1; k++) expect(t[k]).toBeGreaterThan(t[k - 1]);
  });

  it('run several examples on the same threads, increments summed exactly', async () => {
    const samples = [0, 1, 2].map((k) => ({ input: c.input.map((x, j) => (x * (k + 1) + j) % 9), target: k % 4 }));
    const ann = runAnnBatch(c.network, samples, c.alpha);
    const snn = await simulateBatch(c.network, samples, c.alpha, { concurrent: true });
    expect(snn.increments).toEqual(ann.increments);
    expect(snn.predictions).toEqual(ann.predictions);
    expect(snn.stats.examples).toBe(3);
  });

  it('checks a deep network on its own values and counts its events, as in one thread', async () => {
    const deep = { network: deepChain(), input: DEEP_INPUT, target: 1, alpha: 10 };
    const r = await simulateCase(deep, { concurrent: true });
    expect(r.layers).toEqual(runAnnCase(deep).layers);
    expect(r.stats.eventBound.worstCase).toBeNull();
    expect(r.stats.eventBound.fromArrivals).toBeGreaterThanOrEqual(r.stats.eventBound.measured);
  });

  it('refuses what needs the bus, with the reason', async () => {
    await expect(simulateCase(c, { concurrent: true, orders: parseOrders('reverse') })).rejects.toThrow(/--concurrent: delivery orders need the bus/);
    await expect(simulateCase(c, { concurrent: true, latency: parseLatency('exp:1') })).rejects.toThrow(InputError);
    await expect(simulateCase(c, { concurrent: true, barrier: { kind: 'none' } })).rejects.toThrow(/the none barrier needs virtual time/);
  });

  it.each(['throw', 'exit'] as const)('a layer thread that fails by %s fails the run within a second, naming worker, layer and phase', async (how) => {
    const normal = performance.now();
    await simulateCase(c, { concurrent: true });
    const normalMs = performance.now() - normal;
    injectFault({ pool: 'layers', worker: 2, afterCalls: 3, how });
    try {
      const start = performance.now();
      await expect(simulateCase(c, { concurrent: true })).rejects.toThrow(WorkerError);
      await expect(simulateCase(c, { concurrent: true })).rejects.toThrow(/^worker 2 failed during layer 3 \(dense\), (forward|backward) (standard|residual) phase: (injected fault|exited with code 3)$/);
      expect((performance.now() - start) / 2).toBeLessThan(normalMs + 1000);
    } finally {
      injectFault(null);
    }
  });

  it('the CLI: check --concurrent matches; a dying layer thread is exit 2 with its name, and nothing hangs', () => {
    const ok = runCli(['check', 'examples/small.case.json', '--concurrent']);
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/equal: the SNN \(concurrent layer threads, policy single\) matches the integer ANN exactly/);
    const dead = runCli(['check', 'examples/small.case.json', '--concurrent'], 60_000, { SPIKEGRAD_FAULT: 'pool=layers,worker=1,after=2,how=exit' });
    expect(dead.status).toBe(2);
    expect(dead.stderr).toMatch(/spikegrad: worker 1 failed during layer \d+ \(\w+\), forward standard phase: exited with code 3/);
    const refused = runCli(['check', 'examples/small.case.json', '--concurrent', '--workers', '2']);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/--workers: the concurrent mode runs one thread per layer/);
  });

  it('a network can be closed while idle, and reports what it is asked after', async () => {
    const net = new ConcurrentNetwork(c.network);
    await net.runExample(c.input, c.target, c.alpha);
    await net.close();
    await expect(net.runExample(c.input, c.target, c.alpha)).rejects.toThrow(WorkerError);
  });
});
