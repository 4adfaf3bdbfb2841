/**
 * A barrier for worker threads on two shared Int32 cells (arrivals, generation), with Atomics to wait
 * and wake: far cheaper than a round trip through the main thread. Worker threads only (the main
 * thread must not block). A thread terminated while it waits is released by the termination.
 */
import { sharedArray } from './shared.js';

export type StepBarrier = Int32Array;

export function stepBarrier(): StepBarrier {
  return sharedArray(Int32Array, 2);
}

/**
 * Arrive, and return once all `parties` have arrived; throws after `timeoutMs` (a party that never
 * comes: its thread died and the pool is tearing down).
 */
export function arriveAndWait(barrier: StepBarrier, parties: number, timeoutMs = 60_000): void {
  const generation = Atomics.load(barrier, 1);
  if (Atomics.add(barrier, 0, 1) === parties - 1) {
    Atomics.store(barrier, 0, 0);
    Atomics.add(barrier, 1, 1);
    Atomics.notify(barrier, 1);
    return;
  }
  const deadline = performance.now() + timeoutMs;
  while (Atomics.load(barrier, 1) === generation) {
    const left = deadline - performance.now();
    if (left <= 0) throw new Error(`a barrier of ${parties} threads: the others did not arrive within ${timeoutMs / 1000} s`);
    Atomics.wait(barrier, 1, generation, left);
  }
}
