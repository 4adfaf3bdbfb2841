/**
 * The two spike functions of docs/algorithm.md §3–§4, written on integers (comparisons against Θ/2 as 2·V vs Θ).
 * Error neurons use the linear forms on U, Θbp and E.
 */

/** Standard function: +1 if V ≥ Θ; −1 if V ≤ −Θ (relu: and S > 0); else 0. */
export function standardSpike(V: number, theta: number, S: number, relu: boolean, reluNegative = true): number {
  if (V >= theta) return 1;
  if (V <= -theta && (!relu || (reluNegative && S > 0))) return -1;
  return 0;
}

/**
 * Residual function, applied when no more input will come: +1 if 2V > Θ or (2V = Θ and S ≥ 0);
 * −1 if 2V < −Θ or (2V = −Θ and S ≤ 0), relu only while S > 0; else 0. The tie-break on the sign of S
 * is what stops a neuron sitting at exactly ±Θ/2 from firing back and forth forever.
 */
export function residualSpike(V: number, theta: number, S: number, relu: boolean, reluNegative = true, tie: 'sign' | 'none' | 'strict' = 'sign'): number {
  const twoV = 2 * V;
  const atTie = tie === 'none' ? true : tie === 'strict' ? false : null;
  if (twoV > theta || (twoV === theta && (atTie ?? S >= 0))) return 1;
  if ((twoV < -theta || (twoV === -theta && (atTie ?? S <= 0))) && (!relu || (reluNegative && S > 0))) return -1;
  return 0;
}
