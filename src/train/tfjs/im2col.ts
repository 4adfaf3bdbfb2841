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

/** dx[b, oy + ky − top, ox + kx − left, c] += cols[(b·OH + oy)·OW + ox][(ky·KW + kx)·C + c]; dx is overwritten. */
export function scatterWindows(cols: Float32Array, g: WindowGeometry, dx: Float32Array): void {
  const { batch, height: H, width: W, channels: C, kernelHeight: KH, kernelWidth: KW, outHeight: OH, outWidth: OW, padTop, padLeft } = g;
  const patch = KH * KW * C;
  dx.fill(0);
  let n = 0;
  for (let b = 0; b < batch; b++) {
    for (let oy = 0; oy < OH; oy++) {
      for (let ox = 0; ox < OW; ox++, n++) {
        const col = n * patch;
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
  }
}
