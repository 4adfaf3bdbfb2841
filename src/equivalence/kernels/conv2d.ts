/**
 * Exact integer kernels of a 2-D convolution (weights [out][in][ky][kx], zero padding, stride).
 * Each kernel walks (o, c, ky, kx) and then the output positions whose input pixel lies inside the
 * input, so the innermost loop is a contiguous run with no bounds tests.
 */
import type { Conv2dLayer } from '../../network/topology.js';

/** Output positions o with 0 ≤ o·stride − padding + k < inSize, as [lo, hi). */
export function validOutputRange(k: number, padding: number, stride: number, inSize: number, outSize: number): [number, number] {
  const lo = Math.max(0, Math.ceil((padding - k) / stride));
  const hi = Math.min(outSize, Math.floor((inSize - 1 + padding - k) / stride) + 1);
  return [lo, Math.max(lo, hi)];
}

/** Precomputed valid ranges per kernel offset, one table per layer. */
function ranges(layer: Conv2dLayer): { y: Int32Array; x: Int32Array } {
  const [, inH, inW] = layer.inShape;
  const [, outH, outW] = layer.outShape;
  const y = new Int32Array(2 * layer.kernel);
  const x = new Int32Array(2 * layer.kernel);
  for (let k = 0; k < layer.kernel; k++) {
    [y[2 * k], y[2 * k + 1]] = validOutputRange(k, layer.padding, layer.stride, inH, outH);
    [x[2 * k], x[2 * k + 1]] = validOutputRange(k, layer.padding, layer.stride, inW, outW);
  }
  return { y, x };
}

const rangeCache = new WeakMap<Conv2dLayer, { y: Int32Array; x: Int32Array }>();
function rangesOf(layer: Conv2dLayer): { y: Int32Array; x: Int32Array } {
  let r = rangeCache.get(layer);
  if (!r) rangeCache.set(layer, (r = ranges(layer)));
  return r;
}

/** a[o,oy,ox] = b_o + Σ w[o,c,ky,kx] x[c, oy·s−p+ky, ox·s−p+kx] */
export function conv2dForward(layer: Conv2dLayer, x: Float64Array, a: Float64Array): void {
  const { weights: w, bias: b, kernel: k, stride: s, padding: p } = layer;
  const [inC, inH, inW] = layer.inShape;
  const [outC, outH, outW] = layer.outShape;
  const r = rangesOf(layer);
  const outPlane = outH * outW;
  for (let o = 0; o < outC; o++) a.fill(b[o], o * outPlane, (o + 1) * outPlane);
  for (let o = 0; o < outC; o++) {
    for (let c = 0; c < inC; c++) {
      for (let ky = 0; ky < k; ky++) {
        const oy0 = r.y[2 * ky], oy1 = r.y[2 * ky + 1];
        for (let kx = 0; kx < k; kx++) {
          const wv = w[((o * inC + c) * k + ky) * k + kx];
          if (wv === 0) continue;
          const ox0 = r.x[2 * kx], ox1 = r.x[2 * kx + 1];
          for (let oy = oy0; oy < oy1; oy++) {
            const aRow = (o * outH + oy) * outW;
            const xRow = (c * inH + oy * s - p + ky) * inW - p + kx;
            for (let ox = ox0; ox < ox1; ox++) a[aRow + ox] += wv * x[xRow + ox * s];
          }
        }
      }
    }
  }
}

/**
 * g[c,iy,ix] = Σ w[o,c,ky,kx] e[o,oy,ox] over the outputs that read (c,iy,ix) (overwrites g).
 * Errors are mostly zero after rounding and gating, so this scatters from the non-zero ones only.
 */
export function conv2dBackward(layer: Conv2dLayer, e: Float64Array, g: Float64Array): void {
  const { weights: w, kernel: k, stride: s, padding: p } = layer;
  const [inC, inH, inW] = layer.inShape;
  const [outC, outH, outW] = layer.outShape;
  g.fill(0);
  for (let o = 0; o < outC; o++) {
    for (let oy = 0; oy < outH; oy++) {
      const y0 = oy * s - p;
      const ky0 = Math.max(0, -y0), ky1 = Math.min(k, inH - y0);
      for (let ox = 0; ox < outW; ox++) {
        const ev = e[(o * outH + oy) * outW + ox];
        if (ev === 0) continue;
        const x0 = ox * s - p;
        const kx0 = Math.max(0, -x0), kx1 = Math.min(k, inW - x0);
        for (let c = 0; c < inC; c++) {
          for (let ky = ky0; ky < ky1; ky++) {
            const wRow = ((o * inC + c) * k + ky) * k;
            const gRow = (c * inH + y0 + ky) * inW + x0;
            for (let kx = kx0; kx < kx1; kx++) g[gRow + kx] += w[wRow + kx] * ev;
          }
        }
      }
    }
  }
}

/** dW[o,c,ky,kx] −= Σ e[o,oy,ox] x[c, oy·s−p+ky, ox·s−p+kx]; db_o −= Σ e[o,·,·] (accumulates; sparse in e). */
export function conv2dIncrements(layer: Conv2dLayer, e: Float64Array, x: Float64Array, dW: Float64Array, db: Float64Array): void {
  const { kernel: k, stride: s, padding: p } = layer;
  const [inC, inH, inW] = layer.inShape;
  const [outC, outH, outW] = layer.outShape;
  for (let o = 0; o < outC; o++) {
    for (let oy = 0; oy < outH; oy++) {
      const y0 = oy * s - p;
      const ky0 = Math.max(0, -y0), ky1 = Math.min(k, inH - y0);
      for (let ox = 0; ox < outW; ox++) {
        const ev = e[(o * outH + oy) * outW + ox];
        if (ev === 0) continue;
        db[o] -= ev;
        const x0 = ox * s - p;
        const kx0 = Math.max(0, -x0), kx1 = Math.min(k, inW - x0);
        for (let c = 0; c < inC; c++) {
          for (let ky = ky0; ky < ky1; ky++) {
            const wRow = ((o * inC + c) * k + ky) * k;
            const xRow = (c * inH + y0 + ky) * inW + x0;
            for (let kx = kx0; kx < kx1; kx++) dW[wRow + kx] -= ev * x[xRow + kx];
          }
        }
      }
    }
  }
}
