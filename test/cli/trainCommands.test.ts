import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { writeCifarDir } from '../support/idxFiles.js';

const dir = mkdtempSync(join(tmpdir(), 'spikegrad-train-cli-'));
const topology = 'examples/tiny.topology.json';
const model = join(dir, 'm.safetensors');

describe('train (exact engine) → eval → verify on a tiny model', () => {
  it('trains, saves the best model and a checkpoint, and reports test accuracy', () => {
    const r = runCli(['train', '--engine', 'exact', '--workers', '1', '--topology', topology, '--limit', '600', '--epochs', '2', '--lr', '0.02', '--val-samples', '100', '--test-samples', '200', '--out', model, '--json']);
    expect(r.stderr).toMatch(/epoch 2\/2: loss/);
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.history).toHaveLength(2);
    expect(out.testSamples).toBe(200);
    expect(out.testAccuracy).toBeGreaterThan(0.4);
    expect(existsSync(model)).toBe(true);
    expect(existsSync(`${model}.ckpt`)).toBe(true);
    const svg = readFileSync(`${model}.accuracy.svg`, 'utf8');
    expect(svg).toMatch(/^<svg/);
    expect(svg).toMatch(/validation/);
    // The paper's sparsity measures per epoch and layer, and their chart.
    for (const epoch of out.history) {
      expect(epoch.sparsity.map((l: { kind: string }) => l.kind)).toEqual(['conv2d', 'avgpool', 'dense']);
      for (const l of epoch.sparsity) {
        expect(l.nonZeroErrors).toBeGreaterThanOrEqual(0);
        expect(l.nonZeroErrors).toBeLessThanOrEqual(1);
        expect(l.backwardRelativeOps).toBeGreaterThanOrEqual(0);
      }
      // Errors reach the top layer at least.
      expect(epoch.sparsity[2].nonZeroErrors).toBeGreaterThan(0);
    }
    expect(readFileSync(`${model}.sparsity.svg`, 'utf8')).toMatch(/non-zero errors E/);
  });

  it('eval gives the accuracy of the integer model', () => {
    const r = runCli(['eval', model, '--samples', '200', '--json']);
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.samples).toBe(200);
    expect(out.accuracy).toBeGreaterThan(0.4);
  });

  it('verify: every sample bit-exact on the SNN with workers, and on-line training identical to the ANN', () => {
    const r = runCli(['verify', model, '--samples', '16', '--workers', '2', '--order', 'split,delay', '--train-steps', '2', '--batch', '4', '--json', '--plot', join(dir, 'ops.svg')]);
    expect(readFileSync(join(dir, 'ops.svg'), 'utf8')).toMatch(/SNN accumulations \/ ANN MACs/);
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.samples).toBe(16);
    expect(out.bitExact).toBe(16);
    expect(out.mismatches).toEqual([]);
    expect(out.online).toEqual({ steps: 2, identical: true, firstDifference: null, drift: [{ step: 1, changedWeights: 0, relativeL1: 0 }, { step: 2, changedWeights: 0, relativeL1: 0 }] });
    expect(out.relativeSynapticOps).toHaveLength(3);
    expect(out.annSecondsPerImage).toBeGreaterThan(0);
    expect(out.secondsPerImage).toBeGreaterThan(0);
    // The SNN's own share: part of the verification's time, which also runs the integer ANN and compares.
    expect(out.snnSecondsPerImage).toBeGreaterThan(0);
    expect(out.snnSecondsPerImage).toBeLessThan(out.secondsPerImage * 2);
  });

  it('resuming a complete run is refused: nothing is trained, overwritten or reported', () => {
    const before = readFileSync(model);
    const r = runCli(['train', '--resume', `${model}.ckpt`, '--out', model, '--test-samples', '50', '--json']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/that run is complete \(2 of 2 epochs\); there is nothing to resume/);
    expect(r.stdout).toBe('');
    expect(readFileSync(model).equals(before)).toBe(true);
  });

  it('a run refused for its dropout writes nothing', () => {
    runCli(['train', '--topology', topology, '--dropout', '0.5', '--out', join(dir, 'refused.safetensors')]);
    for (const file of ['refused.safetensors', 'refused.safetensors.ckpt', 'refused.safetensors.accuracy.svg']) expect(existsSync(join(dir, file))).toBe(false);
  });

  it('a resume that would change the augmentation is refused by name', () => {
    const r = runCli(['train', '--resume', `${model}.ckpt`, '--flip']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--flip true: the run in .* was started with --flip false; a resumed run keeps its configuration/);
    const ema = runCli(['train', '--resume', `${model}.ckpt`, '--ema', '0.999']);
    expect(ema.status).toBe(2);
    expect(ema.stderr).toMatch(/--ema 0\.999: the run in .* was started with --ema 0; a resumed run keeps its configuration/);
  });
});

