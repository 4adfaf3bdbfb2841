/**
 * Training kernels for the TensorFlow.js wasm backend. It lacks Conv2DBackpropFilter (here it visits only
 * the non-zero errors where that is exact and pays, sparseFilterGradient.ts), and its matMul
 * with transposed operands and its Conv2DBackpropInput are several times slower than a transpose or a
 * plain convolution (measured: 5–10× and ≈ 45 % of a step), and its gather is slow. Where spike
 * counts and integer errors are mostly zero, the first layer's forward convolution and the bias
 * gradients visit only the non-zero values (the same bits where the mirror is exact). Each is rewritten here with the backend's own fast
 * kernels. Kernels of spikegrad's own: SpikegradSparseRowProduct (sparseRowProduct.ts) forms a dense
 * layer's E·W from its non-zero errors, and the roundings of roundingKernels.ts each replace a chain of ops. Register before the backend is initialised, so that the
 * original setup functions still run.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import { ROUNDING_KERNELS } from './roundingKernels.js';
import { nonZeroRows, scatterWindows, type WindowGeometry } from './im2col.js';
import { SPARSE_BELOW_CHANNELS, sparseConvForward, sparseEnough } from './sparseConvForward.js';
import { sparseChannelSums } from './sparseChannelSums.js';
import { sparseFilterGradient } from './sparseFilterGradient.js';
import { sparseInputGradient } from './sparseInputGradient.js';
import { SPARSE_ROW_PRODUCT, sparseRowProduct } from './sparseRowProduct.js';

const BACKEND = 'wasm';
type ExplicitPadding = [[number, number], [number, number], [number, number], [number, number]];

interface Backend {
  disposeData(dataId: object): void;
  makeOutput(shape: number[], dtype: 'float32'): TensorInfo;
  /** A view on the wasm heap (Float32Array for float32, Int32Array for int32): invalid after the next allocation (the heap may grow). */
  typedArrayFromHeap(info: TensorInfo): Float32Array;
}

interface Call {
  backend: Backend;
  run(kernel: string, inputs: Record<string, TensorInfo>, attrs: NamedAttrMap): TensorInfo;
  dispose(...infos: TensorInfo[]): void;
}

function callerFor(backend: Backend): Call {
  return {
    backend,
    run(kernel, inputs, attrs) {
      const config = tf.getKernel(kernel, BACKEND);
      if (config === undefined) throw new Error(`wasm backend has no ${kernel} kernel`);
      return config.kernelFunc({ inputs, attrs, backend: backend as never }) as TensorInfo;
    },
    dispose(...infos) {
      for (const info of infos) backend.disposeData(info.dataId);
    },
  };
}

/** Padding of an NHWC convolution as explicit [top, bottom] and [left, right] pairs. */
function explicitPadding(
  pad: unknown,
  inSize: readonly [number, number],
  kernel: readonly [number, number],
  strides: readonly [number, number],
): { top: number; bottom: number; left: number; right: number } {
  if (pad === 'valid') return { top: 0, bottom: 0, left: 0, right: 0 };
  if (typeof pad === 'number') return { top: pad, bottom: pad, left: pad, right: pad };
  if (Array.isArray(pad)) {
    const p = pad as ExplicitPadding;
    return { top: p[1][0], bottom: p[1][1], left: p[2][0], right: p[2][1] };
  }
  if (pad === 'same') {
    const total = (i: 0 | 1): number => Math.max((Math.ceil(inSize[i] / strides[i]) - 1) * strides[i] + kernel[i] - inSize[i], 0);
    const h = total(0);
    const w = total(1);
    return { top: Math.floor(h / 2), bottom: h - Math.floor(h / 2), left: Math.floor(w / 2), right: w - Math.floor(w / 2) };
  }
  throw new Error(`unsupported convolution padding ${String(pad)}`);
}

