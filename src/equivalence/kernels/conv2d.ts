/**
 * Exact integer kernels of a 2-D convolution (weights [out][in][ky][kx], zero padding, stride). All
 * three scatter from the non-zero values only (inputs forward, errors backward): after rounding and
 * gating most of them are zero.
 */
import type { Conv2dLayer } from '../../network/topology.js';

const transposedCache = new WeakMap<Conv2dLayer, Float64Array>();

/** The weights laid out [c][ky][kx][o], refreshed from the layer on every call (they may have changed). */
function transposedWeights(layer: Conv2dLayer): Float64Array {
  let t = transposedCache.get(layer);
  if (!t) transposedCache.set(layer, (t = new Float64Array(layer.weights.length)));
  const outC = layer.channels;
  const taps = layer.weights.length / outC;
  for (let o = 0; o < outC; o++) for (let tap = 0; tap < taps; tap++) t[tap * outC + o] = layer.weights[o * taps + tap];
  return t;
}

/**
 * a[o,oy,ox] = b_o + Σ w[o,c,ky,kx] x[c, oy·s−p+ky, ox·s−p+kx], scattered from the non-zero inputs
 * (most pixels and many activations are zero) over weights transposed so the innermost loop over the
 * output channels reads them contiguously.
 */
export function conv2dForward(layer: Conv2dLayer, x: Float64Array, a: Float64Array): void {
  const { bias: b, kernel: k, stride: s, padding: p } = layer;
  const [inC, inH, inW] = layer.inShape;
  const [outC, outH, outW] = layer.outShape;
  const wt = transposedWeights(layer);
  const outPlane = outH * outW;
  for (let o = 0; o < outC; o++) a.fill(b[o], o * outPlane, (o + 1) * outPlane);
  for (let c = 0; c < inC; c++) {
    for (let iy = 0; iy < inH; iy++) {
      for (let ix = 0; ix < inW; ix++) {
        const v = x[(c * inH + iy) * inW + ix];
        if (v === 0) continue;
        for (let ky = 0; ky < k; ky++) {
          const ty = iy + p - ky;
          if (ty < 0 || ty % s !== 0) continue;
          const oy = ty / s;
          if (oy >= outH) continue;
          for (let kx = 0; kx < k; kx++) {
            const tx = ix + p - kx;
            if (tx < 0 || tx % s !== 0) continue;
            const ox = tx / s;
            if (ox >= outW) continue;
            const at = oy * outW + ox;
            const wBase = ((c * k + ky) * k + kx) * outC;
            for (let o = 0; o < outC; o++) a[o * outPlane + at] += v * wt[wBase + o];
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
