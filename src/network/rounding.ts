/**
 * The only rounding of the spiking and integer paths (docs/algorithm.md §1): the integer nearest to n/d, ties away
 * from zero. Exact for every safe integer n and 0 < d ≤ 2^53 − 1: `%` on doubles is exact, n − r is a
 * multiple of d, and doubling |r| is exact.
 */
export function roundHalfAway(n: number, d: number): number {
  const r = n % d;
  const q = (n - r) / d;
  if (2 * Math.abs(r) >= d) return r > 0 ? q + 1 : q - 1;
  return q + 0; // normalises -0
}

/** Round a real to the nearest integer, ties away from zero: sign(x)·floor(|x| + 0.5) (docs/algorithm.md §4). */
export function roundHalfAwayReal(x: number): number {
  const m = Math.floor(Math.abs(x) + 0.5);
  return x < 0 ? 0 - m : m;
}