/** Beyond this share of rows with an error, the product over all of them is as fast. */
const COMPACT_BELOW = 0.6;
const MIN_COMPACT_ROWS = 8;
let keptRows = new Int32Array(0);
function rowBuffer(size: number): Int32Array {
  if (keptRows.length < size) keptRows = new Int32Array(size);
  return keptRows;
}

/** Positions of the non-zero errors, allocated once (enough for the sparse path's share of the largest error tensor). */
let nonZero = new Int32Array(0);
function nonZeroBuffer(size: number): Int32Array {
  const wanted = Math.ceil(size / 8);
  if (nonZero.length < wanted) nonZero = new Int32Array(wanted);
  return nonZero;
}

const pair = (v: unknown): [number, number] => (typeof v === 'number' ? [v, v] : (v as [number, number]));

/**
 * dW[ky,kx,ci,co] = Σ_{b,oy,ox} x[b, oy·s+ky−top, ox·s+kx−left, ci] · dy[b,oy,ox,co]: a convolution of
 * x with batch and channels swapped by dy used as the filter, its stride becoming a dilation.
 */
const conv2dBackpropFilter: KernelFunc = ({ inputs, backend, attrs }) => {
  const call = callerFor(backend as unknown as Backend);
  const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
  const { strides, pad, filterShape, dataFormat, dilations } = attrs as unknown as {
    strides: number | [number, number]; pad: unknown; filterShape: [number, number, number, number]; dataFormat?: string; dilations?: number | [number, number];
  };
  if (dataFormat !== undefined && dataFormat !== 'NHWC') throw new Error(`Conv2DBackpropFilter on wasm: only NHWC, found ${dataFormat}`);
  const [dilY, dilX] = pair(dilations ?? 1);
  if (dilY !== 1 || dilX !== 1) throw new Error('Conv2DBackpropFilter on wasm: dilated convolutions are not supported');
  const s = pair(strides);
  const [kh, kw] = filterShape;
  const p = explicitPadding(pad, [x.shape[1], x.shape[2]], [kh, kw], s);
  const [batch, height, width, inChannels] = x.shape as [number, number, number, number];
  const [, outHeight, outWidth, outChannels] = dy.shape as [number, number, number, number];
  const sparse = sparseFilterGradient(call.backend.typedArrayFromHeap(x), call.backend.typedArrayFromHeap(dy), {
    batch, height, width, inChannels, outHeight, outWidth, outChannels, kernelHeight: kh, kernelWidth: kw, strideY: s[0], strideX: s[1], padTop: p.top, padLeft: p.left,
  }, nonZeroBuffer(dy.shape.reduce((a, d) => a * d, 1)));
  if (sparse) {
    const out = call.backend.makeOutput([...filterShape], 'float32');
    call.backend.typedArrayFromHeap(out).set(sparse);
    return out;
  }
  const xT = call.run('Transpose', { x }, { perm: [3, 1, 2, 0] });
  const dyT = call.run('Transpose', { x: dy }, { perm: [1, 2, 0, 3] });
  const padding: ExplicitPadding = [[0, 0], [p.top, p.bottom], [p.left, p.right], [0, 0]];
  const full = call.run('Conv2D', { x: xT, filter: dyT }, { strides: [1, 1], pad: padding, dataFormat: 'NHWC', dilations: s, dimRoundingMode: undefined as never });
  let grad = full;
  if (full.shape[1] !== kh || full.shape[2] !== kw) {
    grad = call.run('Slice', { x: full }, { begin: [0, 0, 0, 0], size: [full.shape[0], kh, kw, full.shape[3]] });
    call.dispose(full);
  }
  const out = call.run('Transpose', { x: grad }, { perm: [1, 2, 0, 3] });
  call.dispose(xT, dyT, grad);
  return out;
};

function geometry(x: readonly number[], dy: readonly number[], filter: readonly number[], p: { top: number; left: number }): WindowGeometry {
  return {
    batch: x[0], height: x[1], width: x[2], channels: x[3], kernelHeight: filter[0], kernelWidth: filter[1],
    outHeight: dy[1], outWidth: dy[2], padTop: p.top, padLeft: p.left,
  };
}

