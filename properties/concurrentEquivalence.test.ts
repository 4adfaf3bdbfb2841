/** The bounded default run of the concurrent property: layer threads at once, every result checked, orders counted. */
import { describe, expect, it } from 'vitest';
import { checkProperty, concurrentEqualsAnn, concurrentTally } from '../src/verify/properties/equivalence.js';

describe('SNN in concurrent layer threads ≡ integer ANN', () => {
  it('every repeat equal and replayable; the threads produce more than one event order', async () => {
    await checkProperty(concurrentEqualsAnn(4), 10, 2026_12_02);
    expect(concurrentTally.runs).toBeGreaterThanOrEqual(20);
    // What the threads did differs between runs: the orders seen are not all one.
    expect(concurrentTally.distinctOrders).toBeGreaterThan(concurrentTally.cases);
    console.log(`concurrent: ${concurrentTally.runs} runs of ${concurrentTally.cases} cases, ${concurrentTally.distinctOrders} distinct event orders (${concurrentTally.casesWithSeveralOrders} cases with more than one)`);
  }, 300_000);
});
