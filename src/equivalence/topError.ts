/**
 * The one shared float64 function of the integer paths (docs/algorithm.md §4): p = softmax(V/Θ), then the initial
 * error compartment U_i = roundHalfAway(α·(p_i − y_i)·Θbp). Every path (integer ANN, SNN, trainers)
 * calls this function, so they agree bit for bit.
 */
import { roundHalfAwayReal } from '../network/rounding.js';

/** softmax(V/Θ) in float64: exp(z − max z), summed in index order. */
export function softmax(V: ArrayLike<number>, theta: number, out: Float64Array = new Float64Array(V.length)): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < V.length; i++) max = Math.max(max, V[i] / theta);
  let sum = 0;
  for (let i = 0; i < V.length; i++) {
    out[i] = Math.exp(V[i] / theta - max);
    sum += out[i];
  }
  for (let i = 0; i < V.length; i++) out[i] /= sum;
  return out;
}

/** U^L_i = sign(x)·floor(|x| + 0.5) with x = α·(p_i − y_i)·Θbp, y one-hot at `target`. */
export function topErrorCompartment(
  V: ArrayLike<number>,
  theta: number,
  thetaBp: number,
  target: number,
  alpha: number,
  out: Float64Array = new Float64Array(V.length),
): Float64Array {
  softmax(V, theta, out);
  for (let i = 0; i < V.length; i++) {
    const y = i === target ? 1 : 0;
    out[i] = roundHalfAwayReal(alpha * (out[i] - y) * thetaBp);
  }
  return out;
}

/** Cross-entropy of p = softmax(V/Θ) against the target (for reporting loss). */
export function crossEntropy(V: ArrayLike<number>, theta: number, target: number): number {
  let max = -Infinity;
  for (let i = 0; i < V.length; i++) max = Math.max(max, V[i] / theta);
  let sum = 0;
  for (let i = 0; i < V.length; i++) sum += Math.exp(V[i] / theta - max);
  return Math.log(sum) - (V[target] / theta - max);
}

/** Index of the largest value, the lowest index on ties. */
export function argmax(v: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
  return best;
}
