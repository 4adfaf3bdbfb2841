/** Timing from the command line: simulate and check with latency models, replay, log2arrow, timing, verify drift. */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { initNetwork } from '../../src/network/init.js';
import { saveModel } from '../../src/network/modelFile.js';
import { resolveTopology } from '../../src/network/topologyFile.js';
import { readEventLog } from '../../src/streams/eventLog.js';
import { runCli } from '../support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'spikegrad-timing-'));
const CASE = 'examples/small.case.json';
const model = join(dir, 'tiny.safetensors');
saveModel(model, { network: initNetwork(resolveTopology('examples/tiny.topology.json'), { seed: 3 }), info: { alpha: '30' } });

describe('one run, looked at closely', () => {
  const log = join(dir, 'timed.log');

  it('check: a latency model with the exact barrier matches the integer ANN', () => {
    const r = runCli(['check', CASE, '--latency', 'exp:1;axon=uniform:0-2', '--input-timing', 'latency:10', '--policy', 'burst', '--workers', '1', '--json']);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).equal).toBe(true);
  });

  it('simulate records the timing model in its log and draws its raster over the model\'s time; replay reproduces it', () => {
    const raster = join(dir, 'raster.svg');
    const live = runCli(['simulate', CASE, '--latency', 'lognormal:0,0.5', '--seed', '4', '--log', log, '--raster', raster, '--workers', '1', '--json']);
    expect(live.status).toBe(0);
    const header = readEventLog(log).header;
    expect(header).toMatchObject({ latency: 'lognormal:0,0.5', barrier: 'exact', inputTiming: 'zero', seed: 4 });
    expect(readFileSync(raster, 'utf8')).toMatch(/virtual time/);
    const replayed = runCli(['replay', log, '--json']);
    expect(replayed.status).toBe(0);
    const [a, b] = [JSON.parse(live.stdout), JSON.parse(replayed.stdout)];
    expect(b.layers).toEqual(a.layers);
    expect(b.stats).toEqual(a.stats);
  });

  it('a timeout barrier is recorded too, and its (unrounded) log replays', () => {
    const timeout = join(dir, 'timeout.log');
    const r = runCli(['simulate', CASE, '--latency', 'const:2', '--barrier', 'timeout:1', '--log', timeout, '--workers', '1', '--json']);
    expect(r.status).toBe(0);
    expect(readEventLog(timeout).header.barrier).toBe('timeout:1');
    expect(JSON.parse(runCli(['replay', timeout, '--json']).stdout).layers).toEqual(JSON.parse(r.stdout).layers);
  });

  it('an event arriving after its layer timed out is counted by replay as by the live run', () => {
    // Layer 0 sends its one residual spike; layer 1 has timed out by then and integrates it late.
    const late = join(dir, 'late.case.json');
    writeFileSync(late, JSON.stringify({
      format: 'spikegrad-case/1', inputShape: [2], target: 0, alpha: 1, input: [1, -1],
      layers: [
        { kind: 'dense', units: 1, activation: 'linear', theta: 2, thetaBp: 1, weights: [0, 0], bias: [-1] },
        { kind: 'dense', units: 1, activation: 'linear', theta: 1, thetaBp: 1, weights: [0], bias: [0] },
      ],
    }));
    const log = join(dir, 'late.log');
    const live = runCli(['simulate', late, '--latency', 'const:1', '--input-timing', 'spread:exp:2', '--barrier', 'timeout:4', '--log', log, '--workers', '1', '--json']);
    expect(live.status).toBe(0);
    const a = JSON.parse(live.stdout);
    expect(a.stats.layers[1].forward.accumulations).toBe(1);
    const replayed = JSON.parse(runCli(['replay', log, '--json']).stdout);
    expect(replayed.stats).toEqual(a.stats);
  });

  it('log2arrow writes the records as an Arrow table', () => {
    const arrow = join(dir, 'timed.arrow');
    const r = runCli(['log2arrow', log, '--out', arrow]);
    expect(r.status).toBe(0);
    const table = tableFromIPC(readFileSync(arrow));
    expect(table.numRows).toBe(readEventLog(log).records.count);
    expect(table.schema.fields.map((f) => f.name)).toEqual(['seq', 'kind', 'layer', 'neuron', 'phase', 'value', 'time']);
    expect(table.getChild('kind')!.toArray()).toContain('error spike');
  });
});

describe('spikegrad timing', () => {
  const args = (workers: string) => ['timing', model, '--samples', '6', '--latency', 'const:1', '--latency', 'exp:1', '--barrier', 'exact', '--barrier', 'timeout:2', '--seed', '5', '--workers', workers, '--json'];

  it('reports every configuration of the grid, the same for 1 and 2 workers, with table and charts', () => {
    const table = join(dir, 'study.csv');
    const plots = join(dir, 'plots');
    const two = runCli([...args('2'), '--table', table, '--plot', plots]);
    expect(two.status).toBe(0);
    const one = runCli(args('1'));
    expect(one.stdout).toBe(two.stdout);
    const report = JSON.parse(two.stdout);
    expect(report.samples).toBe(6);
    expect(report.configs.map((c: Record<string, string>) => `${c.latency} ${c.barrier} ${c.policy}`)).toEqual(['const:1 exact single', 'const:1 timeout:2 single', 'exp:1 exact single', 'exp:1 timeout:2 single']);
    for (const c of report.configs) {
      expect(Object.keys(c)).toEqual(expect.arrayContaining(['accuracy', 'exact', 'decisionTime', 'accuracyOverTime', 'deviation', 'layers']));
      expect(Object.keys(c.decisionTime)).toEqual(['samples', 'median', 'p90', 'p99', 'max']);
    }
    expect(report.configs[0].exact).toBe(6);
    expect(report.configs[2].exact).toBe(6);
    expect(readFileSync(table, 'utf8').trim().split('\n')).toHaveLength(1 + 4 * 6);
    for (const f of ['timing-accuracy.svg', 'timing-decision.svg', 'timing-events.svg']) expect(existsSync(join(plots, f))).toBe(true);
    expect(two.stderr).toMatch(/timing 4\/4 exp:1 · timeout:2 · single \|[█░]+\| 6\/6 samples/);
  });

  it('verify --train-steps with a timeout barrier reports how far the weights drift', () => {
    const r = runCli(['verify', model, '--samples', '3', '--workers', '1', '--train-steps', '2', '--batch', '4', '--latency', 'const:1', '--barrier', 'timeout:1', '--json']);
    expect(r.status).toBe(0);
    const online = JSON.parse(r.stdout).online;
    expect(online.drift).toHaveLength(2);
    expect(online.drift[1].relativeL1).toBeGreaterThanOrEqual(0);
    expect(typeof online.drift[1].changedWeights).toBe('number');
  });
});
