/**
 * NIR graphs as HDF5 files, in the layout NIR's own `nir.write` produces: a string dataset
 * `/version`, and the graph in the group `/node`: `type` = "NIRGraph", `nodes/<name>/` with a `type`
 * string and one dataset per parameter (dtype kept, arrays gzip-compressed), `edges` as an [n, 2]
 * string dataset, and optional `metadata` groups of string datasets. HDF5 itself is h5wasm's.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import h5wasm from 'h5wasm/node';
import { InputError, inFile } from '../../errors.js';
import { readInputFile, writeFileAtomic } from '../../files.js';
import type { NirArray, NirDtype, NirGraph, NirNode, NirParam } from './graph.js';

const HDF5_SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

const DTYPE_CODES: Record<NirDtype, string> = {
  int8: '<b', int16: '<h', int32: '<i', int64: '<q', uint8: '<B', uint16: '<H', uint32: '<I', uint64: '<Q', float32: '<f', float64: '<d',
};

let ready: Promise<unknown> | null = null;
const h5 = async () => {
  // HDF5 errors become exceptions instead of diagnostics printed on stderr.
  ready ??= h5wasm.ready.then((m) => (m as unknown as { activate_throwing_error_handler(): number }).activate_throwing_error_handler());
  await ready;
  return h5wasm;
};

/** The innermost reason of an HDF5 error stack ("H5Fopen(): unable to …"), not its whole dump. */
function hdf5Reason(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  const m = /in (\w+)\(\): ([^\n]+)/.exec(text);
  return m ? `${m[1]}: ${m[2].trim()}` : text.split('\n')[0];
}

/** HDF5 puts its signature at 0, 512, 1024, … (a user block may come first). */
export function looksLikeHdf5(bytes: Uint8Array): boolean {
  for (let at = 0; at + 8 <= bytes.length && at <= 1 << 20; at = at === 0 ? 512 : at * 2) {
    if (HDF5_SIGNATURE.every((b, k) => bytes[at + k] === b)) return true;
  }
  return false;
}

const TYPED: Record<Exclude<NirDtype, 'int64' | 'uint64'>, { from(data: ArrayLike<number>): ArrayLike<number> }> = {
  int8: Int8Array, int16: Int16Array, int32: Int32Array, uint8: Uint8Array, uint16: Uint16Array, uint32: Uint32Array, float32: Float32Array, float64: Float64Array,
};

function typedFor(a: NirArray): ArrayLike<number> | BigInt64Array | BigUint64Array {
  if (a.dtype === 'int64') return BigInt64Array.from(a.data, (v) => BigInt(v));
  if (a.dtype === 'uint64') return BigUint64Array.from(a.data, (v) => BigInt(v));
  return TYPED[a.dtype].from(a.data);
}

type Group = InstanceType<typeof h5wasm.Group>;
type Dataset = InstanceType<typeof h5wasm.Dataset>;

function writeParam(group: Group, name: string, p: NirParam): void {
  if (typeof p === 'string') {
    group.create_dataset({ name, data: p });
    return;
  }
  const big = p.data.length >= 64 && p.shape.length > 0;
  group.create_dataset({
    name,
    data: typedFor(p) as never,
    shape: p.shape,
    dtype: DTYPE_CODES[p.dtype],
    // gzip, as nir.write does by default; tiny arrays stay contiguous.
    ...(big ? { chunks: p.shape, compression: 'gzip' as const, compression_opts: 4 } : {}),
  });
}

function writeMetadata(group: Group, metadata: Map<string, string>): void {
  if (metadata.size === 0) return;
  const m = group.create_group('metadata');
  for (const [k, v] of metadata) m.create_dataset({ name: k, data: v });
}

function writeNode(group: Group, n: NirNode): void {
  group.create_dataset({ name: 'type', data: n.type });
  for (const [k, p] of n.params) writeParam(group, k, p);
  writeMetadata(group, n.metadata);
}

/** Write the graph atomically: a failed export leaves an existing file as it was. */
export async function writeNir(path: string, graph: NirGraph): Promise<void> {
  const bytes = await encodeNir(graph);
  writeFileAtomic(path, bytes);
}

