/**
 * Files are never lost or misreported: outputs are checked before any work, written atomically, a
 * refused or killed run leaves the previous file intact and loadable, leftovers of killed writes are
 * cleaned up, and a changed byte in a model or checkpoint is caught by its checksum.
 */
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { replayEventLog } from '../../src/actors/replay.js';
import { loadModel } from '../../src/network/modelFile.js';
import { readEventLog } from '../../src/streams/eventLog.js';
import { loadCheckpoint } from '../../src/train/checkpoint.js';
import { runCli } from '../support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'spikegrad-files-'));
const CASE = 'examples/small.case.json';
const trainArgs = (out: string, extra: string[] = []) => ['train', '--topology', 'examples/tiny.topology.json', '--limit', '200', '--val-samples', '50', '--test-samples', '50', '--workers', '1', '--out', out, ...extra];
const temporaries = (path: string) => readdirSync(dirname(path)).filter((n) => n.startsWith(`.${basename(path)}.`) && n.endsWith('.tmp'));

describe('outputs are checked before any work', () => {
  it.each([
    [['simulate', CASE, '--log', '/proc/spikegrad/run.log'], /--log \/proc\/spikegrad\/run\.log: cannot create the folder \/proc\/spikegrad/],
    [['simulate', CASE, '--raster', `${CASE}/raster.svg`], /--raster examples\/small\.case\.json\/raster\.svg: .*small\.case\.json is not a folder/],
    [['simulate', CASE, '--log', dir], /--log .*: is a folder, expected a file name/],
    [[...trainArgs('/proc/spikegrad/m.safetensors')], /--out \/proc\/spikegrad\/m\.safetensors: cannot create the folder \/proc\/spikegrad/],
    [[...trainArgs(join(dir, 'ok.safetensors'), ['--plot', '/proc/chart.svg'])], /--plot \/proc\/chart\.svg: cannot be written/],
    [['demo', '--out', '/proc/spikegrad/out'], /--out \/proc\/spikegrad\/out: cannot create the folder \/proc\/spikegrad/],
  ])('spikegrad %s', (args, pattern) => {
    const start = performance.now();
    const r = runCli(args as string[], 30_000);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(pattern as RegExp);
    expect(r.stderr).not.toMatch(/epoch 1/);
    expect(performance.now() - start).toBeLessThan(15_000);
  });

  it('creates missing folders for an output', () => {
    const log = join(dir, 'new', 'deeper', 'run.log');
    const r = runCli(['simulate', CASE, '--workers', '1', '--log', log]);
    expect(r.status).toBe(0);
    expect(readEventLog(log).records.count).toBeGreaterThan(0);
  });
});

describe('a refused or failed run leaves every output as it was', () => {
  it('event log: a run refused by the event budget does not touch an existing log', () => {
    const log = join(dir, 'kept.log');
    expect(runCli(['simulate', CASE, '--workers', '1', '--log', log]).status).toBe(0);
    const before = readFileSync(log);
    const r = runCli(['simulate', CASE, '--workers', '1', '--budget', '10', '--log', log]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/passed the budget/);
    expect(readFileSync(log).equals(before)).toBe(true);
    expect(replayEventLog(readEventLog(log)).examples).toBe(1);
    expect(temporaries(log)).toEqual([]);
  });

  it('model, checkpoint and chart: a run that fails in its first epoch leaves them as they were', () => {
    const out = join(dir, 'kept.safetensors');
    expect(runCli(trainArgs(out)).status).toBe(0);
    const files = [out, `${out}.ckpt`, `${out}.accuracy.svg`];
    const before = files.map((f) => readFileSync(f));
    const r = runCli(trainArgs(out, ['--lr', '1e6']));
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/the loss became NaN in epoch 1/);
    files.forEach((f, i) => expect(readFileSync(f).equals(before[i]), f).toBe(true));
    expect(loadModel(out).network.layers).toHaveLength(4);
    expect(loadCheckpoint(`${out}.ckpt`).progress.epoch).toBe(1);
  });
});

describe('a run killed in the middle of writing leaves the previous file intact', () => {
  const out = join(dir, 'killed.safetensors');
  const checkpoint = join(dir, 'killed.ckpt');
  const plot = join(dir, 'killed-chart.svg');
  const paths = { model: out, checkpoint, chart: plot };

  it.each(Object.entries(paths))('%s', (_, path) => {
    if (!existsSync(out)) expect(runCli(trainArgs(out, ['--checkpoint', checkpoint, '--plot', plot])).status).toBe(0);
    const before = readFileSync(path);
    const killed = runCli(trainArgs(out, ['--checkpoint', checkpoint, '--plot', plot, '--seed', '9']), 120_000, { SPIKEGRAD_KILL_WRITING: path });
    expect(killed.signal).toBe('SIGKILL');
    expect(readFileSync(path).equals(before)).toBe(true);
    if (path === out) expect(loadModel(out).network.layers).toHaveLength(4);
    if (path === checkpoint) expect(loadCheckpoint(checkpoint).progress.epoch).toBe(1);
    if (path === plot) expect(readFileSync(plot, 'utf8')).toMatch(/^<svg[\s\S]*<\/svg>$/);
    // The half-written temporary stays until the next run that writes this output removes it.
    expect(temporaries(path)).toHaveLength(1);
    expect(runCli(trainArgs(out, ['--checkpoint', checkpoint, '--plot', plot])).status).toBe(0);
    expect(temporaries(path)).toEqual([]);
  });

  it('event log', () => {
    const log = join(dir, 'killed.log');
    expect(runCli(['simulate', CASE, '--workers', '1', '--log', log]).status).toBe(0);
    const before = readFileSync(log);
    const killed = runCli(['simulate', CASE, '--workers', '1', '--order', 'shuffle', '--log', log], 60_000, { SPIKEGRAD_KILL_WRITING: log });
    expect(killed.signal).toBe('SIGKILL');
    expect(readFileSync(log).equals(before)).toBe(true);
    expect(replayEventLog(readEventLog(log)).examples).toBe(1);
    expect(temporaries(log)).toHaveLength(1);
    expect(runCli(['simulate', CASE, '--workers', '1', '--log', log]).status).toBe(0);
    expect(temporaries(log)).toEqual([]);
  });
});

describe('checksums', () => {
  const out = join(dir, 'sum.safetensors');

  it('a model or checkpoint with one data byte changed is refused by name', () => {
    expect(runCli(trainArgs(out)).status).toBe(0);
    for (const [file, args] of [[out, ['eval', out, '--samples', '10']], [`${out}.ckpt`, ['train', '--resume', `${out}.ckpt`]]] as const) {
      const flipped = join(dir, `flipped-${basename(file)}`);
      copyFileSync(file, flipped);
      const bytes = readFileSync(flipped);
      bytes[bytes.length - 3] ^= 0x10;
      writeFileSync(flipped, bytes);
      const r = runCli(args.map((a) => (a === file ? flipped : a)));
      expect(r.status).toBe(2);
      expect(r.stderr).toContain(`${flipped}: the data does not match its checksum`);
    }
  });
});
