/**
 * a·b for a mostly zero `a` (a dense layer's integer errors times its weights): for each row, the rows
 * of b that its non-zero entries pick, scaled and summed in float64 in index order, then rounded once
 * to float32. Each row on its own: its bits do not depend on the other rows.
 */

/** The kernel's name where a backend registers it (wasmTrainingKernels.ts). */
export const SPARSE_ROW_PRODUCT = 'SpikegradSparseRowProduct';

/** out[r][c] = Σ_j a[r][j]·b[j][c] over a[r][j] ≠ 0; a is rows×inner, b inner×cols, `sums` ≥ cols long. */
export function sparseRowProduct(a: Float32Array, rows: number, inner: number, b: Float32Array, cols: number, out: Float32Array, sums: Float64Array): void {
  for (let r = 0; r < rows; r++) {
    sums.fill(0, 0, cols);
    const row = r * inner;
    for (let j = 0; j < inner; j++) {
      const x = a[row + j];
      if (x === 0) continue;
      const base = j * cols;
      for (let c = 0; c < cols; c++) sums[c] += x * b[base + c];
    }
    const at = r * cols;
    for (let c = 0; c < cols; c++) out[at + c] = sums[c];
  }
}