/**
 * For stride 1: the images whose errors are all integers (the spike gradient's) from their non-zero
 * errors (sparseInputGradient.ts); any other image's from the columns dy·Wᵀ (one matrix product)
 * scattered back onto the input windows. Other strides fall back to the backend's own kernel.
 */
function conv2dBackpropInput(native: KernelFunc): KernelFunc {
  return (args) => {
    const { inputs, backend, attrs } = args;
    const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
    const { strides, pad, inputShape, dataFormat, dimRoundingMode } = attrs as unknown as {
      strides: number | [number, number]; pad: unknown; inputShape: [number, number, number, number]; dataFormat?: string; dimRoundingMode?: string;
    };
    const s = pair(strides);
    if (s[0] !== 1 || s[1] !== 1 || (dataFormat !== undefined && dataFormat !== 'NHWC') || dimRoundingMode !== undefined) return native(args);
    const heap = backend as unknown as Backend;
    const [kh, kw, ci, co] = filter.shape as [number, number, number, number];
    const p = explicitPadding(pad, [inputShape[1], inputShape[2]], [kh, kw], s);
    const dx = heap.makeOutput([...inputShape], 'float32');
    const written = sparseInputGradient(heap.typedArrayFromHeap(dy), heap.typedArrayFromHeap(filter), {
      batch: inputShape[0], height: inputShape[1], width: inputShape[2], inChannels: ci, outHeight: dy.shape[1], outWidth: dy.shape[2], outChannels: co, kernelHeight: kh, kernelWidth: kw, padTop: p.top, padLeft: p.left,
    }, heap.typedArrayFromHeap(dx));
    if (written.every((w) => w === 1)) return dx;
    // Some image's errors are not all integers: the product for the batch, then the images written
    // above copied over it (each image's values depend on its own errors alone).
    const full = inputGradientByProduct(callerFor(heap), dy, filter, inputShape, p);
    const [target, source] = [heap.typedArrayFromHeap(full), heap.typedArrayFromHeap(dx)];
    const perImage = inputShape[1] * inputShape[2] * ci;
    written.forEach((w, b) => {
      if (w === 1) target.set(source.subarray(b * perImage, (b + 1) * perImage), b * perImage);
    });
    heap.disposeData(dx.dataId);
    return full;
  };
}

/** A stride-1 input gradient as the columns dy·Wᵀ (one matrix product) scattered back onto the input windows. */
function inputGradientByProduct(call: Call, dy: TensorInfo, filter: TensorInfo, inputShape: [number, number, number, number], p: { top: number; left: number }): TensorInfo {
  const [kh, kw, ci, co] = filter.shape as [number, number, number, number];
  const g = geometry(inputShape, dy.shape, filter.shape, p);
  const rows = g.batch * g.outHeight * g.outWidth;
  // Output positions with no error at all add nothing: the product goes over the others only. Each
  // row of a matrix product is computed on its own, so their columns are the same bits either way.
  const kept = rowBuffer(rows);
  const count = nonZeroRows(call.backend.typedArrayFromHeap(dy), co, kept, Math.floor(COMPACT_BELOW * rows));
  // A handful of rows would take the product's one-row path: the full product then.
  if (count === 0 || count >= MIN_COMPACT_ROWS) {
    const dx = call.backend.makeOutput([...inputShape], 'float32');
    if (count === 0) {
      call.backend.typedArrayFromHeap(dx).fill(0);
      return dx;
    }
    const compact = call.backend.makeOutput([count, co], 'float32');
    const [source, target] = [call.backend.typedArrayFromHeap(dy), call.backend.typedArrayFromHeap(compact)];
    for (let j = 0; j < count; j++) target.set(source.subarray(kept[j] * co, (kept[j] + 1) * co), j * co);
    // The same plain product the full one comes to (batchMatMul below: the filter transposed first).
    const filterFlat = call.run('Reshape', { x: filter }, { shape: [kh * kw * ci, co] });
    const filterT = call.run('Transpose', { x: filterFlat }, { perm: [1, 0] });
    const cols = call.run('BatchMatMul', { a: compact, b: filterT }, { transposeA: false, transposeB: false });
    scatterWindows(call.backend.typedArrayFromHeap(cols), g, call.backend.typedArrayFromHeap(dx), kept, count);
    call.dispose(compact, filterFlat, filterT, cols);
    return dx;
  }
  // cols[n][(ky·KW + kx)·C + c] = Σ_co dy[n][co]·W[ky,kx,c,co], then scattered onto the windows.
  const dyFlat = call.run('Reshape', { x: dy }, { shape: [rows, co] });
  const filterFlat = call.run('Reshape', { x: filter }, { shape: [kh * kw * ci, co] });
  const cols = call.run('BatchMatMul', { a: dyFlat, b: filterFlat }, { transposeA: false, transposeB: true });
  const dx = call.backend.makeOutput([...inputShape], 'float32');
  scatterWindows(call.backend.typedArrayFromHeap(cols), g, call.backend.typedArrayFromHeap(dx));
  call.dispose(dyFlat, filterFlat, cols);
  return dx;
}

