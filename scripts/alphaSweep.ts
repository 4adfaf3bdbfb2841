/**
 * The paper's Figure 2, reproduced: train the MNIST topology with the spike gradient at several α,
 * one run each, and draw the backward pass's relative synaptic operations per layer (integer ANN best
 * case, on the first 200 training images, by the last epoch's network) against α; each run's
 * per-epoch chart (Figure 1) is kept as sparsity-alpha-A.svg.
 *
 *   npx tsx scripts/alphaSweep.ts [--alphas 50,100,200,500] [--epochs 3] [--limit 20000] [--out docs/figures]
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { alphaSweepChart, writeSvg } from '../src/report/charts.js';
import type { EpochRecord } from '../src/train/trainingLoop.js';

const o = new Command()
  .option('--alphas <list>', 'α values', '50,100,200,500')
  .option('--epochs <n>', 'epochs per run', '3')
  .option('--limit <n>', 'training images per epoch', '20000')
  .option('--seed <n>', 'seed of every run', '1')
  .option('--out <dir>', 'where the chart and the runs go', 'docs/figures')
  .parse(process.argv)
  .opts<{ alphas: string; epochs: string; limit: string; seed: string; out: string }>();

const alphas = o.alphas.split(',').map(Number);
mkdirSync(o.out, { recursive: true });
const points: { alpha: number; layer: string; ops: number }[] = [];
const runs = mkdtempSync(join(tmpdir(), 'spikegrad-alpha-'));
for (const alpha of alphas) {
  const model = join(runs, `alpha-${alpha}.safetensors`);
  const args = ['--import', 'tsx', 'src/cli/main.ts', 'train', '--engine', 'tfjs', '--dataset', 'mnist', '--epochs', o.epochs, '--limit', o.limit, '--alpha', String(alpha), '--seed', o.seed, '--val-samples', '2000', '--test-samples', '1000', '--out', model, '--json'];
  console.error(`α ${alpha}: ${args.slice(3).join(' ')}`);
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (r.status !== 0) throw new Error(`training at α ${alpha} failed (exit ${r.status})`);
  const history = JSON.parse(r.stdout).history as EpochRecord[];
  // Each run's own Figure 1 (per epoch) is kept beside the sweep.
  copyFileSync(`${model}.sparsity.svg`, join(o.out, `sparsity-alpha-${alpha}.svg`));
  const last = history[history.length - 1];
  for (const l of last.sparsity ?? []) points.push({ alpha, layer: `${l.layer} ${l.kind}`, ops: l.backwardRelativeOps });
  console.log(`α ${alpha}: ${(last.sparsity ?? []).map((l) => `${l.layer} ${l.kind} ${l.backwardRelativeOps.toExponential(2)} (E ≠ 0: ${(100 * l.nonZeroErrors).toFixed(1)} %)`).join(', ')}`);
}
const chart = join(o.out, 'alpha-sweep.svg');
await writeSvg(chart, alphaSweepChart(points, `MNIST 28x28-15C5-P2-40C5-P2-300-10: backward relative synaptic ops after ${o.epochs} epoch(s) of ${o.limit} images, spike gradient, seed ${o.seed}; integer ANN best case on 200 training images`));
console.log(`chart → ${chart}`);