describe('train (tfjs engine, 2 workers) → eval → verify', () => {
  const exported = join(dir, 'tfjs.safetensors');

  it('trains in TensorFlow.js, exports the integer network and compares the two accuracies', () => {
    const r = runCli(['train', '--engine', 'tfjs', '--workers', '2', '--topology', topology, '--limit', '1200', '--epochs', '2', '--lr', '0.02', '--shift', '1', '--rotate', '5', '--scale', '0.05', '--flip', '--val-samples', '200', '--test-samples', '300', '--out', exported]);
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/tfjs engine \(backend auto\), spike gradient/);
    expect(r.stdout).toMatch(/random shifts ≤ 1 px, rotations ≤ 5°, zoom ±0\.05, left-right mirrors/);
    expect(r.stdout).toMatch(/img\/s \(backward on \d+ %\)/);
    expect(r.stdout).toMatch(/epoch 2\/2: loss .* validation [\d.]+ % \(integer network\)/);
    expect(r.stdout).toMatch(/backend: (wasm|node|node-gpu) × 2 workers/);
    const [, tfjsAccuracy, integerAccuracy] = /tfjs test accuracy \(real weights\) ([\d.]+) %, exported integer network ([\d.]+) %/.exec(r.stdout)!;
    expect(Number(integerAccuracy)).toBeGreaterThan(50);
    expect(Math.abs(Number(tfjsAccuracy) - Number(integerAccuracy))).toBeLessThanOrEqual(1);
    expect(r.stdout).toMatch(new RegExp(`test accuracy ${integerAccuracy} % on 300 images \\(integer ANN of the best model`));
  });

  it('eval of the exported model gives the integer accuracy the training reported', () => {
    const r = runCli(['eval', exported, '--samples', '300', '--json']);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).accuracy).toBeGreaterThan(0.5);
  });

  it('verify: the exported network runs bit-exact on the SNN', () => {
    const r = runCli(['verify', exported, '--samples', '12', '--workers', '2', '--json']);
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.bitExact).toBe(12);
    expect(out.mismatches).toEqual([]);
  });
});

describe('CIFAR-10 from a folder of binary batches', () => {
  it('trains a small 3-channel topology on generated files with the tfjs engine, and the export verifies', () => {
    const cifar = join(dir, 'cifar-train');
    writeCifarDir(cifar, 40);
    const small = join(dir, 'small-cifar.json');
    writeFileSync(small, JSON.stringify({
      inputShape: [3, 32, 32],
      layers: [
        { kind: 'conv2d', channels: 4, kernel: 3, stride: 2, padding: 1, activation: 'relu', theta: 1024, thetaBp: 4 },
        { kind: 'avgpool', size: 2, theta: 4, thetaBp: 1024 },
        { kind: 'flatten' },
        { kind: 'dense', units: 10, activation: 'linear', theta: 1024, thetaBp: 1024 },
      ],
    }));
    const out = join(dir, 'cifar.safetensors');
    const r = runCli(['train', '--dataset', 'cifar10', '--data-dir', cifar, '--topology', small, '--epochs', '1', '--workers', '1', '--out', out, '--json']);
    expect(r.status).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result.engine).toBe('tfjs');
    expect(result.testSamples).toBe(40);
    const v = runCli(['verify', out, '--dataset', 'cifar10', '--data-dir', cifar, '--samples', '5', '--workers', '1', '--json']);
    expect(v.status).toBe(0);
    expect(JSON.parse(v.stdout).bitExact).toBe(5);
  });
});