/**
 * The forward convolution (bias, linear or relu) of a mostly zero input with few channels from its
 * non-zero inputs (sparseConvForward.ts); the same bits wherever the mirror is exact. Other inputs,
 * activations, dilations and layouts go to the backend's own kernel.
 */
function fusedConv2d(native: KernelFunc): KernelFunc {
  return (args) => {
    const { inputs, backend, attrs } = args;
    const { x, filter, bias, preluActivationWeights } = inputs as { x: TensorInfo; filter: TensorInfo; bias?: TensorInfo; preluActivationWeights?: TensorInfo };
    const { strides, pad, dataFormat, dilations, dimRoundingMode, activation } = attrs as unknown as {
      strides: number | [number, number]; pad: unknown; dataFormat?: string; dilations?: number | [number, number]; dimRoundingMode?: string; activation?: string;
    };
    const [sy, sx] = pair(strides);
    const [dy, dx] = pair(dilations ?? 1);
    const plain = (activation === undefined || activation === 'linear' || activation === 'relu') && preluActivationWeights === undefined;
    const few = x.shape.length === 4 && x.shape[3] < SPARSE_BELOW_CHANNELS;
    if (!few || !plain || sy !== sx || dy !== 1 || dx !== 1 || (dataFormat !== undefined && dataFormat !== 'NHWC') || dimRoundingMode !== undefined || x.dtype !== 'float32') return native(args);
    const heap = backend as unknown as Backend;
    if (!sparseEnough(heap.typedArrayFromHeap(x))) return native(args);
    const [batch, height, width, inChannels] = x.shape as [number, number, number, number];
    const [kernelHeight, kernelWidth, , outChannels] = filter.shape as [number, number, number, number];
    const p = explicitPadding(pad, [height, width], [kernelHeight, kernelWidth], [sy, sx]);
    const outHeight = Math.floor((height + p.top + p.bottom - kernelHeight) / sy) + 1;
    const outWidth = Math.floor((width + p.left + p.right - kernelWidth) / sx) + 1;
    const out = heap.makeOutput([batch, outHeight, outWidth, outChannels], 'float32');
    // Views on the wasm heap are taken after the output exists: making it may grow the heap.
    sparseConvForward(heap.typedArrayFromHeap(x), heap.typedArrayFromHeap(filter), bias ? heap.typedArrayFromHeap(bias) : null,
      { batch, height, width, inChannels, outHeight, outWidth, outChannels, kernelHeight, kernelWidth, stride: sy, padTop: p.top, padLeft: p.left },
      activation === 'relu', heap.typedArrayFromHeap(out));
    return out;
  };
}

