/**
 * One training recipe over several seeds, for the README's accuracy table: each seed's run is
 * `spikegrad train … --seed S --out DIR/seed-S.safetensors --json`, a few at a time, then a summary
 * (every seed, mean ± std, max) into DIR/summary.md and DIR/summary.json. A seed whose DIR/seed-S.json
 * is already there is kept, not run again, so an interrupted sweep continues where it stopped.
 *
 *   npx tsx scripts/seeds.ts --seeds 1,2,3,4,5 --parallel 2 --out-dir out/seeds/mnist -- \
 *     --dataset mnist --epochs 30 --alpha 500 --lr 0.005 --weight-decay 5e-4 --shift 2 --workers 1
 *
 * Choices belong to the validation column: the test column is what each run scored once, at the end.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { writeFileAtomic } from '../src/files.js';
import { parseSeedRun, seedSummaryMarkdown, summariseSeeds, type SeedRun } from '../src/report/seedSummary.js';

const o = new Command()
  .option('--seeds <list>', 'seeds, comma-separated', '1,2,3,4,5')
  .option('--parallel <n>', 'runs at the same time (give each --workers 1 when N > 1)', '1')
  .requiredOption('--out-dir <dir>', 'where the models, each run\'s JSON and log, and the summary go')
  .argument('[train...]', 'train options after --, the same for every seed')
  .parse(process.argv);
const opts = o.opts<{ seeds: string; parallel: string; outDir: string }>();
const trainArgs = o.args;
for (const owned of ['--seed', '--out', '--json']) {
  if (trainArgs.includes(owned)) throw new Error(`${owned} is set per seed by this script; leave it out of the train options`);
}
const seeds = opts.seeds.split(',').map(Number);
const main = 'dist/src/cli/main.js';
if (!existsSync(main)) throw new Error(`${main} is missing: run npm run build first`);
mkdirSync(opts.outDir, { recursive: true });

function runSeed(seed: number): Promise<SeedRun> {
  const file = join(opts.outDir, `seed-${seed}.json`);
  if (existsSync(file)) {
    console.error(`seed ${seed}: kept ${file}`);
    return Promise.resolve(parseSeedRun(readFileSync(file, 'utf8'), file, seed));
  }
  const args = [main, 'train', ...trainArgs, '--seed', String(seed), '--out', join(opts.outDir, `seed-${seed}.safetensors`), '--json'];
  console.error(`seed ${seed}: node ${args.join(' ')}`);
  const started = performance.now();
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', openSync(join(opts.outDir, `seed-${seed}.log`), 'w')] });
  let stdout = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  return new Promise((resolve, reject) => {
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`seed ${seed}: train exited with ${code} (see ${join(opts.outDir, `seed-${seed}.log`)})`));
      const text = JSON.stringify({ command: `node ${args.join(' ')}`, wallSeconds: (performance.now() - started) / 1000, result: JSON.parse(stdout) as unknown });
      // Checked before it is kept: a kept file is never run again.
      const run = parseSeedRun(text, file, seed);
      writeFileAtomic(file, `${text}\n`);
      console.error(`seed ${seed}: test ${(100 * run.run.testAccuracy).toFixed(2)} %, ${(run.wallSeconds! / 60).toFixed(1)} min`);
      resolve(run);
    });
  });
}

// A small pool: at most --parallel runs at once, results in seed order.
const results: SeedRun[] = new Array(seeds.length);
let next = 0;
await Promise.all(Array.from({ length: Math.max(1, Number(opts.parallel)) }, async () => {
  while (next < seeds.length) {
    const i = next++;
    results[i] = await runSeed(seeds[i]);
  }
}));
const summary = summariseSeeds(results);
const markdown = seedSummaryMarkdown(summary);
writeFileAtomic(join(opts.outDir, 'summary.json'), `${JSON.stringify({ trainArgs, ...summary })}\n`);
writeFileAtomic(join(opts.outDir, 'summary.md'), `train ${trainArgs.join(' ')}\n\n${markdown}`);
console.log(markdown);
