/** The Atomics barrier that lets training workers take an optimizer step without a round trip (its use by two workers: test/train/tfjsTraining.test.ts). */
import { describe, expect, it } from 'vitest';
import { arriveAndWait, stepBarrier } from '../../src/workers/stepBarrier.js';

describe('step barrier', () => {
  it('lets the last of the parties through at once and starts a new generation', () => {
    const barrier = stepBarrier();
    arriveAndWait(barrier, 1);
    arriveAndWait(barrier, 1);
    expect(Array.from(barrier)).toEqual([0, 2]);
  });

  it('fails, naming the barrier, when the other parties never arrive', () => {
    const barrier = stepBarrier();
    const started = performance.now();
    expect(() => arriveAndWait(barrier, 2, 50)).toThrow(/a barrier of 2 threads: the others did not arrive within 0\.05 s/);
    expect(performance.now() - started).toBeGreaterThanOrEqual(45);
    // The party that gave up still counts as arrived: the next arrival completes the generation.
    arriveAndWait(barrier, 2);
    expect(Array.from(barrier)).toEqual([0, 1]);
  });
});
