/**
 * NIR graphs in memory (github.com/neuromorphs/NIR, v1.0): nodes with a type and parameters that
 * keep their dtype and shape, (source, target) edges, string metadata. Only the data model; the
 * HDF5 layout is in nirFile.ts, the mapping to and from spikegrad networks in export.ts / import.ts.
 */

export type NirDtype = 'int8' | 'int16' | 'int32' | 'int64' | 'uint8' | 'uint16' | 'uint32' | 'uint64' | 'float32' | 'float64';

/** A numeric parameter: values in row-major order (shape [] for a scalar). */
export interface NirArray {
  dtype: NirDtype;
  shape: number[];
  data: Float64Array;
}

export type NirParam = NirArray | string;

export interface NirNode {
  type: string;
  params: Map<string, NirParam>;
  metadata: Map<string, string>;
}

export interface NirGraph {
  version: string;
  nodes: Map<string, NirNode>;
  edges: [string, string][];
  metadata: Map<string, string>;
}

export const NIR_VERSION = '1.0.7';

/** The node types spikegrad reads or writes (any other is refused by name). */
export const KNOWN_NODE_TYPES = [
  'Input', 'Output', 'Affine', 'Linear', 'Conv1d', 'Conv2d', 'SumPool2d', 'AvgPool2d', 'Flatten', 'Scale', 'Threshold',
  'Delay', 'I', 'IF', 'LI', 'LIF', 'CubaLI', 'CubaLIF', 'NIRGraph',
] as const;

export const isArray = (p: NirParam | undefined): p is NirArray => typeof p === 'object' && p !== null;

export function nirArray(dtype: NirDtype, shape: readonly number[], data: ArrayLike<number>): NirArray {
  return { dtype, shape: [...shape], data: Float64Array.from(data) };
}

/** The smallest signed integer dtype NIR readers (numpy) take for these integers. */
export function integerDtype(values: ArrayLike<number>): NirDtype {
  for (let i = 0; i < values.length; i++) if (Math.abs(values[i]) > 2 ** 31 - 1) return 'int64';
  return 'int32';
}

export function node(type: string, params: Record<string, NirParam>, metadata: Record<string, string> = {}): NirNode {
  return { type, params: new Map(Object.entries(params)), metadata: new Map(Object.entries(metadata)) };
}
