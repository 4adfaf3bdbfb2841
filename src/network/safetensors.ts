/**
 * The safetensors container (8-byte little-endian header length, JSON header, raw little-endian data):
 * integer dtypes for models, F64 for optimizer state in checkpoints. Decoding checks every offset and
 * size so a corrupt file is refused.
 */
import { createHash } from 'node:crypto';
import { InputError, inFile } from '../errors.js';

export type IntDtype = 'I8' | 'I16' | 'I32' | 'I64' | 'U8' | 'U16' | 'U32' | 'F64';

const DTYPE_BYTES: Record<IntDtype, number> = { I8: 1, I16: 2, I32: 4, I64: 8, U8: 1, U16: 2, U32: 4, F64: 8 };

export interface Tensor {
  dtype: IntDtype;
  shape: number[];
  /** Values as exact integers. */
  data: Float64Array;
}

export interface SafetensorsFile {
  tensors: Map<string, Tensor>;
  metadata: Record<string, string>;
}

const product = (shape: readonly number[]): number => shape.reduce((p, d) => p * d, 1);

/** The smallest of I32 / I64 that holds every value. */
export function fittingDtype(data: Float64Array): IntDtype {
  for (const v of data) if (v < -2147483648 || v > 2147483647) return 'I64';
  return 'I32';
}

function writeValues(view: DataView, offset: number, dtype: IntDtype, data: Float64Array): void {
  const size = DTYPE_BYTES[dtype];
  for (let i = 0; i < data.length; i++) {
    const at = offset + i * size;
    const v = data[i];
    switch (dtype) {
      case 'I8': view.setInt8(at, v); break;
      case 'I16': view.setInt16(at, v, true); break;
      case 'I32': view.setInt32(at, v, true); break;
      case 'I64': view.setBigInt64(at, BigInt(v), true); break;
      case 'U8': view.setUint8(at, v); break;
      case 'U16': view.setUint16(at, v, true); break;
      case 'U32': view.setUint32(at, v, true); break;
      case 'F64': view.setFloat64(at, v, true); break;
    }
  }
}

function readValues(view: DataView, offset: number, dtype: IntDtype, count: number, name: string, file?: string): Float64Array {
  const out = new Float64Array(count);
  const size = DTYPE_BYTES[dtype];
  for (let i = 0; i < count; i++) {
    const at = offset + i * size;
    switch (dtype) {
      case 'I8': out[i] = view.getInt8(at); break;
      case 'I16': out[i] = view.getInt16(at, true); break;
      case 'I32': out[i] = view.getInt32(at, true); break;
      case 'I64': {
        const big = view.getBigInt64(at, true);
        if (big > BigInt(Number.MAX_SAFE_INTEGER) || big < -BigInt(Number.MAX_SAFE_INTEGER)) {
          throw new InputError(inFile(file, `tensor "${name}"[${i}]: ${big} is outside the exact integer range ±(2^53 − 1)`));
        }
        out[i] = Number(big);
        break;
      }
      case 'U8': out[i] = view.getUint8(at); break;
      case 'U16': out[i] = view.getUint16(at, true); break;
      case 'U32': out[i] = view.getUint32(at, true); break;
      case 'F64': out[i] = view.getFloat64(at, true); break;
    }
  }
  return out;
}

