/**
 * Random networks checked per second by snnEqualsAnn: in this thread, here with 2 threads, and through
 * the BullMQ queue on a local redis-server with one and with two `spikegrad worker` processes (the
 * same jobs; two-thread figures are held against the machine's two-thread ceiling).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { planJobs, runJob, runJobsHere, type JobResult } from '../src/verify/properties/jobs.js';
import { submitJobs } from '../src/verify/jobQueue.js';
import type { PropertyQueueJob } from '../src/verify/queuedJobs.js';
import type { Ceiling } from './ceiling.js';

// Long enough that starting processes and warming their JIT is a small part.
const RUNS = 16_000;
const JOB_SIZE = 500;

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

/**
 * This workload's own ceiling: the jobs split between two independent, warmed-up processes started
 * together, as a ratio to this thread. Allocation-heavy work shares this machine's second core far
 * worse than the plain accumulate loop does.
 */
async function twoProcesses(): Promise<number> {
  const children = [1, 1 + RUNS].map((seed) => spawn(process.execPath, ['dist/bench/propertiesChild.js', String(RUNS / 2), String(seed), String(JOB_SIZE)], { stdio: ['pipe', 'pipe', 'inherit'] }));
  const lines = children.map((c) => {
    const queue: string[] = [];
    let wake: (() => void) | null = null;
    c.stdout!.on('data', (d: Buffer) => {
      queue.push(...String(d).split('\n').filter(Boolean));
      wake?.();
    });
    return async () => {
      while (queue.length === 0) await new Promise<void>((r) => (wake = r));
      return queue.shift()!;
    };
  });
  await Promise.all(lines.map((next) => next()));
  const start = performance.now();
  for (const c of children) c.stdin!.write('go\n');
  await Promise.all(lines.map((next) => next()));
  return RUNS / ((performance.now() - start) / 1000);
}

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
  const own = (await twoProcesses()) / one;
  console.log(`  two independent processes (this workload's ceiling): ${own.toFixed(2)}× this thread`);
  const share = (rate: number) => `; ${(rate / one).toFixed(2)}× this thread = ${(rate / one / own).toFixed(2)} of this workload's ceiling${ceiling ? `, ${(rate / one / ceiling.twoThreads).toFixed(2)} of the plain loop's (${ceiling.twoThreads.toFixed(2)}×)` : ''}`;
  start = performance.now();
  await runJobsHere(jobs, 2);
  const local = RUNS / ((performance.now() - start) / 1000);
  console.log(`  here, 2 threads: ${local.toFixed(0)} networks/s${share(local)}`);
  const port = await freePort();
  const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const url = `redis://127.0.0.1:${port}`;
  try {
    await new Promise((r) => setTimeout(r, 500));
    for (const count of [1, 2]) {
      const workers = await Promise.all(Array.from({ length: count }, () => startWorker(url)));
      start = performance.now();
      await submitJobs<PropertyQueueJob, JobResult>(url, jobs.map((job) => ({ name: `${job.property}:${job.seed}`, data: { kind: 'property', ...job } })));
      const rate = RUNS / ((performance.now() - start) / 1000);
      for (const w of workers) w.kill('SIGTERM');
      console.log(`  queue, ${count} worker${count > 1 ? 's' : ''}: ${rate.toFixed(0)} networks/s${count === 2 ? share(rate) : ''}`);
    }
  } finally {
    redis.kill('SIGTERM');
  }
}
