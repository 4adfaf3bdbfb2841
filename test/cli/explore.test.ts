/** Rule variants: check --variant, explore's shrunk counterexamples, and the properties command. */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'spikegrad-explore-'));
const explore = (variant: string, runs = 300) => {
  const out = join(dir, `${variant}.case.json`);
  const r = runCli(['explore', '--variant', variant, '--runs', String(runs), '--seed', '5', '--out', out, '--json']);
  return { r, out, report: JSON.parse(r.stdout) };
};

describe('spikegrad explore', () => {
  it('the paper’s rule: nothing found, exit 0', () => {
    const { r, report } = explore('paper', 200);
    expect(r.status).toBe(0);
    expect(report).toMatchObject({ variant: 'paper', runs: 200, found: null, case: null });
  });

  it.each([
    ['residual-tie=none', 'no-quiescence'],
    ['residual-tie=strict', 'mismatch'],
    ['relu-negative=off', 'mismatch'],
    ['residual=off', 'mismatch'],
  ])('%s: %s, shrunk to a handful of neurons and of schedule choices, and check reproduces it from the saved files', (variant, found) => {
    const { r, out, report } = explore(variant);
    expect(r.status).toBe(1);
    expect(report.found).toBe(found);
    expect(report.neurons).toBeLessThanOrEqual(5);
    expect(report.schedule.length).toBeLessThanOrEqual(5);
    expect(report.case.format).toBe('spikegrad-case/1');
    expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual(report.case);
    const scheduleFile = out.replace(/\.case\.json$/, '.schedule.json');
    expect(JSON.parse(readFileSync(scheduleFile, 'utf8'))).toEqual({ format: 'spikegrad-schedule/1', policy: report.policy, choices: report.schedule });
    const args = report.reproduce.split(' ').slice(1);
    expect(args).toEqual(['check', out, '--variant', variant, '--schedule', scheduleFile]);
    const again = runCli([...args, '--json']);
    expect(again.status).toBe(1);
    expect(JSON.parse(again.stdout)).toMatchObject({ equal: false, found, variant, ...(found === 'mismatch' ? { schedule: report.schedule } : {}) });
    // The same case and schedule under the paper's rule are exact.
    expect(runCli(['check', out, '--schedule', scheduleFile]).status).toBe(0);
  });

  it('threshold=strict is harmless: the totals agree, only later (docs/algorithm.md §9)', () => {
    const { r, report } = explore('threshold=strict', 1500);
    expect(r.status).toBe(0);
    expect(report.found).toBe(null);
  });

  it('a variant runs in one thread: --workers 2 is refused', () => {
    const r = runCli(['check', 'examples/small.case.json', '--variant', 'residual=off', '--workers', '2']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--variant: a variant of the neuron rule runs in one thread/);
  });
});

describe('spikegrad properties', () => {
  it('runs a property from the CLI and reports runs, refusals and no counterexample', () => {
    const r = runCli(['properties', '--runs', '40', '--seed', '9', '--only', 'snnEqualsAnn', '--json']);
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ runs: 40, seed: 9, counterexamples: [] });
    expect(out.ran + out.refused).toBeGreaterThanOrEqual(40);
  });

  it('mutation testing: a flipped tie rule is caught, shrunk to a few neurons and a short schedule, saved as files that check replays', () => {
    const saved = join(dir, 'counterexamples');
    const r = runCli(['properties', '--variant', 'residual-tie=strict', '--only', 'snnEqualsAnn', '--runs', '100', '--seed', '1', '--counterexamples', saved, '--json']);
    expect(r.status).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out.variant).toBe('residual-tie=strict');
    const [c] = out.counterexamples;
    expect(c.property).toBe('snnEqualsAnn');
    const neurons = c.case.layers.reduce((n: number, l: { units?: number }) => n + (l.units ?? 0), 0);
    expect(neurons).toBeLessThanOrEqual(5);
    expect(c.schedule.choices.length).toBeLessThanOrEqual(5);
    const caseFile = join(saved, `snnEqualsAnn-${c.seed}.case.json`), scheduleFile = join(saved, `snnEqualsAnn-${c.seed}.schedule.json`);
    expect(c.reproduce).toBe(`spikegrad check ${caseFile} --variant residual-tie=strict --schedule ${scheduleFile}`);
    expect(JSON.parse(readFileSync(caseFile, 'utf8'))).toEqual(c.case);
    expect(JSON.parse(readFileSync(scheduleFile, 'utf8'))).toEqual(c.schedule);
    expect(runCli(c.reproduce.split(' ').slice(1)).status).toBe(1);
    expect(runCli(['check', caseFile, '--schedule', scheduleFile]).status).toBe(0);
  });

  it('a variant only where the spiking neurons run in this thread', () => {
    const r = runCli(['properties', '--variant', 'residual=off', '--only', 'concurrentEqualsAnn']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--variant: concurrentEqualsAnn does not run the spiking neurons in this thread/);
  });
});
