/** Hand-worked examples of each spike function, including every tie. */
import { describe, expect, it } from 'vitest';
import { residualSpike, standardSpike } from '../../src/actors/kernels/spikeFunctions.js';

describe('standard spike function', () => {
  it.each([
    // V, Θ, S, relu, expected
    [4, 4, 0, false, 1], [3, 4, 0, false, 0], [-4, 4, 0, false, -1], [-3, 4, 5, false, 0],
    [9, 4, -2, true, 1],
    [-4, 4, 0, true, 0], // a relu neuron reaching −Θ with S = 0 stays silent
    [-4, 4, 1, true, -1], [-100, 4, 0, true, 0],
    [1, 1, 0, false, 1], [-1, 1, 0, false, -1], [0, 1, 0, false, 0],
  ])('V=%d Θ=%d S=%d relu=%s → %d', (V, theta, S, relu, expected) => {
    expect(standardSpike(V, theta, S, relu as boolean)).toBe(expected);
  });
});

describe('residual spike function', () => {
  it.each([
    // ties at +Θ/2: fire +1 only when S ≥ 0
    [2, 4, 0, false, 1], [2, 4, 3, false, 1], [2, 4, -1, false, 0],
    // ties at −Θ/2: fire −1 only when S ≤ 0 (relu: and S > 0, so never)
    [-2, 4, 0, false, -1], [-2, 4, -3, false, -1], [-2, 4, 1, false, 0], [-2, 4, 0, true, 0], [-2, 4, 1, true, 0],
    // odd Θ: 2V = ±Θ never happens; |2V| > Θ fires
    [2, 3, -5, false, 1], [-2, 3, 5, false, -1], [1, 3, 0, false, 0], [-1, 3, 0, false, 0],
    [-3, 4, 2, true, -1], [-3, 4, 0, true, 0], [3, 4, -1, false, 1],
    [1, 1, 0, false, 1], [0, 1, 0, false, 0],
  ])('V=%d Θ=%d S=%d relu=%s → %d', (V, theta, S, relu, expected) => {
    expect(residualSpike(V, theta, S, relu as boolean)).toBe(expected);
  });

  it('ends every tie after one spike, and rounds half away from zero', () => {
    // V = Θ/2 with S = 0 (a = Θ/2): fires +1 to V = −Θ/2, S = 1, then stops: S = round(1/2) = 1.
    const settle = (V: number, S: number): [number, number] => {
      for (let s = residualSpike(V, 4, S, false); s !== 0; s = residualSpike(V, 4, S, false)) {
        V -= 4 * s;
        S += s;
      }
      return [V, S];
    };
    expect(settle(2, 0)).toEqual([-2, 1]);
    // a = −Θ/2 with S = 0: fires −1 once: S = −1.
    expect(settle(-2, 0)).toEqual([2, -1]);
  });
});
