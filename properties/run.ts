/** `npm run properties -- --runs N [--seed S] [--only NAME]`: the equivalence properties at any length. */
import { Command } from 'commander';
import { ShardWorkers } from '../src/actors/openNetwork.js';
import { useBackend } from '../src/train/tfjs/backend.js';
import { checkProperty, concurrentEqualsAnn, concurrentTally, PROPERTIES, shardedEqualsAnn, tally } from '../src/verify/properties/equivalence.js';
import { mirrorTally, tfjsMirrorEqualsAnn } from '../src/verify/properties/tfjsMirror.js';

const opts = new Command()
  .option('--runs <n>', 'cases per property', '2000')
  .option('--seed <n>', 'fast-check seed (default: random, printed)')
  .option('--only <name>', `one of ${Object.keys(PROPERTIES).join(', ')}, shardedEqualsAnn, concurrentEqualsAnn, tfjsMirrorEqualsAnn`)
  .parse(process.argv)
  .opts<{ runs: string; seed?: string; only?: string }>();

const pools = { 2: new ShardWorkers(2), 3: new ShardWorkers(3), 4: new ShardWorkers(4) };
const all = { ...PROPERTIES, shardedEqualsAnn: () => shardedEqualsAnn(pools), concurrentEqualsAnn: () => concurrentEqualsAnn(4), tfjsMirrorEqualsAnn };
const seed = opts.seed === undefined ? Date.now() % 2 ** 31 : Number(opts.seed);
const runs = Number(opts.runs);
let failed = 0;
for (const [name, make] of Object.entries(all)) {
  if (opts.only && opts.only !== name) continue;
  const start = performance.now();
  if (name === 'tfjsMirrorEqualsAnn') await useBackend('wasm');
  try {
    await checkProperty(make() as Parameters<typeof checkProperty>[0], runs, seed);
    console.log(`ok    ${name}: ${runs} cases in ${((performance.now() - start) / 1000).toFixed(1)} s (seed ${seed})`);
  } catch (e) {
    failed++;
    console.log(`FAIL  ${name} (seed ${seed})\n${(e as Error).message}`);
  }
}
await Promise.all(Object.values(pools).map((p) => p.close()));
if (tally.ran + tally.refused > 0) {
  console.log(`snnEqualsAnn: ${tally.ran} cases compared, ${tally.refused} refused by the budget (${tally.refusalsRechecked} of them re-run without it, equal and within their bound)`);
}
if (concurrentTally.cases > 0) {
  console.log(`concurrentEqualsAnn: ${concurrentTally.runs} runs of ${concurrentTally.cases} cases, all equal and replayable; ${concurrentTally.distinctOrders} distinct event orders (${concurrentTally.casesWithSeveralOrders} cases with more than one)`);
}
if (mirrorTally.cases > 0) {
  console.log(`tfjsMirrorEqualsAnn (wasm): ${mirrorTally.cases} forward passes equal; gradients equal in all ${mirrorTally.cases - mirrorTally.topErrorDiffers} cases whose float32 top error matched (${mirrorTally.topErrorDiffers} did not)`);
}
process.exitCode = failed > 0 ? 1 : 0;
