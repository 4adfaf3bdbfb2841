/**
 * The input window of every output position of a convolution or a pooling layer, resolved once: the
 * input positions (y·W + x) it reads and, for a convolution, the kernel tap (ky·k + kx) of each.
 * Padding taps are left out. Error spikes travel down these windows, and increments are taken over them.
 */
import type { AvgPoolLayer, Conv2dLayer } from '../../network/topology.js';

export interface Windows {
  /** Output position p's entries are start[p] .. start[p + 1]. */
  start: Int32Array;
  /** Input position of each entry. */
  input: Int32Array;
  /** Kernel tap of each entry (pooling: 0). */
  tap: Int32Array;
}

export function convWindows(layer: Conv2dLayer): Windows {
  const [, inH, inW] = layer.inShape;
  const [, outH, outW] = layer.outShape;
  const { kernel: k, stride: s, padding: p } = layer;
  const start = new Int32Array(outH * outW + 1);
  const input: number[] = [];
  const tap: number[] = [];
  for (let oy = 0; oy < outH; oy++) {
    for (let ox = 0; ox < outW; ox++) {
      for (let ky = 0; ky < k; ky++) {
        const iy = oy * s - p + ky;
        if (iy < 0 || iy >= inH) continue;
        for (let kx = 0; kx < k; kx++) {
          const ix = ox * s - p + kx;
          if (ix < 0 || ix >= inW) continue;
          input.push(iy * inW + ix);
          tap.push(ky * k + kx);
        }
      }
      start[oy * outW + ox + 1] = input.length;
    }
  }
  return { start, input: Int32Array.from(input), tap: Int32Array.from(tap) };
}

export function poolWindows(layer: AvgPoolLayer): Windows {
  const [, , inW] = layer.inShape;
  const [, outH, outW] = layer.outShape;
  const s = layer.size;
  const start = new Int32Array(outH * outW + 1);
  const input: number[] = [];
  for (let oy = 0; oy < outH; oy++) {
    for (let ox = 0; ox < outW; ox++) {
      for (let dy = 0; dy < s; dy++) for (let dx = 0; dx < s; dx++) input.push((oy * s + dy) * inW + ox * s + dx);
      start[oy * outW + ox + 1] = input.length;
    }
  }
  return { start, input: Int32Array.from(input), tap: new Int32Array(input.length) };
}
