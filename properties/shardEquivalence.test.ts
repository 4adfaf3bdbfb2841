/** The bounded default run of the sharding property: 1–4 worker threads × orders × policies. */
import { afterAll, beforeAll, describe, it } from 'vitest';
import { ShardWorkers } from '../src/actors/openNetwork.js';
import { checkProperty, shardedEqualsAnn } from '../src/verify/properties/equivalence.js';

const pools: Record<number, ShardWorkers> = {};

beforeAll(() => {
  for (const n of [2, 3, 4]) pools[n] = new ShardWorkers(n);
});
afterAll(async () => {
  await Promise.all(Object.values(pools).map((p) => p.close()));
});

describe('SNN sharded over worker threads ≡ integer ANN', () => {
  it('identical S, V, E, dW, db for any worker count, shard layout, order and policy', async () => {
    await checkProperty(shardedEqualsAnn(pools), 120, 2026_11_30);
  });
});
