/**
 * Nonsense is refused before any work: every option of every command is checked, and the refusal is
 * exit status 2 with one line naming the option, what it expects and what it found. Run in-process
 * through the same entry point as the bin script (a few are also run as processes, for the exit code).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runSpikegrad } from '../../src/cli/program.js';
import { initNetwork } from '../../src/network/init.js';
import { saveModel } from '../../src/network/modelFile.js';
import { resolveTopology } from '../../src/network/topologyFile.js';
import { runCli } from '../support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'spikegrad-refusals-'));
const model = join(dir, 'tiny.safetensors');
saveModel(model, { network: initNetwork(resolveTopology('examples/tiny.topology.json'), { seed: 1 }), info: { alpha: '50' } });
const CASE = 'examples/small.case.json';

async function refused(args: string[]): Promise<string> {
  const lines: string[] = [];
  const status = await runSpikegrad(args, { error: (line) => lines.push(line) });
  expect(status, `spikegrad ${args.join(' ')} → ${lines.join('\n')}`).toBe(2);
  expect(lines).toHaveLength(1);
  expect(lines[0]).not.toMatch(/\n\s+at /);
  return lines[0];
}

describe('numbers that are checked', () => {
  it.each([
    [['train', '--epochs', '-1'], /^spikegrad: --epochs: expected an integer from 1 to 10000, found "-1"$/],
    [['train', '--epochs', '0'], /--epochs: expected an integer from 1 to 10000, found "0"/],
    [['train', '--epochs', '2.5'], /--epochs: expected an integer from 1 to 10000, found "2\.5"/],
    [['train', '--batch', '-3'], /--batch: expected an integer from 1 to 4096, found "-3"/],
    [['train', '--batch', '0'], /--batch: expected an integer from 1 to 4096, found "0"/],
    [['train', '--limit', '-5'], /--limit: expected an integer ≥ 1, found "-5"/],
    [['train', '--limit', '0'], /--limit: expected an integer ≥ 1, found "0"/],
    [['train', '--limit', '60000'], /--limit: expected at most 50000 \(the training split of mnist\), found 60000/],
    [['train', '--val-samples', '0'], /--val-samples: expected an integer ≥ 1, found "0"/],
    [['train', '--val-samples', '10001'], /--val-samples: expected at most 10000 \(the validation split of mnist\), found 10001/],
    [['train', '--test-samples', '0'], /--test-samples: expected an integer ≥ 1, found "0"/],
    [['train', '--momentum', 'abc'], /--momentum: expected a number ≥ 0 and < 1, found "abc"/],
    [['train', '--weight-decay', 'abc'], /--weight-decay: expected a number ≥ 0 and ≤ 1, found "abc"/],
    [['train', '--alpha', '0'], /--alpha: expected a number > 0 and ≤ 1000000, found "0"/],
    [['train', '--lr', 'NaN'], /--lr: expected a number > 0 and ≤ 1000000, found "NaN"/],
    [['train', '--weight-bits', '40'], /--weight-bits: expected an integer from 2 to 24, found "40"/],
    [['train', '--workers', '1000'], /--workers: expected an integer from 0 to \d+ \(4 per core\), found "1000"/],
    [['train', '--seed', '-1'], /--seed: expected an integer from 0 to 2147483647, found "-1"/],
    [['train', '--engine', 'fast'], /--engine: expected one of tfjs, exact, found "fast"/],
    [['train', '--dataset', 'imagenet'], /--dataset: expected one of mnist, fashion-mnist, cifar10, found "imagenet"/],
    [['eval', model, '--samples', '0'], /--samples: expected an integer ≥ 1, found "0"/],
    [['eval', model, '--samples', '20000'], /--samples: expected at most 10000 \(the test images of mnist\), found 20000/],
    [['verify', model, '--samples', '0'], /--samples: expected an integer ≥ 1, found "0"/],
    [['verify', model, '--alpha', 'abc'], /--alpha: expected a number > 0 and ≤ 1000000, found "abc"/],
    [['verify', model, '--budget', 'abc'], /--budget: expected a number > 0, found "abc"/],
    [['verify', model, '--train-steps', '1', '--batch', '0'], /--batch: expected an integer from 1 to 4096, found "0"/],
    [['verify', model, '--batch', '4'], /--batch: only used with --train-steps/],
    [['verify', model, '--workers', '1000'], /--workers: expected an integer from 0 to \d+ \(4 per core\), found "1000"/],
    [['check', CASE, '--workers', '-1'], /--workers: expected an integer from 0 to \d+ \(4 per core\), found "-1"/],
    [['check', CASE, '--seed', '1.5'], /--seed: expected an integer from 0 to 2147483647, found "1\.5"/],
    [['check', CASE, '--order', 'fifo,sideways'], /--order: expected comma-separated orders from fifo, reverse, shuffle, split, delay, found "fifo,sideways" \(unknown order "sideways"\)/],
    [['check', CASE, '--policy', 'lots'], /--policy: expected one of single, burst, found "lots"/],
    [['check', CASE, '--budget', '0'], /--budget: expected a number > 0, found "0"/],
    [['simulate', CASE, '--budget', '-1'], /--budget: expected a number > 0, found "-1"/],
    [['demo', '--train-images', '0'], /--train-images: expected an integer from 1 to 50000, found "0"/],
    [['demo', '--alpha', '-2'], /--alpha: expected a number > 0 and ≤ 1000000, found "-2"/],
    [['demo', '--verify', '0'], /--verify: expected an integer from 1 to 10000, found "0"/],
    [['check', CASE, '--latency', 'gamma:2'], /--latency: expected .*, found "gamma:2" \(in "gamma:2": unknown distribution "gamma"/],
    [['check', CASE, '--latency', 'exp:-1'], /--latency: .*found "exp:-1" \(in "exp:-1": MEAN -1 is negative\)/],
    [['check', CASE, '--latency', 'uniform:3-1'], /\(in "uniform:3-1": uniform:3-1 has B < A\)/],
    [['check', CASE, '--latency', 'exp:abc'], /MEAN "abc" is not a number/],
    [['check', CASE, '--latency', 'sideways=const:1'], /unknown scope "sideways"/],
    [['check', CASE, '--barrier', 'timeout:0'], /--barrier: expected exact, timeout:T \(T > 0\) or none, found "timeout:0" \(in "timeout:0": T must be a number > 0/],
    [['check', CASE, '--barrier', 'maybe'], /unknown barrier "maybe"/],
    [['check', CASE, '--input-timing', 'latency:-3'], /--input-timing: .*T must be a number ≥ 0/],
    [['check', CASE, '--barrier', 'timeout:5'], /--barrier timeout:5: a timeout is measured in a latency model's virtual time; give --latency too/],
    [['check', CASE, '--latency', 'exp:1', '--order', 'shuffle'], /--order shuffle: with --latency the arrival times decide the order/],
    [['check', CASE, '--latency', 'layer2=const:1'], /--latency: layer2 is not a neuron layer of this network \(its neuron layers are layer0, layer1, layer3, layer4\)/],
    [['timing', model, '--samples', '0'], /--samples: expected an integer ≥ 1, found "0"/],
    [['timing', model, '--latency', 'exp:0'], /exp:0 has no mean/],
    [['timing', model, '--table', 'out.parquet'], /--table out\.parquet: expected a file name ending in \.csv or \.arrow/],
    [['timing', CASE], /cannot read|not a safetensors|header/],
    [['train', '--nonsense'], /^spikegrad: unknown option '--nonsense'$/],
    [['check'], /^spikegrad: missing required argument 'case'$/],
    [['bogus'], /^spikegrad: unknown command 'bogus'$/],
  ])('spikegrad %s', async (args, pattern) => {
    expect(await refused(args as string[])).toMatch(pattern as RegExp);
  });
});

describe('rules between options', () => {
  it.each([
    [['train', '--engine', 'exact', '--gradient', 'float'], /--gradient float: the exact engine trains with the spike gradient only/],
    [['train', '--engine', 'exact', '--shift', '2'], /--shift: augmentation belongs to the tfjs engine/],
    [['train', '--engine', 'exact', '--elastic', '34'], /--elastic: augmentation belongs to the tfjs engine/],
    [['train', '--elastic-sigma', '5'], /--elastic-sigma: it shapes the elastic distortions, which are off; give --elastic PX too/],
    [['train', '--elastic', '-1'], /--elastic/],
    [['train', '--engine', 'exact', '--weight-bits', '10'], /--weight-bits: belongs to the tfjs engine/],
    [['train', '--engine', 'exact', '--backend', 'wasm'], /--backend: belongs to the tfjs engine/],
  ])('spikegrad %s', async (args, pattern) => {
    expect(await refused(args as string[])).toMatch(pattern as RegExp);
  });
});

describe('as a process', () => {
  it('exits 2 with one line on stderr, nothing on stdout and no stack trace', () => {
    const r = runCli(['train', '--epochs', '-1', '--json']);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('spikegrad: --epochs: expected an integer from 1 to 10000, found "-1"\n');
  });

  it('a bad SPIKEGRAD_FAULT is refused like any input', () => {
    const r = runCli(['check', CASE], 60_000, { SPIKEGRAD_FAULT: 'worker=x' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/SPIKEGRAD_FAULT: "worker=x" is not key=value|worker must be a non-negative integer/);
  });
});