/**
 * matMul with transposed operands: transpose first (the wasm kernel's transposed paths are slow); when
 * the transposed operand is larger than the other operand and the product together (a weight matrix in
 * a backward pass), compute the transposed product instead, (a·bᵀ)ᵀ = b·aᵀ, transposing only those.
 */
function batchMatMul(native: KernelFunc): KernelFunc {
  return (args) => {
    const { inputs, backend, attrs } = args;
    const { a, b } = inputs as { a: TensorInfo; b: TensorInfo };
    const { transposeA, transposeB } = attrs as { transposeA: boolean; transposeB: boolean };
    if (!transposeA && !transposeB) return native(args);
    const call = callerFor(backend as unknown as Backend);
    const swapLast = (t: TensorInfo): TensorInfo => {
      const perm = t.shape.map((_, i) => i);
      [perm[perm.length - 2], perm[perm.length - 1]] = [perm[perm.length - 1], perm[perm.length - 2]];
      return call.run('Transpose', { x: t }, { perm });
    };
    const plain = (x: TensorInfo, y: TensorInfo) => native({ inputs: { a: x, b: y }, backend, attrs: { ...attrs, transposeA: false, transposeB: false } }) as TensorInfo;
    const size = (t: TensorInfo) => t.shape.reduce((p, d) => p * d, 1);
    const unbatched = (t: TensorInfo) => t.shape.slice(0, -2).every((d) => d === 1);
    if (transposeA !== transposeB && unbatched(a) && unbatched(b)) {
      const [big, small] = transposeB ? [b, a] : [a, b];
      const outSize = (transposeA ? a.shape[a.shape.length - 1] : a.shape[a.shape.length - 2]) * (transposeB ? b.shape[b.shape.length - 2] : b.shape[b.shape.length - 1]);
      if (size(small) + outSize < size(big)) {
        // a·bᵀ = (b·aᵀ)ᵀ and aᵀ·b = (bᵀ·a)ᵀ
        const smallT = swapLast(small);
        const product = transposeB ? plain(b, smallT) : plain(smallT, a);
        const out = swapLast(product);
        call.dispose(smallT, product);
        return out;
      }
    }
    const aT = transposeA ? swapLast(a) : a;
    const bT = transposeB ? swapLast(b) : b;
    const out = plain(aT, bT);
    if (transposeA) call.dispose(aT);
    if (transposeB) call.dispose(bT);
    return out;
  };
}

/**
 * gather along the first axis (the rows of a batch the sparse backward keeps): whole rows copied on
 * the heap; the wasm kernel computes every element's index and is slower than the backward it saves.
 */
function gatherRows(native: KernelFunc): KernelFunc {
  return (args) => {
    const { inputs, backend, attrs } = args;
    const { x, indices } = inputs as { x: TensorInfo; indices: TensorInfo };
    const { axis, batchDims } = attrs as { axis: number; batchDims: number };
    if (axis !== 0 || batchDims !== 0 || x.dtype !== 'float32' || indices.dtype !== 'int32' || indices.shape.length !== 1) return native(args);
    const heap = backend as unknown as Backend;
    const rowSize = x.shape.slice(1).reduce((p, d) => p * d, 1);
    const out = heap.makeOutput([indices.shape[0], ...x.shape.slice(1)], 'float32');
    const [source, rows, target] = [heap.typedArrayFromHeap(x), heap.typedArrayFromHeap(indices) as unknown as Int32Array, heap.typedArrayFromHeap(out)];
    rows.forEach((row, i) => {
      if (!(row >= 0 && row < x.shape[0])) throw new Error(`GatherV2: the index value ${row} is not in [0, ${x.shape[0] - 1}]`);
      target.set(source.subarray(row * rowSize, (row + 1) * rowSize), i * rowSize);
    });
    return out;
  };
}

/**
 * Σ over every axis but the last (the bias gradients) from the non-zero values (sparseChannelSums.ts)
 * where that is exact; any other sum, and those it cannot promise, to the backend's kernel.
 */
