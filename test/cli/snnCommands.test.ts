import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'spikegrad-snn-cli-'));

describe('spikegrad check', () => {
  it('prints snn, ann, equal and statistics, and exits 0 when they match', () => {
    const r = runCli(['check', 'examples/small.case.json', '--order', 'split,delay', '--seed', '9', '--policy', 'burst', '--json']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.equal).toBe(true);
    expect(out.snn.layers).toEqual(out.ann.layers);
    expect(out.mismatches).toEqual([]);
    const layer0 = out.stats.layers[0];
    expect(Object.keys(layer0.forward)).toEqual(expect.arrayContaining(['events', 'accumulations', 'redundant', 'relativeOps', 'quietAt']));
  });

  it('prints the statistics table and the verdict as text', () => {
    const r = runCli(['check', 'examples/small.case.json']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/equal: the SNN \(order fifo, seed 1, policy single\) matches the integer ANN exactly/);
    expect(r.stdout).toMatch(/layer\s+phase\s+events/);
  });

  it('stops a case whose events pass the budget with exit 2 and the reason; one within it runs counted', () => {
    const r = runCli(['check', 'examples/small.case.json', '--budget', '100']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/spikegrad: layer \d+ \(\w+\), (forward|backward) phase: the example passed the budget of 1\.000e\+2 events \(its worst-case bound is over the budget too/);
    expect(r.stdout).not.toMatch(/equal/);
    // Its worst case (10,253 events) is over 5,000, its 1,708 events are not.
    const counted = runCli(['check', 'examples/small.case.json', '--budget', '5000']);
    expect(counted.status).toBe(0);
    expect(counted.stdout).toMatch(/events 1708 \(input included\); bound from the events that arrived 3558; worst-case bound over the budget \(the run was counted\)/);
  });

  it('refuses an unknown order', () => {
    const r = runCli(['check', 'examples/small.case.json', '--order', 'random']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/unknown order "random"/);
  });
});

describe('spikegrad check --schedule and --record-schedule', () => {
  it('records a seeded order as a schedule file and replays it: the same statistics, value for value', () => {
    const file = join(dir, 'shuffle.schedule.json');
    const live = runCli(['check', 'examples/small.case.json', '--order', 'shuffle', '--seed', '4', '--policy', 'burst', '--record-schedule', file, '--json']);
    expect(live.status).toBe(0);
    const saved = JSON.parse(readFileSync(file, 'utf8'));
    expect(saved.format).toBe('spikegrad-schedule/1');
    expect(saved.policy).toBe('burst');
    expect(saved.choices.length).toBeGreaterThan(3);
    const replay = runCli(['check', 'examples/small.case.json', '--schedule', file, '--json']);
    expect(replay.status).toBe(0);
    const a = JSON.parse(live.stdout), b = JSON.parse(replay.stdout);
    expect(b.schedule).toEqual(saved.choices);
    expect(b.snn).toEqual(a.snn);
    expect(b.stats).toEqual(a.stats);
    const text = runCli(['check', 'examples/small.case.json', '--schedule', file]);
    expect(text.stdout).toMatch(new RegExp(`equal: the SNN \\(schedule ${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} \\(${saved.choices.length} choices\\), policy burst\\) matches`));
  });

  it('refuses what a schedule cannot go with, and a bad schedule file, naming the option or field (exit 2)', () => {
    const file = join(dir, 'bad.schedule.json');
    writeFileSync(file, JSON.stringify({ format: 'spikegrad-schedule/1', policy: 'single', choices: [1, 'x'] }));
    const cases: [string[], RegExp][] = [
      [['--schedule', file], /bad\.schedule\.json: choices\[1\]: expected a pick \(an integer ≥ 0\) or \[pick, cut\] with cut ≥ 1, found "x"/],
      [['--schedule', 'examples/small.case.json'], /small\.case\.json: format: expected "spikegrad-schedule\/1", found "spikegrad-case\/1"/],
      [['--schedule', join(dir, 'shuffle.schedule.json'), '--order', 'reverse'], /--schedule: the schedule decides every delivery; leave out --order/],
      [['--schedule', join(dir, 'shuffle.schedule.json'), '--policy', 'single'], /--policy single: .*shuffle\.schedule\.json was made with policy burst/],
      [['--schedule', join(dir, 'shuffle.schedule.json'), '--latency', 'const:1'], /leave out --latency/],
      [['--record-schedule', join(dir, 'never.json'), '--order', 'split,shuffle'], /--record-schedule: --order split,shuffle regroups packets/],
      [['--record-schedule', join(dir, 'never.json'), '--concurrent'], /--record-schedule: only runs ordered on the bus/],
    ];
    for (const [args, message] of cases) {
      const r = runCli(['check', 'examples/small.case.json', ...args]);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    expect(() => statSync(join(dir, 'never.json'))).toThrow();
  });
});

describe('spikegrad simulate --log and spikegrad replay', () => {
  it('replay rebuilds the live result from the log alone; the log is byte-identical per seed', () => {
    const log = join(dir, 'run.log');
    const live = runCli(['simulate', 'examples/small.case.json', '--order', 'shuffle', '--seed', '4', '--log', log, '--json']);
    expect(live.status).toBe(0);
    const first = readFileSync(log);
    const replay = runCli(['replay', log, '--json']);
    expect(replay.status).toBe(0);
    const a = JSON.parse(live.stdout), b = JSON.parse(replay.stdout);
    expect(b.layers).toEqual(a.layers);
    expect(b.predicted).toBe(a.predicted);
    expect(b.records).toBe(a.logRecords);
    expect(statSync(log).size).toBeGreaterThan(100);
    runCli(['simulate', 'examples/small.case.json', '--order', 'shuffle', '--seed', '4', '--log', log]);
    expect(readFileSync(log).equals(first)).toBe(true);
  });

  it('draws a spike raster as SVG', () => {
    const svg = join(dir, 'raster.svg');
    const r = runCli(['simulate', 'examples/small.case.json', '--order', 'delay', '--raster', svg, '--workers', '1']);
    expect(r.status).toBe(0);
    const text = readFileSync(svg, 'utf8');
    expect(text).toMatch(/^<svg/);
    expect(text).toMatch(/residual spike/);
    expect(text).toMatch(/layer 3/);
  });

  it('refuses a truncated log', () => {
    const log = join(dir, 'cut.log');
    runCli(['simulate', 'examples/small.case.json', '--log', log]);
    writeFileSync(log, readFileSync(log).subarray(0, 200));
    const r = runCli(['replay', log]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/cut\.log: truncated/);
  });
});

describe('spikegrad check on generated cases', () => {
  it('exits 0 with --workers 3 on cases the property generators produce', async () => {
    const fc = (await import('fast-check')).default;
    const { spikeCaseArbitrary } = await import('../../src/verify/properties/arbitraries.js');
    const { computeEventBound } = await import('../../src/actors/eventBudget.js');
    const { caseToJson } = await import('../../src/network/caseFile.js');
    const cases = fc.sample(spikeCaseArbitrary(), { numRuns: 40, seed: 77 }).filter((c) => computeEventBound(c.network, c.input, c.alpha).total < 5000).slice(0, 4);
    expect(cases.length).toBe(4);
    for (const [k, c] of cases.entries()) {
      const file = join(dir, `generated-${k}.json`);
      writeFileSync(file, JSON.stringify(caseToJson(c)));
      const r = runCli(['check', file, '--workers', '3', '--order', 'split,shuffle', '--seed', String(k), '--json']);
      expect(r.status).toBe(0);
      expect(JSON.parse(r.stdout).equal).toBe(true);
    }
  });
});
