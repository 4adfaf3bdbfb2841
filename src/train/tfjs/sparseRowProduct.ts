/**
 * a·b for a mostly zero `a` (a dense layer's integer errors times its weights): for each row, the rows
 * of b that its non-zero entries pick, scaled and summed in float64 in index order, then rounded once
 * to float32. Each row on its own: its bits do not depend on the other rows.
 */

/** The kernel's name where a backend registers it (wasmTrainingKernels.ts). */
export const SPARSE_ROW_PRODUCT = 'SpikegradSparseRowProduct';

/** out[r][c] = Σ_j a[r][j]·b[j][c] over a[r][j] ≠ 0; a is rows×inner, b inner×cols; scratch: `sums` ≥ cols long, `picked` ≥ inner. */
export function sparseRowProduct(a: Float32Array, rows: number, inner: number, b: Float32Array, cols: number, out: Float32Array, sums: Float64Array, picked: Int32Array): void {
  for (let r = 0; r < rows; r++) {
    sums.fill(0, 0, cols);
    const row = r * inner;
    let n = 0;
    for (let j = 0; j < inner; j++) if (a[row + j] !== 0) picked[n++] = j;
    // Four non-zero entries per pass over the sums, added one after the other in index order as one
    // at a time would (the same bits): a quarter of the loads and stores of the sums.
    let k = 0;
    for (; k + 4 <= n; k += 4) {
      const j0 = picked[k], j1 = picked[k + 1], j2 = picked[k + 2], j3 = picked[k + 3];
      const x0 = a[row + j0], x1 = a[row + j1], x2 = a[row + j2], x3 = a[row + j3];
      const b0 = j0 * cols, b1 = j1 * cols, b2 = j2 * cols, b3 = j3 * cols;
      for (let c = 0; c < cols; c++) sums[c] = sums[c] + x0 * b[b0 + c] + x1 * b[b1 + c] + x2 * b[b2 + c] + x3 * b[b3 + c];
    }
    for (; k < n; k++) {
      const j = picked[k], x = a[row + j], base = j * cols;
      for (let c = 0; c < cols; c++) sums[c] += x * b[base + c];
    }
    const at = r * cols;
    for (let c = 0; c < cols; c++) out[at + c] = sums[c];
  }
}