function sumLeadingAxes(native: KernelFunc): KernelFunc {
  return (args) => {
    const { inputs, backend, attrs } = args;
    const { x } = inputs as { x: TensorInfo };
    const { axis, keepDims } = attrs as { axis: number | number[]; keepDims: boolean };
    const rank = x.shape.length;
    const axes = (Array.isArray(axis) ? axis : [axis]).map((a) => (a < 0 ? a + rank : a)).sort((a, b) => a - b);
    const leading = rank >= 2 && axes.length === rank - 1 && axes.every((a, i) => a === i);
    if (!leading || keepDims || x.dtype !== 'float32') return native(args);
    const heap = backend as unknown as Backend;
    const channels = x.shape[rank - 1];
    const out = heap.makeOutput([channels], 'float32');
    if (sparseChannelSums(heap.typedArrayFromHeap(x), channels, heap.typedArrayFromHeap(out))) return out;
    heap.disposeData(out.dataId);
    return native(args);
  };
}

let rowSums = new Float64Array(0);
let rowPicks = new Int32Array(0);

/** a·b from a's non-zero entries (sparseRowProduct.ts) for 2-D float32 a [m, k] and b [k, n]. */
const sparseRowProductKernel: KernelFunc = ({ inputs, backend }) => {
  const heap = backend as unknown as Backend;
  const { a, b } = inputs as { a: TensorInfo; b: TensorInfo };
  if (a.shape.length !== 2 || b.shape.length !== 2 || a.shape[1] !== b.shape[0] || a.dtype !== 'float32' || b.dtype !== 'float32') {
    throw new Error(`${SPARSE_ROW_PRODUCT}: expected float32 matrices [m, k] and [k, n], found ${a.dtype} [${a.shape.join(', ')}] and ${b.dtype} [${b.shape.join(', ')}]`);
  }
  const [m, k] = a.shape;
  const n = b.shape[1];
  if (rowSums.length < n) rowSums = new Float64Array(n);
  if (rowPicks.length < k) rowPicks = new Int32Array(k);
  const out = heap.makeOutput([m, n], 'float32');
  sparseRowProduct(heap.typedArrayFromHeap(a), m, k, heap.typedArrayFromHeap(b), n, heap.typedArrayFromHeap(out), rowSums, rowPicks);
  return out;
};

function replace(kernelName: string, wrap: (native: KernelFunc) => KernelFunc): void {
  const original = tf.getKernel(kernelName, BACKEND);
  if (original === undefined) throw new Error(`wasm backend has no ${kernelName} kernel to replace`);
  tf.unregisterKernel(kernelName, BACKEND);
  tf.registerKernel({ ...original, kernelFunc: wrap(original.kernelFunc) } as KernelConfig);
}

let registered = false;

/** Idempotent; must run before `tf.setBackend('wasm')` initialises the backend. */
export function registerWasmTrainingKernels(): void {
  if (registered) return;
  registered = true;
  if (tf.getKernel('Conv2DBackpropFilter', BACKEND) === undefined) {
    tf.registerKernel({ kernelName: 'Conv2DBackpropFilter', backendName: BACKEND, kernelFunc: conv2dBackpropFilter });
  }
  replace('Conv2DBackpropInput', conv2dBackpropInput);
  replace('FusedConv2D', fusedConv2d);
  replace('Sum', sumLeadingAxes);
  replace('BatchMatMul', batchMatMul);
  replace('GatherV2', gatherRows);
  if (tf.getKernel(SPARSE_ROW_PRODUCT, BACKEND) === undefined) tf.registerKernel({ kernelName: SPARSE_ROW_PRODUCT, backendName: BACKEND, kernelFunc: sparseRowProductKernel });
  for (const { kernelName, kernelFunc } of ROUNDING_KERNELS) {
    if (tf.getKernel(kernelName, BACKEND) === undefined) tf.registerKernel({ kernelName, backendName: BACKEND, kernelFunc });
  }
}
