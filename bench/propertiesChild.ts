/**
 * One independent process of the property-checking ceiling: warm up, say "ready", wait for "go" on
 * stdin, run its jobs, print how long they took.
 */
import { planJobs, runJob } from '../src/verify/properties/jobs.js';

const [runs, seed, jobSize] = process.argv.slice(2).map(Number);
await runJob({ property: 'snnEqualsAnn', seed: 999, runs: jobSize });
process.stdout.write('ready\n');
process.stdin.once('data', async () => {
  const start = performance.now();
  for (const job of planJobs(['snnEqualsAnn'], runs, seed, jobSize)) await runJob(job);
  process.stdout.write(`${(performance.now() - start) / 1000}\n`);
  process.exit(0);
});
