/** The bounded default run of the equivalence properties (a few hundred cases each). */
import { describe, expect, it } from 'vitest';
import { checkProperty, PROPERTIES, tally } from '../src/verify/properties/equivalence.js';

const RUNS = 300;
const SEED = 2026_11_29;

describe('event-driven SNN ≡ integer ANN (fast-check)', async () => {
  it('S, V, E, dW, db equal for random networks, orders and policies; budget refusals justified', async () => {
    await checkProperty(PROPERTIES.snnEqualsAnn(), RUNS, SEED);
    // The generators must mostly stay within the budget, or the property proves little.
    expect(tally.ran).toBeGreaterThan(RUNS * 0.8);
  });
  it('event counts ≥ |net counts| with their parity; the classification layer never fires forward', async () => {
    await checkProperty(PROPERTIES.eventCountsAreConsistent(), RUNS, SEED + 1);
  });
  it('replaying the log equals the live run under every barrier, logs are byte-identical per seed, relu counts never negative', async () => {
    await checkProperty(PROPERTIES.replayEqualsLiveRun(), 150, SEED + 2);
  });
  it('mini-batches: summed increments equal the integer ANN sums', async () => {
    await checkProperty(PROPERTIES.batchIncrementsEqual(), 150, SEED + 3);
  });
});
