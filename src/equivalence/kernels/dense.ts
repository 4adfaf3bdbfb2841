/** Exact integer kernels of a dense layer (weights [out][in]); values stay integers below 2^53. */
import type { DenseLayer } from '../../network/topology.js';

/** a_i = b_i + Σ_j w_ij x_j */
export function denseForward(layer: DenseLayer, x: Float64Array, a: Float64Array): void {
  const { weights: w, bias: b } = layer;
  const n = x.length;
  for (let i = 0; i < layer.units; i++) {
    let sum = b[i];
    const row = i * n;
    for (let j = 0; j < n; j++) sum += w[row + j] * x[j];
    a[i] = sum;
  }
}

/** g_j = Σ_i w_ij e_i (overwrites g). */
export function denseBackward(layer: DenseLayer, e: Float64Array, g: Float64Array): void {
  const w = layer.weights;
  const n = g.length;
  g.fill(0);
  for (let i = 0; i < layer.units; i++) {
    const ei = e[i];
    if (ei === 0) continue;
    const row = w.subarray(i * n, i * n + n);
    for (let j = 0; j < n; j++) g[j] += row[j] * ei;
  }
}

/** dW −= e xᵀ, db −= e (accumulates). */
export function denseIncrements(layer: DenseLayer, e: Float64Array, x: Float64Array, dW: Float64Array, db: Float64Array): void {
  const n = x.length;
  for (let i = 0; i < layer.units; i++) {
    const ei = e[i];
    if (ei === 0) continue;
    db[i] -= ei;
    const row = dW.subarray(i * n, i * n + n);
    for (let j = 0; j < n; j++) row[j] -= ei * x[j];
  }
}
