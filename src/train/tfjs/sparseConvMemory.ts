/**
 * This thread's instance of the sparse convolution loops (wasm/sparseConv.wat) and the memory they
 * work in, grown as a call needs: callers copy their operands in, run a loop, and copy the result out.
 */
import { SPARSE_CONV_WASM_BASE64 } from './wasm/sparseConvBinary.js';

export interface SparseConvLoops {
  convScatter(
    inAt: number, wAt: number, biasAt: number, outAt: number, batch: number, height: number, width: number, inChannels: number,
    outHeight: number, outWidth: number, outChannels: number, chunks: number, kernelHeight: number, kernelWidth: number, stride: number, padTop: number, padLeft: number,
  ): void;
  relu(at: number, count: number): void;
  largestInteger(at: number, count: number): number;
  addRuns(jobAt: number, jobs: number, xAt: number, sumsAt: number): void;
  transpose(from: number, to: number, rows: number, taps: number): void;
  channelSums(at: number, count: number, channels: number, sumsAt: number): number;
}

const PAGE = 65536;

let memory: WebAssembly.Memory | null = null;
let loops: SparseConvLoops | null = null;

/** Byte offsets of consecutive regions of these byte lengths, each on a 64-byte boundary, and their end. */
export function regions(byteLengths: readonly number[]): { at: number[]; end: number } {
  const at: number[] = [];
  let end = 0;
  for (const bytes of byteLengths) {
    at.push(end);
    end += Math.ceil(bytes / 64) * 64;
  }
  return { at, end };
}

/** The loops, with at least `bytes` of memory; views on `buffer` taken before a later call may be stale. */
export function sparseConvMemory(bytes: number): { loops: SparseConvLoops; buffer: ArrayBuffer } {
  if (memory === null || loops === null) {
    memory = new WebAssembly.Memory({ initial: Math.max(1, Math.ceil(bytes / PAGE)) });
    const module = new WebAssembly.Module(Buffer.from(SPARSE_CONV_WASM_BASE64, 'base64'));
    loops = new WebAssembly.Instance(module, { conv: { memory } }).exports as unknown as SparseConvLoops;
  } else if (memory.buffer.byteLength < bytes) {
    memory.grow(Math.ceil((bytes - memory.buffer.byteLength) / PAGE));
  }
  return { loops, buffer: memory.buffer };
}
