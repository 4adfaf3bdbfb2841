/**
 * The machine's own limits, measured in the same run as the figures held against them: a plain
 * accumulate loop (V[target] += w over contiguous rows, what a synaptic accumulation is at best in
 * JavaScript) in one thread, and the same loop in two independent threads at once, as a ratio to one
 * (a shared or hyper-threaded second core gives less than 2).
 */
import { Worker } from 'node:worker_threads';

/** The loop, as source: run in this thread and in workers alike. */
const LOOP = `
function accumulateFor(seconds) {
  const n = 1 << 20, targets = 4096;
  const w = new Float64Array(n), V = new Float64Array(targets), row = new Int32Array(n);
  for (let i = 0; i < n; i++) { w[i] = (i % 13) - 6; row[i] = (i * 7) & (targets - 1); }
  let done = 0;
  const until = performance.now() + seconds * 1000;
  const start = performance.now();
  while (performance.now() < until) {
    for (let i = 0; i < n; i += 64) {
      const base = row[i];
      for (let k = 0; k < 64; k++) V[(base + k) & (targets - 1)] += w[i + k];
    }
    done += n;
  }
  return { rate: done / ((performance.now() - start) / 1000), check: V[0] };
}`;

function inWorker(seconds: number): Promise<number> {
  const worker = new Worker(`${LOOP}; const { parentPort, workerData } = require('node:worker_threads'); parentPort.postMessage(accumulateFor(workerData).rate);`, {
    eval: true,
    workerData: seconds,
  });
  return new Promise((resolve, reject) => {
    worker.once('message', (rate: number) => {
      resolve(rate);
      void worker.terminate();
    });
    worker.once('error', reject);
  });
}

export interface Ceiling {
  /** Accumulations per second of the plain loop, one thread. */
  oneThread: number;
  /** Two independent threads together, as a ratio to one: what was measured, at most 2. */
  twoThreads: number;
  /** The ratio as measured: above 2 only where other load slowed the solo runs more than the pair. */
  measured: number;
}

/** One thread alone, then two at once, then one alone again (the mean of both solo runs is the reference). */
export async function measureCeiling(seconds = 2): Promise<Ceiling> {
  const first = await inWorker(seconds);
  const [a, b] = await Promise.all([inWorker(seconds), inWorker(seconds)]);
  const last = await inWorker(seconds);
  const one = (first + last) / 2;
  const measured = (a + b) / one;
  // Two threads cannot do more than twice what one does: a larger ratio is the machine's other load.
  return { oneThread: one, twoThreads: Math.min(2, measured), measured };
}

/** How a run states its ceiling. */
export const ceilingText = (c: Ceiling): string => `${c.twoThreads.toFixed(2)}×${c.measured > c.twoThreads ? ` (measured ${c.measured.toFixed(2)}×, at most 2)` : ''}`;