describe('bad input and unavailable engines', () => {
  it('a diverging run stops naming the epoch and step, keeping the last good checkpoint', () => {
    const diverging = join(dir, 'diverge.safetensors');
    const r = runCli(['train', '--topology', topology, '--limit', '400', '--epochs', '2', '--lr', '1e6', '--workers', '1', '--out', diverging]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/epoch 1, step \d+|in epoch 1, step \d+/);
    expect(r.stderr).toMatch(/the last good checkpoint was kept/);
    expect(existsSync(`${diverging}.ckpt`)).toBe(false);
  });

  it.each([
    [['train', '--dataset', 'fashion-mnist', '--data-dir', '/nonexistent/fm'], /cannot find train-images-idx3-ubyte .* in \/nonexistent\/fm; install it with "apt-get install dataset-fashion-mnist"/],
    [['train', '--engine', 'exact', '--gradient', 'float'], /--gradient float: the exact engine trains with the spike gradient only; use --engine tfjs/],
    [['train', '--topology', 'nope.json'], /nope\.json: cannot read the topology file \(--topology takes mnist, cifar10 or a JSON file\) \(no such file or folder\)/],
    [['train', '--resume', topology], /tiny\.topology\.json: header length .* runs past the end|not a/],
    [['eval', 'missing.safetensors'], /missing\.safetensors: cannot read the model file/],
    [['train', '--rotate', '200'], /--rotate: expected a number ≥ 0 and ≤ 180, found "200"/],
    [['train', '--scale', '1.5'], /--scale: expected a number ≥ 0 and < 1, found "1\.5"/],
    [['train', '--engine', 'exact', '--rotate', '5'], /augmentation belongs to the tfjs engine; the exact engine trains on the images as they are/],
    [['train', '--engine', 'exact', '--flip'], /--flip: augmentation belongs to the tfjs engine/],
    [['train', '--dropout', '0.3'], /--dropout: expected a rate 1 − 1\/k for a whole k ≥ 2 \(0\.5, 0\.6667, 0\.75, 0\.8, 0\.9, …: a kept unit's spikes count k times, so activations stay integers\), found 0\.3/],
    [['train', '--dropout', '1'], /--dropout: expected a number ≥ 0 and < 1, found "1"/],
    [['train', '--engine', 'exact', '--dropout', '0.5'], /--dropout: dropout belongs to the tfjs engine/],
    [['train', '--engine', 'exact', '--ema', '0.999'], /--ema: the weight average belongs to the tfjs engine/],
    [['train', '--ema', '1'], /--ema: expected a number ≥ 0 and < 1, found "1"/],
    [['train', '--topology', topology, '--dropout', '0.5', '--out', join(dir, 'refused.safetensors')], /--dropout: the topology has no hidden dense layer/],
  ])('spikegrad %s', (args, pattern) => {
    const r = runCli(args as string[]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(pattern as RegExp);
  });

  it('an unknown backend is refused with the choices', () => {
    const r = runCli(['train', '--backend', 'gpu']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--backend: expected one of auto, node-gpu, node, wasm, cpu, found "gpu"/);
  });

  it('refuses a model whose topology does not fit the data', () => {
    const cifar = join(dir, 'cifar');
    writeCifarDir(cifar, 3);
    const r = runCli(['eval', model, '--dataset', 'cifar10', '--data-dir', cifar]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/the model takes inputs of 784 values .* but cifar10\/test images have 3072 \(3x32x32\)/);
  });
});
