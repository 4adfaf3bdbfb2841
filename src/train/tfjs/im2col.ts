/**
 * col2im for a stride-1 NHWC convolution's input gradient, as a plain loop on typed arrays: the wasm
 * backend has no such kernel, and composing it from pads and adds is slow.
 */

export interface WindowGeometry {
  batch: number;
  /** Input height, width, channels. */
  height: number;
  width: number;
  channels: number;
  kernelHeight: number;
  kernelWidth: number;
  /** Output height and width. */
  outHeight: number;
  outWidth: number;
  padTop: number;
  padLeft: number;
}

/**
 * dx[b, oy + ky − top, ox + kx − left, c] += cols[j][(ky·KW + kx)·C + c] for the output positions
 * n = rows[j] = (b·OH + oy)·OW + ox (all of them, in order, when `rows` is null); dx is overwritten.
 * Positions left out must have all-zero columns: adding +0 changes nothing (dx is never −0).
 */
export function scatterWindows(cols: Float32Array, g: WindowGeometry, dx: Float32Array, rows: Int32Array | null = null, count = rows ? rows.length : g.batch * g.outHeight * g.outWidth): void {
  const { height: H, width: W, channels: C, kernelHeight: KH, kernelWidth: KW, outHeight: OH, outWidth: OW, padTop, padLeft } = g;
  const patch = KH * KW * C;
  dx.fill(0);
  for (let j = 0; j < count; j++) {
    const n = rows ? rows[j] : j;
    const ox = n % OW;
    const oy = ((n - ox) / OW) % OH;
    const b = (n - ox - oy * OW) / (OW * OH);
    const col = j * patch;
    for (let ky = 0; ky < KH; ky++) {
      const iy = oy + ky - padTop;
      if (iy < 0 || iy >= H) continue;
      for (let kx = 0; kx < KW; kx++) {
        const ix = ox + kx - padLeft;
        if (ix < 0 || ix >= W) continue;
        const dst = ((b * H + iy) * W + ix) * C;
        const src = col + (ky * KW + kx) * C;
        for (let c = 0; c < C; c++) dx[dst + c] += cols[src + c];
      }
    }
  }
}

/** The rows of a [rows, width] matrix with a non-zero entry, into `out`; their count, or −1 once more than `limit`. */
export function nonZeroRows(m: Float32Array, width: number, out: Int32Array, limit: number): number {
  let count = 0;
  const rows = m.length / width;
  for (let r = 0; r < rows; r++) {
    const end = (r + 1) * width;
    for (let i = r * width; i < end; i++) {
      if (m[i] === 0) continue;
      if (count === limit) return -1;
      out[count++] = r;
      break;
    }
  }
  return count;
}
