import { describe, expect, it } from 'vitest';
import { roundHalfAway, roundHalfAwayReal } from '../../src/network/rounding.js';

describe('roundHalfAway(n, d)', () => {
  it.each([
    [0, 4, 0], [1, 4, 0], [2, 4, 1], [3, 4, 1], [6, 4, 2], [-2, 4, -1], [-6, 4, -2], [-1, 4, 0], [-3, 4, -1],
    [5, 2, 3], [-5, 2, -3], [7, 7, 1], [-7, 7, -1], [10, 7, 1], [11, 7, 2], [-11, 7, -2], [3, 1, 3], [-3, 1, -3],
    [Number.MAX_SAFE_INTEGER, 2, 4503599627370496], [-Number.MAX_SAFE_INTEGER, 2, -4503599627370496],
    [Number.MAX_SAFE_INTEGER - 1, Number.MAX_SAFE_INTEGER, 1], [4503599627370495, Number.MAX_SAFE_INTEGER, 0],
    [4503599627370496, Number.MAX_SAFE_INTEGER, 1], [-4503599627370496, Number.MAX_SAFE_INTEGER, -1],
  ])('roundHalfAway(%d, %d) = %d', (n, d, expected) => {
    expect(roundHalfAway(n, d)).toBe(expected);
  });

  it('never returns -0', () => {
    expect(Object.is(roundHalfAway(-1, 4), 0)).toBe(true);
    expect(Object.is(roundHalfAway(-0, 4), 0)).toBe(true);
  });

  it('agrees with BigInt arithmetic on large random operands', () => {
    let x = 123456789n;
    for (let k = 0; k < 2000; k++) {
      x = (x * 6364136223846793005n + 1442695040888963407n) % (1n << 63n);
      const n = Number((x % (1n << 53n)) - (1n << 52n));
      const d = Number((x >> 20n) % (1n << 40n)) + 1;
      const bn = BigInt(n), bd = BigInt(d);
      const q = bn / bd, r = bn % bd;
      const abs = (v: bigint) => (v < 0n ? -v : v);
      const expected = 2n * abs(r) >= bd ? q + (bn < 0n ? -1n : 1n) : q;
      expect(roundHalfAway(n, d)).toBe(Number(expected));
    }
  });
});

describe('roundHalfAwayReal(x)', () => {
  it.each([
    [0.5, 1], [-0.5, -1], [1.5, 2], [-1.5, -2], [2.5, 3], [-2.5, -3], [0.49, 0], [-0.49, 0], [1.4999, 1], [-73.1, -73], [7, 7],
  ])('roundHalfAwayReal(%d) = %d', (x, expected) => {
    expect(roundHalfAwayReal(x)).toBe(expected);
  });
  it('never returns -0', () => expect(Object.is(roundHalfAwayReal(-0.2), 0)).toBe(true));
});
