/** The `spikegrad-case/1` exchange format: a network, one input, its target and α. */
import { readInputFile } from '../files.js';
import { z } from 'zod';
import { InputError, inFile } from '../errors.js';
import { architectureOf, buildNetwork, type LayerParams } from './build.js';
import { describeValue, inputShapeSchema, layerArchSchema, parseWith, type LayerArch } from './architecture.js';
import { readIntArray } from './intArray.js';
import { sizeOf, type Network } from './topology.js';

export const CASE_FORMAT = 'spikegrad-case/1';

export interface SpikeCase {
  network: Network;
  /** Integer input values, layout [c][y][x]. */
  input: Float64Array;
  /** Index of the true class. */
  target: number;
  /** Error scale α of the top error (docs/algorithm.md §4). */
  alpha: number;
}

const caseSkeleton = z.object({
  format: z.string(),
  inputShape: inputShapeSchema,
  layers: z.array(z.record(z.string(), z.unknown())),
  input: z.unknown(),
  target: z.number().int().nonnegative(),
  alpha: z.number().positive().finite(),
});

/** Validate a parsed JSON value as a case; every error names the file and field. */
export function parseCase(value: unknown, file?: string): SpikeCase {
  if (value !== null && typeof value === 'object' && 'format' in value && (value as { format: unknown }).format !== CASE_FORMAT) {
    throw new InputError(inFile(file, `format: expected "${CASE_FORMAT}", found ${describeValue((value as { format: unknown }).format)}`));
  }
  const skeleton = parseWith(caseSkeleton, value, file);
  const archs: LayerArch[] = [];
  const params: (LayerParams | undefined)[] = [];
  skeleton.layers.forEach((raw, i) => {
    const { weights, bias, ...rest } = raw;
    archs.push(parseWith(layerArchSchema, rest, file, ['layers', i]));
    if (weights === undefined && bias === undefined) {
      params.push(undefined);
      if (rest.kind === 'dense' || rest.kind === 'conv2d') {
        throw new InputError(inFile(file, `layers[${i}].weights: expected an array of integers, found nothing`));
      }
    } else {
      params.push({
        weights: readIntArray(weights ?? [], `layers[${i}].weights`, file),
        bias: readIntArray(bias ?? [], `layers[${i}].bias`, file),
      });
    }
  });
  const network = buildNetwork({ inputShape: skeleton.inputShape, layers: archs }, params, file);
  const input = readIntArray(skeleton.input, 'input', file);
  const inputSize = sizeOf(network.layers[0].inShape);
  if (input.length !== inputSize) {
    throw new InputError(inFile(file, `input: expected ${inputSize} integers (shape [${skeleton.inputShape.join(', ')}], layout [c][y][x]), found ${input.length}`));
  }
  const classes = network.layers[network.layers.length - 1].outShape[0];
  if (skeleton.target >= classes) {
    throw new InputError(inFile(file, `target: expected a class index from 0 to ${classes - 1}, found ${skeleton.target}`));
  }
  return { network, input, target: skeleton.target, alpha: skeleton.alpha };
}

export function readCaseFile(path: string): SpikeCase {
  return decodeCaseFile(readInputFile(path, 'case file'), path);
}

/** A case file's bytes (JSON) as a case; anything else is an InputError naming the file. */
export function decodeCaseFile(bytes: Uint8Array, path: string): SpikeCase {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new InputError(`${path}: not valid JSON (${(e as Error).message})`);
  }
  return parseCase(value, path);
}

/** The JSON form of a case, as `spikegrad check` reads it. */
export function caseToJson(c: SpikeCase): Record<string, unknown> {
  const arch = architectureOf(c.network);
  return {
    format: CASE_FORMAT,
    inputShape: arch.inputShape,
    layers: arch.layers.map((layer, i) => {
      const full = c.network.layers[i];
      return 'weights' in full ? { ...layer, weights: Array.from(full.weights), bias: Array.from(full.bias) } : layer;
    }),
    input: Array.from(c.input),
    target: c.target,
    alpha: c.alpha,
  };
}
