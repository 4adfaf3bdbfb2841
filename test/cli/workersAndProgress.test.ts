/**
 * Results that cannot lie and work that shows itself: a failing worker of any kind fails its command
 * cleanly (exit 2, naming the worker and its task, no output), long work shows progress on stderr
 * with any number of workers, Ctrl-C works in every phase, and no library banner gets through.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { initNetwork } from '../../src/network/init.js';
import { saveModel } from '../../src/network/modelFile.js';
import { mnistArchitecture } from '../../src/network/presets.js';
import { loadCheckpoint } from '../../src/train/checkpoint.js';
import { runCli, startCli } from '../support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'spikegrad-workers-'));
const tiny = 'examples/tiny.topology.json';
const trainTiny = (out: string, extra: string[] = []) => ['train', '--topology', tiny, '--limit', '400', '--val-samples', '50', '--test-samples', '100', '--out', out, ...extra];
const mnistModel = join(dir, 'mnist-untrained.safetensors');
saveModel(mnistModel, { network: initNetwork(mnistArchitecture(), { seed: 1 }), info: { alpha: '50' } });

describe('a failing worker of every kind fails its command cleanly', () => {
  it.each([
    ['samples', ['verify', mnistModel, '--samples', '6', '--workers', '3'], 'pool=samples,worker=1,after=1,how=exit', /spikegrad: worker 1 failed during verifying samples: exited with code 3/],
    // The second call is step 2's, which takes step 1's update first: worker 0 is then waiting for it at the barrier.
    ['replicas', trainTiny(join(dir, 'r.safetensors'), ['--workers', '2']), 'pool=replicas,worker=1,after=2,how=throw', /spikegrad: epoch 1, step 2: worker 1 failed during a training step: injected fault/],
    ['replicas (exit)', trainTiny(join(dir, 'r2.safetensors'), ['--workers', '2']), 'pool=replicas,worker=1,after=2,how=exit', /spikegrad: epoch 1, step 2: worker 1 failed during a training step: exited with code 3/],
    ['exact', trainTiny(join(dir, 'e.safetensors'), ['--engine', 'exact', '--workers', '2']), 'pool=exact,worker=0,after=1,how=exit', /spikegrad: epoch 1, step 1: worker 0 failed during a training step: exited with code 3/],
    ['shards', ['check', 'examples/small.case.json', '--workers', '3', '--shard-threshold', '0'], 'pool=shards,worker=1,after=4,how=throw', /spikegrad: worker 1 failed during layer \d+ \(\w+\), (forward|backward) \w+ phase/],
  ])('%s', (_, args, fault, pattern) => {
    const start = performance.now();
    const r = runCli(args as string[], 60_000, { SPIKEGRAD_FAULT: fault as string });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(pattern as RegExp);
    expect(r.stdout).not.toMatch(/bit-exact|test accuracy|equal/);
    expect(performance.now() - start).toBeLessThan(30_000);
  });
});

describe('progress', () => {
  it('verification with two workers counts its samples to the end', () => {
    const r = runCli(['verify', mnistModel, '--samples', '8', '--workers', '2', '--json']);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/verify \|[█░]+\| 8\/8 samples/);
    expect(JSON.parse(r.stdout).bitExact).toBe(8);
  });

  it('training shows each epoch and the final test evaluation; no library banner', () => {
    const r = runCli(trainTiny(join(dir, 'p.safetensors'), ['--workers', '1', '--epochs', '2']));
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/epoch 1\/2 \|[█░]+\| 100% \| loss [\d.]+ \| acc [\d.]+ \| \d+ img\/s \| backward \d+ % \| ETA/);
    expect(r.stderr).toMatch(/test \|[█░]+\| 100\/100 images/);
    expect(r.stdout).toMatch(/^training on 400 mnist images \(50 validation, 100 test\)/);
    expect(r.stdout + r.stderr).not.toMatch(/Hi, looks like|tfjs-node/);
  });
});

describe('Ctrl-C', () => {
  it('during an evaluation stops at once with status 130', async () => {
    const run = startCli(['eval', mnistModel]);
    await run.stderrMatches(/eval \|/);
    const sent = performance.now();
    run.child.kill('SIGINT');
    const r = await run.done;
    expect(r.status).toBe(130);
    expect(r.stderr).toMatch(/interrupted/);
    expect(performance.now() - sent).toBeLessThan(5_000);
  });

  it('during a verification on worker threads stops at once with status 130', async () => {
    const run = startCli(['verify', mnistModel, '--samples', '2000', '--workers', '2']);
    await run.stderrMatches(/verify \|/);
    const sent = performance.now();
    run.child.kill('SIGINT');
    const r = await run.done;
    expect(r.status).toBe(130);
    expect(performance.now() - sent).toBeLessThan(5_000);
  });

  it('during training saves a checkpoint; the resumed run ends with the uninterrupted weights and figures', async () => {
    const whole = join(dir, 'whole.safetensors');
    const parts = join(dir, 'parts.safetensors');
    const args = (out: string) => ['train', '--topology', tiny, '--limit', '1600', '--epochs', '2', '--val-samples', '100', '--test-samples', '100', '--workers', '1', '--out', out, '--json'];
    const uninterrupted = runCli(args(whole));
    expect(uninterrupted.status).toBe(0);
    const run = startCli(args(parts));
    await run.stderrMatches(/epoch 1\/2 \|/);
    run.child.kill('SIGINT');
    const stopped = await run.done;
    expect(stopped.status).toBe(130);
    expect(stopped.stderr).toMatch(/interrupted: checkpoint saved to .*parts\.safetensors\.ckpt; continue with --resume/);
    const checkpoint = loadCheckpoint(`${parts}.ckpt`);
    expect(checkpoint.progress.epoch).toBe(0);
    const resumed = runCli(['train', '--resume', `${parts}.ckpt`, '--out', parts, '--test-samples', '100', '--workers', '1', '--json']);
    expect(resumed.status).toBe(0);
    expect(readFileSync(parts).equals(readFileSync(whole))).toBe(true);
    // The resumed epoch reports the whole epoch, not only the part after the resume.
    const figures = (r: { stdout: string }) => JSON.parse(r.stdout).history.map((h: Record<string, number>) => [h.loss, h.trainAccuracy, h.validationAccuracy]);
    expect(figures(resumed)).toEqual(figures(uninterrupted));
  });
});
