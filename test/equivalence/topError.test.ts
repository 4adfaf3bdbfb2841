import { describe, expect, it } from 'vitest';
import { argmax, softmax, topErrorCompartment } from '../../src/equivalence/topError.js';

describe('top error compartment U^L = roundHalfAway(α·(p − y)·Θbp)', () => {
  it('rounds exact ties away from zero (two equal logits, p = 1/2)', () => {
    expect(Array.from(topErrorCompartment([5, 5], 3, 1, 0, 1))).toEqual([-1, 1]);
    expect(Array.from(topErrorCompartment([5, 5], 3, 1, 1, 3))).toEqual([2, -2]);
  });

  it('rounds ties with four equal logits (p = 1/4): 2·0.25 = 0.5 → 1, 2·(−0.75) = −1.5 → −2', () => {
    expect(Array.from(topErrorCompartment([0, 0, 0, 0], 7, 1, 2, 2))).toEqual([1, 1, -2, 1]);
  });

  it('uses V/Θ as logits and scales by Θbp', () => {
    // softmax([0.4, 1.4]) = [0.26894…, 0.73105…]; α = 10, Θbp = 10 → ±73.1059 → ∓73
    expect(Array.from(topErrorCompartment([2, 7], 5, 10, 0, 10))).toEqual([-73, 73]);
  });

  it('is stable for large potentials (exp of z − max z)', () => {
    const p = softmax([1e6, 1e6 - 1], 1);
    expect(p[0]).toBeCloseTo(1 / (1 + Math.exp(-1)), 15);
    expect(Array.from(topErrorCompartment([1e9, 0], 1, 4, 1, 50))).toEqual([200, -200]);
  });

  it('argmax takes the lowest index on ties', () => {
    expect(argmax([1, 3, 3, 2])).toBe(1);
  });
});
