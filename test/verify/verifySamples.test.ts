/** Sample-parallel verification: the report does not depend on the split across workers. */
import { describe, expect, it } from 'vitest';
import { initNetwork } from '../../src/network/init.js';
import { imageAt } from '../../src/train/data/dataset.js';
import { loadDataset } from '../../src/train/data/sources.js';
import { verifySamples } from '../../src/verify/verifySamples.js';
import { tinyMnistTopology } from '../support/tinyTopology.js';

describe('sample-parallel verification', () => {
  it('reports the same verdicts and statistics for 1, 2 and 3 workers', async () => {
    const network = initNetwork(tinyMnistTopology(3, 3, 64), { seed: 5 });
    const { test } = loadDataset('mnist');
    const samples = Array.from({ length: 7 }, (_, i) => ({ input: imageAt(test, i), target: test.labels[i] }));
    const reports = [];
    for (const workers of [1, 2, 3]) reports.push(await verifySamples(network, samples, 20, { workers, order: 'split,shuffle', seed: 4 }));
    for (const r of reports) {
      expect(r.samples).toBe(7);
      expect(r.bitExact).toBe(7);
      expect(r.failures).toEqual([]);
      expect(r.stats).toEqual(reports[0].stats);
      expect(r.accuracy).toBe(reports[0].accuracy);
    }
    expect(reports.map((r) => r.workers)).toEqual([1, 2, 3]);
  });
});
