import { describe, expect, it } from 'vitest';
import { compareResults, describeMismatch } from '../../src/equivalence/compare.js';

describe('compareResults', () => {
  it('is empty for identical results and lists every differing element otherwise', () => {
    const a = [{ S: [1, 2, 3], E: [0, 0, 1] }, {}, { V: [5, -5], E: [1, -1], dW: [1, 2], db: [0, 0] }];
    expect(compareResults(a, structuredClone(a))).toEqual([]);
    const b = structuredClone(a);
    b[0].S![1] = 3;
    b[2].dW![0] = -1;
    const m = compareResults(a, b);
    expect(m).toEqual([
      { layer: 0, field: 'S', index: 1, expected: 2, found: 3 },
      { layer: 2, field: 'dW', index: 0, expected: 1, found: -1 },
    ]);
    expect(describeMismatch(m[0])).toBe('layer 0 S[1]: ANN 2, SNN 3');
  });

  it('reports missing fields and length differences', () => {
    expect(compareResults([{ S: [1] }], [{ S: [1, 0] }])).toEqual([{ layer: 0, field: 'S', index: -1, expected: 1, found: 2 }]);
    expect(compareResults([{ E: [1] }], [{}])).toHaveLength(1);
  });
});
