/** Exact integer kernels of sum pooling with one fixed integer weight (windows size×size, stride size). */
import type { AvgPoolLayer } from '../../network/topology.js';

/** a[c,oy,ox] = weight · Σ window */
export function avgPoolForward(layer: AvgPoolLayer, x: Float64Array, a: Float64Array): void {
  const { size, weight } = layer;
  const [, inH, inW] = layer.inShape;
  const [outC, outH, outW] = layer.outShape;
  for (let c = 0; c < outC; c++) {
    for (let oy = 0; oy < outH; oy++) {
      for (let ox = 0; ox < outW; ox++) {
        let sum = 0;
        for (let dy = 0; dy < size; dy++) {
          const row = (c * inH + oy * size + dy) * inW + ox * size;
          for (let dx = 0; dx < size; dx++) sum += x[row + dx];
        }
        // weight·Σ instead of Σ weight·x: the same integer, as long as it is safe (range guard).
        a[(c * outH + oy) * outW + ox] = weight * sum;
      }
    }
  }
}

/** g[c,iy,ix] = weight · e[c, iy/size, ix/size] inside the pooled area, 0 in dropped rows/columns. */
export function avgPoolBackward(layer: AvgPoolLayer, e: Float64Array, g: Float64Array): void {
  const { size, weight } = layer;
  const [, inH, inW] = layer.inShape;
  const [outC, outH, outW] = layer.outShape;
  g.fill(0);
  for (let c = 0; c < outC; c++) {
    for (let oy = 0; oy < outH; oy++) {
      for (let ox = 0; ox < outW; ox++) {
        const v = weight * e[(c * outH + oy) * outW + ox];
        if (v === 0) continue;
        for (let dy = 0; dy < size; dy++) {
          const row = (c * inH + oy * size + dy) * inW + ox * size;
          for (let dx = 0; dx < size; dx++) g[row + dx] = v;
        }
      }
    }
  }
}
