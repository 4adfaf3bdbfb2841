/**
 * The mirror's roundings as single wasm kernels (wasm/spikeRounding.wat), each replacing a chain of
 * two to nine backend ops of spikeOps.ts with the same float32 operations in the same order: spike
 * counts (with a sum pool's scaling), a rounded and relu-gated error, and a sum pool's gradient.
 * The loops run on the backend's own heap (this thread's instance imports its memory), so a kernel
 * costs one launch and one pass. spikeOps.ts uses them where a backend registers them
 * (wasmTrainingKernels.ts), and the op chains elsewhere; tests compare the two bit for bit.
 */
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { SPIKE_ROUNDING_WASM_BASE64 } from './wasm/spikeRoundingBinary.js';

export const SPIKE_COUNTS = 'SpikegradSpikeCounts';
export const ROUNDED_ERROR = 'SpikegradRoundedError';
export const SPREAD_POOL = 'SpikegradSpreadPool';

export interface SpikeCountsAttrs {
  /** s = x·multiplier·weight/divisor, each a float32 operation (1 where the chain has none). */
  multiplier: number;
  weight: number;
  divisor: number;
  /** floor(s + 1/2), for s ≥ 0 (relu layers); otherwise roundHalfAway(s). */
  nonNegative: boolean;
}

export interface RoundedErrorAttrs {
  scale: number;
}

export interface SpreadPoolAttrs {
  size: number;
  factor: number;
  inHeight: number;
  inWidth: number;
}

interface RoundingLoops {
  spikeCounts(x: number, out: number, count: number, m1: number, m2: number, d: number, halfAway: number): void;
  roundedError(g: number, gate: number, out: number, count: number, scale: number, gated: number): void;
  spreadPool(g: number, out: number, batch: number, outHeight: number, outWidth: number, channels: number, size: number, inHeight: number, inWidth: number, factor: number): void;
}

interface HeapBackend {
  makeOutput(shape: number[], dtype: 'float32'): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): Float32Array;
  wasm: { asm?: { memory?: unknown } };
}

let bound: { memory: WebAssembly.Memory; loops: RoundingLoops } | null = null;

/** The loops on this backend's heap (one backend per thread: instantiated once). */
function loopsOn(backend: HeapBackend): RoundingLoops {
  const memory = backend.wasm.asm?.memory;
  if (!(memory instanceof WebAssembly.Memory)) throw new Error('the wasm backend does not expose its memory (wasm.asm.memory): the rounding kernels need it');
  if (bound?.memory !== memory) {
    const module = new WebAssembly.Module(Buffer.from(SPIKE_ROUNDING_WASM_BASE64, 'base64'));
    bound = { memory, loops: new WebAssembly.Instance(module, { tfjs: { memory } }).exports as unknown as RoundingLoops };
  }
  return bound.loops;
}

const float32 = (name: string, ...infos: TensorInfo[]) => {
  for (const t of infos) if (t.dtype !== 'float32') throw new Error(`${name}: expected float32 tensors, found ${t.dtype}`);
};
const sizeOf = (t: TensorInfo) => t.shape.reduce((a, d) => a * d, 1);
/** A tensor's byte offset on the heap; views are taken after every output exists (making one may grow the heap). */
const at = (backend: HeapBackend, t: TensorInfo) => backend.typedArrayFromHeap(t).byteOffset;

const spikeCounts: KernelFunc = ({ inputs, backend, attrs }) => {
  const heap = backend as unknown as HeapBackend;
  const { x } = inputs as { x: TensorInfo };
  const { multiplier, weight, divisor, nonNegative } = attrs as unknown as SpikeCountsAttrs;
  float32(SPIKE_COUNTS, x);
  const out = heap.makeOutput([...x.shape], 'float32');
  if (sizeOf(x) === 0) return out;
  loopsOn(heap).spikeCounts(at(heap, x), at(heap, out), sizeOf(x), multiplier, weight, divisor, nonNegative ? 0 : 1);
  return out;
};

const roundedError: KernelFunc = ({ inputs, backend, attrs }) => {
  const heap = backend as unknown as HeapBackend;
  const { g, gate } = inputs as { g: TensorInfo; gate?: TensorInfo };
  const { scale } = attrs as unknown as RoundedErrorAttrs;
  float32(ROUNDED_ERROR, g, ...(gate ? [gate] : []));
  if (gate && sizeOf(gate) !== sizeOf(g)) throw new Error(`${ROUNDED_ERROR}: the gate has ${sizeOf(gate)} values, the error ${sizeOf(g)}`);
  const out = heap.makeOutput([...g.shape], 'float32');
  if (sizeOf(g) === 0) return out;
  loopsOn(heap).roundedError(at(heap, g), gate ? at(heap, gate) : 0, at(heap, out), sizeOf(g), scale, gate ? 1 : 0);
  return out;
};

const spreadPool: KernelFunc = ({ inputs, backend, attrs }) => {
  const heap = backend as unknown as HeapBackend;
  const { g } = inputs as { g: TensorInfo };
  const { size, factor, inHeight, inWidth } = attrs as unknown as SpreadPoolAttrs;
  float32(SPREAD_POOL, g);
  if (g.shape.length !== 4) throw new Error(`${SPREAD_POOL}: expected an NHWC gradient, found shape [${g.shape.join(', ')}]`);
  const [batch, outHeight, outWidth, channels] = g.shape;
  if (outHeight * size > inHeight || outWidth * size > inWidth) throw new Error(`${SPREAD_POOL}: ${outHeight}×${outWidth} windows of ${size} do not fit ${inHeight}×${inWidth}`);
  const out = heap.makeOutput([batch, inHeight, inWidth, channels], 'float32');
  if (batch * inHeight * inWidth * channels === 0) return out;
  loopsOn(heap).spreadPool(at(heap, g), at(heap, out), batch, outHeight, outWidth, channels, size, inHeight, inWidth, factor);
  return out;
};

/** The kernels, for the wasm backend to register. */
export const ROUNDING_KERNELS: { kernelName: string; kernelFunc: KernelFunc }[] = [
  { kernelName: SPIKE_COUNTS, kernelFunc: spikeCounts },
  { kernelName: ROUNDED_ERROR, kernelFunc: roundedError },
  { kernelName: SPREAD_POOL, kernelFunc: spreadPool },
];
