/**
 * A memory of fixed size for one layer's rows and compartments, with the loops of rows.wat bound to
 * it. Arrays are carved out once and the memory never grows, so their views stay valid. One per
 * rows object: the shards of a layer, and the layers, never share one.
 */
import { ROWS_WASM_BASE64 } from './rowsBinary.js';

export interface RowLoops {
  row(wa: number, va: number, count: number, lfDelta: number, vPtr: number, crossPtr: number, x: number, theta: number): number;
  conv(runBegin: number, runEnd: number, runAtPtr: number, runTapPtr: number, runLengthPtr: number, wBase: number, tapBytes: number, vPtr: number, lfDelta: number, crossPtr: number, n: number, planeBytes: number, x: number, theta: number): number;
  convLast(rBegin: number, rEnd: number, atPtr: number, tapPtr: number, wBase: number, n: number, vPtr: number, lfDelta: number, crossPtr: number, x: number, theta: number): number;
  /** convLast on int32 compartments and weights (x and θ int32). */
  convLast32(rBegin: number, rEnd: number, atPtr: number, tapPtr: number, wBase: number, n: number, vPtr: number, lfDelta: number, crossPtr: number, x: number, theta: number): number;
}

const PAGE = 65536;
/** Addresses stay below 2^31 so that signed and unsigned comparisons of them agree. */
const MAX_BYTES = 2 ** 31 - PAGE;

let compiled: WebAssembly.Module | null = null;

function rowsModule(): WebAssembly.Module {
  compiled ??= new WebAssembly.Module(Buffer.from(ROWS_WASM_BASE64, 'base64'));
  return compiled;
}

export class RowMemory {
  readonly loops: RowLoops;
  private readonly buffer: ArrayBuffer;
  private used = 0;

  private constructor(bytes: number) {
    const memory = new WebAssembly.Memory({ initial: Math.max(1, Math.ceil(bytes / PAGE)) });
    const instance = new WebAssembly.Instance(rowsModule(), { rows: { memory } });
    this.loops = instance.exports as unknown as RowLoops;
    this.buffer = memory.buffer;
  }

  /** A memory for arrays of these byte lengths (each rounded up to 8), or null where they would not fit. */
  static forArrays(byteLengths: readonly number[]): RowMemory | null {
    const total = byteLengths.reduce((t, n) => t + align(n), 0);
    return total > MAX_BYTES ? null : new RowMemory(total);
  }

  float64(length: number): Float64Array {
    return new Float64Array(this.buffer, this.take(length * 8), length);
  }

  int32(length: number): Int32Array {
    return new Int32Array(this.buffer, this.take(length * 4), length);
  }

  private take(bytes: number): number {
    const at = this.used;
    this.used += align(bytes);
    if (this.used > this.buffer.byteLength) throw new Error(`row memory: ${this.used} bytes asked of ${this.buffer.byteLength}`);
    return at;
  }
}

function align(bytes: number): number {
  return Math.ceil(bytes / 8) * 8;
}
