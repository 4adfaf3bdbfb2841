/**
 * Random networks checked per second by snnEqualsAnn: in this thread, and through the BullMQ queue
 * on a local redis-server with one and with two `spikegrad worker` processes (the same jobs; the
 * two-worker figure is held against the machine's two-thread ceiling).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { planJobs, runJob } from '../src/verify/properties/jobs.js';
import { submitJobs } from '../src/verify/properties/queue.js';
import type { Ceiling } from './ceiling.js';

const RUNS = 4000;
const JOB_SIZE = 500;

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

function startWorker(url: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['dist/src/cli/main.js', 'worker', '--queue', url], { stdio: ['ignore', 'ignore', 'pipe'] });
  return new Promise((resolve) => child.stderr!.on('data', (d: Buffer) => /waiting for jobs/.test(String(d)) && resolve(child)));
}

export async function benchProperties(ceiling?: Ceiling): Promise<void> {
  console.log(`\nproperty checking: snnEqualsAnn, ${RUNS} random networks in jobs of ${JOB_SIZE}`);
  const jobs = planJobs(['snnEqualsAnn'], RUNS, 1, JOB_SIZE);
  await runJob({ property: 'snnEqualsAnn', seed: 999, runs: JOB_SIZE }); // warm-up
  let start = performance.now();
  for (const job of jobs) await runJob(job);
  const one = RUNS / ((performance.now() - start) / 1000);
  console.log(`  this thread: ${one.toFixed(0)} networks/s`);
  const port = await freePort();
  const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const url = `redis://127.0.0.1:${port}`;
  try {
    await new Promise((r) => setTimeout(r, 500));
    for (const count of [1, 2]) {
      const workers = await Promise.all(Array.from({ length: count }, () => startWorker(url)));
      start = performance.now();
      await submitJobs(url, planJobs(['snnEqualsAnn'], RUNS, 1, JOB_SIZE));
      const rate = RUNS / ((performance.now() - start) / 1000);
      for (const w of workers) w.kill('SIGTERM');
      const share = count === 2 && ceiling ? `; ${(rate / one).toFixed(2)}× this thread = ${(rate / one / ceiling.twoThreads).toFixed(2)} of the ceiling (${ceiling.twoThreads.toFixed(2)}×)` : '';
      console.log(`  queue, ${count} worker${count > 1 ? 's' : ''}: ${rate.toFixed(0)} networks/s${share}`);
    }
  } finally {
    redis.kill('SIGTERM');
  }
}
