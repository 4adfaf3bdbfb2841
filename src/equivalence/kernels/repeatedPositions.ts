/**
 * The forward kernel on maps whose rows and columns repeat (the range guard's worst case: a uniform
 * input through padded convolutions and pooling). Outputs whose windows read rows of identical
 * content and columns of identical content are identical, so each such class of output positions is
 * computed once, by the same conv2d kernel on a gathered input (one window per class, stride = kernel),
 * in the same order of summation: the same values, bit for bit, at a fraction of the work.
 */
import type { Conv2dLayer, NeuronLayer, Shape3 } from '../../network/topology.js';
import { conv2dForward } from './conv2d.js';
import { layerForward } from './index.js';

/**
 * Per row (axis 'rows') or column (axis 'columns') of map x, the id of its content: equal ids, equal
 * values in every channel.
 */
export function contentIds(x: Float64Array, [C, H, W]: Shape3, axis: 'rows' | 'columns'): Int32Array {
  const n = axis === 'rows' ? H : W;
  const along = axis === 'rows' ? W : H;
  const at = axis === 'rows' ? (c: number, i: number, j: number) => (c * H + i) * W + j : (c: number, i: number, j: number) => (c * H + j) * W + i;
  const ids = new Int32Array(n);
  const representatives: number[] = [];
  const same = (p: number, q: number): boolean => {
    for (let c = 0; c < C; c++) for (let j = 0; j < along; j++) if (x[at(c, p, j)] !== x[at(c, q, j)]) return false;
    return true;
  };
  for (let i = 0; i < n; i++) {
    // Neighbours repeat most often: try the previous row's class first.
    let id = i > 0 && same(i, i - 1) ? ids[i - 1] : -1;
    for (let r = 0; id < 0 && r < representatives.length; r++) if (same(i, representatives[r])) id = r;
    if (id < 0) {
      representatives.push(i);
      id = representatives.length - 1;
    }
    ids[i] = id;
  }
  return ids;
}

/** Output positions along one axis grouped by the content ids their window reads (−1: padding). */
function windowClasses(ids: Int32Array, size: number, outSize: number, k: number, s: number, p: number): { classOf: Int32Array; first: number[] } {
  const classOf = new Int32Array(outSize);
  const first: number[] = [];
  const seen = new Map<string, number>();
  for (let o = 0; o < outSize; o++) {
    const key: number[] = [];
    for (let t = 0; t < k; t++) {
      const i = o * s - p + t;
      key.push(i < 0 || i >= size ? -1 : ids[i]);
    }
    const name = key.join(',');
    let cls = seen.get(name);
    if (cls === undefined) {
      cls = first.length;
      seen.set(name, cls);
      first.push(o);
    }
    classOf[o] = cls;
  }
  return { classOf, first };
}

/** a = conv2dForward(layer, x), computed once per class of identical output positions. */
export function conv2dForwardRepeated(layer: Conv2dLayer, x: Float64Array, a: Float64Array): void {
  const { kernel: k, stride: s, padding: p } = layer;
  const [C, H, W] = layer.inShape;
  const [O, outH, outW] = layer.outShape;
  const rows = windowClasses(contentIds(x, layer.inShape, 'rows'), H, outH, k, s, p);
  const cols = windowClasses(contentIds(x, layer.inShape, 'columns'), W, outW, k, s, p);
  const R = rows.first.length, Q = cols.first.length;
  // Gathering copies 1/O of the products it saves; nothing to save where no position repeats.
  if (R * Q === outH * outW) return conv2dForward(layer, x, a);
  const gH = R * k, gW = Q * k;
  const gathered = new Float64Array(C * gH * gW);
  for (let c = 0; c < C; c++) {
    for (let r = 0; r < R; r++) {
      for (let ky = 0; ky < k; ky++) {
        const iy = rows.first[r] * s - p + ky;
        if (iy < 0 || iy >= H) continue;
        for (let q = 0; q < Q; q++) {
          for (let kx = 0; kx < k; kx++) {
            const ix = cols.first[q] * s - p + kx;
            if (ix >= 0 && ix < W) gathered[(c * gH + r * k + ky) * gW + q * k + kx] = x[(c * H + iy) * W + ix];
          }
        }
      }
    }
  }
  const once = new Float64Array(O * R * Q);
  conv2dForward({ ...layer, inShape: [C, gH, gW], outShape: [O, R, Q], stride: k, padding: 0 }, gathered, once);
  for (let o = 0; o < O; o++) {
    for (let oy = 0; oy < outH; oy++) {
      const from = (o * R + rows.classOf[oy]) * Q;
      const to = (o * outH + oy) * outW;
      for (let ox = 0; ox < outW; ox++) a[to + ox] = once[from + cols.classOf[ox]];
    }
  }
}

/** layerForward, with convolutions computed once per class of identical output positions. */
export function layerForwardRepeated(layer: NeuronLayer, x: Float64Array, a: Float64Array): void {
  if (layer.kind === 'conv2d') conv2dForwardRepeated(layer, x, a);
  else layerForward(layer, x, a);
}