export async function encodeNir(graph: NirGraph): Promise<Uint8Array> {
  const lib = await h5();
  const dir = mkdtempSync(join(tmpdir(), 'spikegrad-nir-'));
  const scratch = join(dir, 'graph.nir');
  try {
    const f = new lib.File(scratch, 'w');
    try {
      f.create_dataset({ name: 'version', data: graph.version });
      const root = f.create_group('node');
      root.create_dataset({ name: 'type', data: 'NIRGraph' });
      const nodes = root.create_group('nodes');
      for (const [name, n] of graph.nodes) writeNode(nodes.create_group(name), n);
      root.create_dataset({ name: 'edges', data: graph.edges.flat(), shape: [graph.edges.length, 2] });
      writeMetadata(root, graph.metadata);
    } finally {
      f.close();
    }
    return readInputFile(scratch, 'NIR scratch file');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const DTYPES_BY_KEY: Record<string, NirDtype> = {
  '0:1:true': 'int8', '0:2:true': 'int16', '0:4:true': 'int32', '0:8:true': 'int64',
  '0:1:false': 'uint8', '0:2:false': 'uint16', '0:4:false': 'uint32', '0:8:false': 'uint64',
  '1:4:false': 'float32', '1:8:false': 'float64', '1:4:true': 'float32', '1:8:true': 'float64',
};

/** A dataset as a parameter: a string, or numbers with dtype and shape; null for what NIR never stores. */
function readParam(d: Dataset, where: string, file: string): NirParam {
  const meta = d.metadata as { type: number; size: number; signed: boolean };
  const value = d.value;
  if (meta.type === 3) {
    if (typeof value === 'string') return value;
    if (Array.isArray(value) && value.length === 1 && typeof value[0] === 'string') return value[0];
    throw new InputError(inFile(file, `${where}: expected one string, found ${Array.isArray(value) ? `${value.length} strings` : typeof value}`));
  }
  const dtype = DTYPES_BY_KEY[`${meta.type}:${meta.size}:${meta.signed}`];
  if (!dtype) throw new InputError(inFile(file, `${where}: expected a number array (integer or float), found HDF5 type class ${meta.type} of ${meta.size} bytes`));
  const shape = d.shape ?? [];
  let data: Float64Array;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') data = Float64Array.of(Number(value));
  else if (value instanceof BigInt64Array || value instanceof BigUint64Array) data = Float64Array.from(value, (v) => Number(v));
  else if (ArrayBuffer.isView(value)) data = Float64Array.from(value as unknown as ArrayLike<number>);
  else throw new InputError(inFile(file, `${where}: expected numbers, found ${typeof value}`));
  return { dtype, shape, data };
}

function readMetadata(g: Group, where: string, file: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const k of g.keys()) {
    const e = g.get(k);
    if (!(e instanceof h5wasm.Dataset)) continue;
    const p = readParam(e, `${where}.metadata.${k}`, file);
    out.set(k, typeof p === 'string' ? p : JSON.stringify(Array.from(p.data)));
  }
  return out;
}

function readNode(g: Group, name: string, file: string): NirNode {
  const where = `node "${name}"`;
  const typeEntry = g.get('type');
  if (!(typeEntry instanceof h5wasm.Dataset)) throw new InputError(inFile(file, `${where}: missing its "type" string`));
  const type = readParam(typeEntry, `${where}.type`, file);
  if (typeof type !== 'string') throw new InputError(inFile(file, `${where}.type: expected a string, found numbers`));
  const params = new Map<string, NirParam>();
  let metadata = new Map<string, string>();
  for (const k of g.keys()) {
    if (k === 'type') continue;
    const e = g.get(k);
    if (e instanceof h5wasm.Dataset) params.set(k, readParam(e, `${where} (${type}).${k}`, file));
    else if (e instanceof h5wasm.Group && k === 'metadata') metadata = readMetadata(e, where, file);
    else if (e instanceof h5wasm.Group) {
      // Older writers store input_type / output_type as a group holding one array.
      const inner = e.keys().map((key) => e.get(key)).find((x): x is Dataset => x instanceof h5wasm.Dataset);
      if (inner) params.set(k, readParam(inner, `${where} (${type}).${k}`, file));
      else if (type === 'NIRGraph') params.set(k, 'group');
    }
  }
  return { type, params, metadata };
}

/** Read a NIR file; anything that is not one is refused with an InputError naming the file and what is wrong. */
export async function readNir(path: string): Promise<NirGraph> {
  const bytes = readInputFile(path, 'NIR file');
  return decodeNir(bytes, path);
}

export async function decodeNir(bytes: Uint8Array, file: string): Promise<NirGraph> {
  if (!looksLikeHdf5(bytes)) throw new InputError(`${file}: not an HDF5 file (no HDF5 signature); a NIR graph is an HDF5 file`);
  const lib = await h5();
  const dir = mkdtempSync(join(tmpdir(), 'spikegrad-nir-'));
  const scratch = join(dir, 'in.nir');
  try {
    writeFileAtomic(scratch, bytes);
    let f: InstanceType<typeof h5wasm.File>;
    try {
      f = new lib.File(scratch, 'r');
    } catch (e) {
      throw new InputError(`${file}: not a readable HDF5 file (${hdf5Reason(e)})`);
    }
    try {
      return readGraph(f, file);
    } catch (e) {
      if (e instanceof InputError) throw e;
      throw new InputError(`${file}: not a readable NIR file (${hdf5Reason(e)})`);
    } finally {
      f.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function readGraph(f: InstanceType<typeof h5wasm.File>, file: string): NirGraph {
  const versionEntry = f.get('version');
  const version = versionEntry instanceof h5wasm.Dataset ? readParam(versionEntry, 'version', file) : null;
  if (typeof version !== 'string') throw new InputError(inFile(file, '/version: expected the NIR version string, found none'));
  const root = f.get('node');
  if (!(root instanceof h5wasm.Group)) throw new InputError(inFile(file, '/node: expected the graph group, found none'));
  const rootType = root.get('type');
  const type = rootType instanceof h5wasm.Dataset ? readParam(rootType, '/node/type', file) : null;
  if (type !== 'NIRGraph') throw new InputError(inFile(file, `/node/type: expected "NIRGraph", found ${JSON.stringify(type)}`));
  const nodesGroup = root.get('nodes');
  if (!(nodesGroup instanceof h5wasm.Group)) throw new InputError(inFile(file, '/node/nodes: expected the group of nodes, found none'));
  const nodes = new Map<string, NirNode>();
  for (const name of nodesGroup.keys()) {
    const g = nodesGroup.get(name);
    if (!(g instanceof h5wasm.Group)) throw new InputError(inFile(file, `node "${name}": expected a group, found a dataset`));
    nodes.set(name, readNode(g, name, file));
  }
  const edgesEntry = root.get('edges');
  if (!(edgesEntry instanceof h5wasm.Dataset)) throw new InputError(inFile(file, '/node/edges: expected the [n, 2] edge list, found none'));
  const flat = edgesEntry.value;
  const shape = edgesEntry.shape ?? [];
  const strings = Array.isArray(flat) ? flat : typeof flat === 'string' ? [flat] : null;
  if (!strings || strings.some((s) => typeof s !== 'string') || (strings.length > 0 && (shape.length !== 2 || shape[1] !== 2))) {
    throw new InputError(inFile(file, `/node/edges: expected [n, 2] node names, found shape [${shape.join(', ')}]`));
  }
  const edges: [string, string][] = [];
  for (let k = 0; k + 1 < strings.length; k += 2) edges.push([strings[k] as string, strings[k + 1] as string]);
  const meta = root.get('metadata');
  const metadata = meta instanceof h5wasm.Group ? readMetadata(meta, 'graph', file) : new Map<string, string>();
  return { version, nodes, edges, metadata };
}

/** One observable of NIR's event-data layout: events of `nNeurons` neurons up to `tMax`, with a value each. */
export interface NirEvents {
  idx: Int32Array | number[];
  time: Float64Array | number[];
  value: Float64Array | number[];
  nNeurons: number;
  tMax: number;
}

/**
 * Recorded events in NIR's data layout (`nir.write_data`): root `__type__` = "NIRGraphData",
 * `nodes/<node>/` ("NIRNodeData") with `observables/<name>/` ("ValuedEventData": datasets `idx`,
 * `time`, `value`; attributes `n_neurons`, `t_max`). Written atomically.
 */
export async function writeNirEvents(path: string, nodes: Map<string, Map<string, NirEvents>>): Promise<void> {
  const lib = await h5();
  const dir = mkdtempSync(join(tmpdir(), 'spikegrad-nir-'));
  const scratch = join(dir, 'events.nir');
  try {
    const f = new lib.File(scratch, 'w');
    try {
      f.create_attribute('__type__', 'NIRGraphData');
      const nodesGroup = f.create_group('nodes');
      for (const [name, observables] of nodes) {
        const g = nodesGroup.create_group(name);
        g.create_attribute('__type__', 'NIRNodeData');
        const obs = g.create_group('observables');
        for (const [obsName, e] of observables) {
          const o = obs.create_group(obsName);
          o.create_attribute('__type__', 'ValuedEventData');
          o.create_attribute('n_neurons', BigInt64Array.of(BigInt(e.nNeurons)) as never, [], '<q');
          o.create_attribute('t_max', Float64Array.of(e.tMax), [], '<d');
          const n = e.idx.length;
          const chunked = n >= 64 ? { chunks: [n], compression: 'gzip' as const, compression_opts: 4 } : {};
          o.create_dataset({ name: 'idx', data: BigInt64Array.from(Array.from(e.idx), (v) => BigInt(v)) as never, shape: [n], dtype: '<q', ...chunked });
          o.create_dataset({ name: 'time', data: Float64Array.from(e.time), shape: [n], dtype: '<d', ...chunked });
          o.create_dataset({ name: 'value', data: Float64Array.from(e.value), shape: [n], dtype: '<d', ...chunked });
        }
      }
    } finally {
      f.close();
    }
    writeFileAtomic(path, readInputFile(scratch, 'NIR scratch file'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
