/**
 * The append-only event log: every input event, spike, residual spike, top error, error spike and
 * phase boundary, with its sequence number (its position), virtual time, layer, neuron and value.
 *
 * Layout: "SPKGLOG1", u32 header length, JSON header (the case and run options), then chunks of up to
 * 65,536 records: u32 record count, u32 byte length, deflate-raw of the columns
 * kind u8[n] · layer u16[n] · neuron i32[n] · value f64[n] · time f64[n] (little-endian).
 */
import { AtomicFile, readInputFile } from '../files.js';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { InputError } from '../errors.js';

export enum LogKind {
  Input = 0,
  Spike = 1,
  ResidualSpike = 2,
  TopError = 3,
  ErrorSpike = 4,
  ResidualErrorSpike = 5,
  /** neuron = PhaseMark code. */
  Phase = 6,
}

export enum PhaseMark {
  ForwardStart = 0,
  ForwardResidual = 1,
  ForwardQuiet = 2,
  BackwardStart = 3,
  BackwardResidual = 4,
  BackwardQuiet = 5,
  /** value = the target. */
  ExampleStart = 6,
  /** value = the packet deliveries the example took; time = its virtual duration. */
  ExampleEnd = 7,
}

const MAGIC = 'SPKGLOG1';
const CHUNK = 65_536;

export interface EventRecords {
  count: number;
  kind: Uint8Array;
  layer: Uint16Array;
  neuron: Int32Array;
  value: Float64Array;
  time: Float64Array;
}

function allocate(n: number): EventRecords {
  return { count: 0, kind: new Uint8Array(n), layer: new Uint16Array(n), neuron: new Int32Array(n), value: new Float64Array(n), time: new Float64Array(n) };
}

/** Writes records in compressed columnar chunks to a byte sink (a file, or memory). */
export class EventLogWriter {
  private readonly chunk = allocate(CHUNK);
  /** Records written so far (the next sequence number). */
  total = 0;

  constructor(
    private readonly sink: (bytes: Uint8Array) => void,
    header: Record<string, unknown>,
  ) {
    const json = Buffer.from(JSON.stringify(header));
    const head = Buffer.alloc(12);
    head.write(MAGIC, 0, 'latin1');
    head.writeUInt32LE(json.length, 8);
    sink(head);
    sink(json);
  }

  /**
   * A log file written atomically: nothing appears at `path` until `commit()` (after a successful run);
   * `abort()` after a refused or failed one leaves the previous file as it was.
   */
  static toFile(path: string, header: Record<string, unknown>): { writer: EventLogWriter; commit: () => void; abort: () => void } {
    const file = new AtomicFile(path);
    const writer = new EventLogWriter((b) => file.write(b), header);
    return { writer, commit: () => (writer.flush(), file.commit()), abort: () => file.abort() };
  }

  static inMemory(header: Record<string, unknown>): { writer: EventLogWriter; bytes: () => Uint8Array } {
    const parts: Uint8Array[] = [];
    const writer = new EventLogWriter((b) => parts.push(Uint8Array.from(b)), header);
    return { writer, bytes: () => (writer.flush(), Buffer.concat(parts)) };
  }

  record(kind: LogKind, layer: number, neuron: number, value: number, time: number): void {
    const c = this.chunk;
    const k = c.count++;
    c.kind[k] = kind;
    c.layer[k] = layer;
    c.neuron[k] = neuron;
    c.value[k] = value;
    c.time[k] = time;
    this.total++;
    if (c.count === CHUNK) this.flush();
  }

  flush(): void {
    const c = this.chunk;
    const n = c.count;
    if (n === 0) return;
    const raw = Buffer.alloc(n * 23);
    let at = 0;
    raw.set(c.kind.subarray(0, n), at);
    at += n;
    for (const column of [c.layer, c.neuron, c.value, c.time]) {
      const bytes = new Uint8Array(column.buffer, 0, n * column.BYTES_PER_ELEMENT);
      raw.set(bytes, at);
      at += bytes.length;
    }
    const packed = deflateRawSync(raw, { level: 6 });
    const head = Buffer.alloc(8);
    head.writeUInt32LE(n, 0);
    head.writeUInt32LE(packed.length, 4);
    this.sink(head);
    this.sink(packed);
    c.count = 0;
  }
}

export interface EventLog {
  header: Record<string, unknown>;
  records: EventRecords;
}

/** Read a whole log; a truncated or corrupt log is refused with the byte offset where it breaks. */
export function decodeEventLog(bytes: Uint8Array, file = 'event log'): EventLog {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < 12 || buf.toString('latin1', 0, 8) !== MAGIC) throw new InputError(`${file}: not a spikegrad event log (expected it to start with "${MAGIC}")`);
  const headerLength = buf.readUInt32LE(8);
  if (12 + headerLength > buf.length) throw new InputError(`${file}: truncated header (${headerLength} bytes announced, ${buf.length - 12} present)`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(buf.toString('utf8', 12, 12 + headerLength));
  } catch {
    throw new InputError(`${file}: the header is not valid JSON`);
  }
  const chunks: { n: number; raw: Buffer }[] = [];
  let at = 12 + headerLength;
  let total = 0;
  while (at < buf.length) {
    if (at + 8 > buf.length) throw new InputError(`${file}: truncated chunk header at byte ${at}`);
    const n = buf.readUInt32LE(at);
    const len = buf.readUInt32LE(at + 4);
    if (at + 8 + len > buf.length) throw new InputError(`${file}: truncated chunk at byte ${at} (${len} bytes announced, ${buf.length - at - 8} present)`);
    let raw: Buffer;
    try {
      raw = inflateRawSync(buf.subarray(at + 8, at + 8 + len));
    } catch (e) {
      throw new InputError(`${file}: corrupt chunk at byte ${at} (${(e as Error).message})`);
    }
    if (raw.length !== n * 23) throw new InputError(`${file}: chunk at byte ${at} holds ${raw.length} bytes, expected ${n * 23} for ${n} records`);
    chunks.push({ n, raw });
    total += n;
    at += 8 + len;
  }
  const records = allocate(total);
  for (const { n, raw } of chunks) {
    const base = records.count;
    // Copy into aligned buffers before viewing the columns.
    const copy = new Uint8Array(raw);
    let off = 0;
    records.kind.set(copy.subarray(off, off + n), base);
    off += n;
    records.layer.set(new Uint16Array(copy.buffer.slice(off, off + 2 * n)), base);
    off += 2 * n;
    records.neuron.set(new Int32Array(copy.buffer.slice(off, off + 4 * n)), base);
    off += 4 * n;
    records.value.set(new Float64Array(copy.buffer.slice(off, off + 8 * n)), base);
    off += 8 * n;
    records.time.set(new Float64Array(copy.buffer.slice(off, off + 8 * n)), base);
    records.count += n;
  }
  return { header, records };
}

export function readEventLog(path: string): EventLog {
  return decodeEventLog(readInputFile(path, 'event log'), path);
}