/** The checksum every file spikegrad writes carries in `__metadata__`: SHA-256 of the data section. */
export const CHECKSUM_KEY = 'sha256';

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** Encode tensors (in the given order) and string metadata, with the data's checksum. */
export function encodeSafetensors(tensors: ReadonlyMap<string, Tensor>, metadata: Record<string, string>): Uint8Array {
  const entries: Record<string, unknown> = {};
  let offset = 0;
  for (const [name, t] of tensors) {
    if (t.data.length !== product(t.shape)) throw new InputError(`tensor "${name}": shape [${t.shape}] needs ${product(t.shape)} values, found ${t.data.length}`);
    const bytes = t.data.length * DTYPE_BYTES[t.dtype];
    entries[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  const data = new Uint8Array(offset);
  const view = new DataView(data.buffer);
  for (const [name, t] of tensors) writeValues(view, (entries[name] as { data_offsets: number[] }).data_offsets[0], t.dtype, t.data);
  const header = { __metadata__: { ...metadata, [CHECKSUM_KEY]: sha256(data) }, ...entries };
  let json = JSON.stringify(header);
  // Pad with spaces so the data starts 8-byte aligned, as the reference implementation does.
  json += ' '.repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8);
  const headerBytes = Buffer.from(json, 'utf8');
  const out = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  out.set(data, 8 + headerBytes.length);
  return out;
}

/** Decode and validate: header length, JSON, dtypes, shapes, offsets (in range, no overlap, no holes). */
export function decodeSafetensors(bytes: Uint8Array, file?: string): SafetensorsFile {
  const fail = (message: string): never => {
    throw new InputError(inFile(file, message));
  };
  if (bytes.length < 8) fail(`not a safetensors file: ${bytes.length} bytes, the header length alone takes 8`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getBigUint64(0, true);
  if (headerLength > BigInt(bytes.length - 8)) {
    fail(`header length ${headerLength} runs past the end of the file (${bytes.length - 8} bytes after the length field)`);
  }
  const dataStart = 8 + Number(headerLength);
  const dataLength = bytes.length - dataStart;
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(bytes.subarray(8, dataStart)).toString('utf8'));
  } catch (e) {
    fail(`header is not valid JSON (${(e as Error).message})`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) fail('header: expected a JSON object');
  const stored = (header as { __metadata__?: Record<string, unknown> }).__metadata__?.[CHECKSUM_KEY];
  // Files from other tools may have no checksum; ours always do, and a changed byte is refused.
  if (stored !== undefined && stored !== sha256(bytes.subarray(dataStart))) {
    fail(`the data does not match its checksum (__metadata__.${CHECKSUM_KEY}): the file is corrupt or was changed after it was written`);
  }
  const metadata: Record<string, string> = {};
  const entries: { name: string; dtype: IntDtype; shape: number[]; begin: number; end: number }[] = [];
  for (const [name, value] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (value === null || typeof value !== 'object') fail('__metadata__: expected an object of strings');
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        if (k === CHECKSUM_KEY) continue;
        if (typeof v !== 'string') fail(`__metadata__.${k}: expected a string, found ${typeof v}`);
        metadata[k] = v as string;
      }
      continue;
    }
    const t = value as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof t?.dtype !== 'string' || !(t.dtype in DTYPE_BYTES)) {
      fail(`tensor "${name}": dtype ${JSON.stringify(t?.dtype)} is not one of ${Object.keys(DTYPE_BYTES).join(', ')}`);
    }
    if (!Array.isArray(t.shape) || !t.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) fail(`tensor "${name}": shape must be an array of non-negative integers`);
    const offsets = t.data_offsets;
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      fail(`tensor "${name}": data_offsets must be two non-negative integers`);
    }
    const [begin, end] = offsets as [number, number];
    if (begin > end || end > dataLength) fail(`tensor "${name}": data_offsets [${begin}, ${end}] out of range (data section is ${dataLength} bytes)`);
    const dtype = t.dtype as IntDtype;
    const shape = t.shape as number[];
    const expected = product(shape) * DTYPE_BYTES[dtype];
    if (end - begin !== expected) {
      fail(`tensor "${name}": dtype ${dtype} with shape [${shape.join(', ')}] needs ${expected} bytes, data_offsets give ${end - begin}`);
    }
    entries.push({ name, dtype, shape, begin, end });
  }
  const sorted = [...entries].sort((x, y) => x.begin - y.begin || x.end - y.end);
  let covered = 0;
  for (const e of sorted) {
    if (e.begin < covered) fail(`tensor "${e.name}": data_offsets [${e.begin}, ${e.end}] overlap another tensor (ending at ${covered})`);
    if (e.begin > covered) fail(`tensor "${e.name}": a hole of ${e.begin - covered} bytes before its data at ${e.begin}`);
    covered = e.end;
  }
  if (covered !== dataLength) fail(`data section is ${dataLength} bytes but the tensors cover ${covered}`);
  const tensors = new Map<string, Tensor>();
  for (const e of entries) {
    tensors.set(e.name, { dtype: e.dtype, shape: e.shape, data: readValues(view, dataStart + e.begin, e.dtype, product(e.shape), e.name, file) });
  }
  return { tensors, metadata };
}
