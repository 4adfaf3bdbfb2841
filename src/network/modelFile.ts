/** Integer models as safetensors: `layers.N.weight` / `layers.N.bias` plus the architecture in metadata. */
import { readInputFile, writeFileAtomic } from '../files.js';
import { InputError, inFile } from '../errors.js';
import { inputShapeSchema, layerArchSchema, parseWith, type Architecture } from './architecture.js';
import { architectureOf, buildNetwork, paramCounts, type LayerParams } from './build.js';
import { decodeSafetensors, encodeSafetensors, fittingDtype, type Tensor } from './safetensors.js';
import { sizeOf, type Network } from './topology.js';
import { z } from 'zod';

export const MODEL_FORMAT = 'spikegrad-model/1';

export interface Model {
  network: Network;
  /** Free-form string metadata besides the architecture (α, training record, …). */
  info: Record<string, string>;
}

function weightShape(network: Network, i: number): number[] {
  const layer = network.layers[i];
  if (layer.kind === 'dense') return [layer.units, sizeOf(layer.inShape)];
  if (layer.kind === 'conv2d') return [layer.channels, layer.inShape[0], layer.kernel, layer.kernel];
  return [];
}

export function encodeModel(model: Model): Uint8Array {
  const arch = architectureOf(model.network);
  const tensors = new Map<string, Tensor>();
  model.network.layers.forEach((layer, i) => {
    if (layer.kind !== 'dense' && layer.kind !== 'conv2d') return;
    tensors.set(`layers.${i}.weight`, { dtype: fittingDtype(layer.weights), shape: weightShape(model.network, i), data: layer.weights });
    tensors.set(`layers.${i}.bias`, { dtype: fittingDtype(layer.bias), shape: [layer.bias.length], data: layer.bias });
  });
  const metadata = {
    ...model.info,
    format: MODEL_FORMAT,
    inputShape: JSON.stringify(arch.inputShape),
    layers: JSON.stringify(arch.layers),
    theta: JSON.stringify(arch.layers.map((l) => ('theta' in l ? l.theta : null))),
    thetaBp: JSON.stringify(arch.layers.map((l) => ('thetaBp' in l ? l.thetaBp : null))),
  };
  return encodeSafetensors(tensors, metadata);
}

export function decodeModel(bytes: Uint8Array, file?: string): Model {
  const { tensors, metadata } = decodeSafetensors(bytes, file);
  const { format, inputShape, layers, theta: _theta, thetaBp: _thetaBp, ...info } = metadata;
  if (format !== MODEL_FORMAT) throw new InputError(inFile(file, `__metadata__.format: expected "${MODEL_FORMAT}", found ${JSON.stringify(format ?? null)}`));
  const json = (text: string | undefined, field: string): unknown => {
    try {
      return JSON.parse(text ?? 'null');
    } catch {
      throw new InputError(inFile(file, `__metadata__.${field}: not valid JSON`));
    }
  };
  const arch: Architecture = {
    inputShape: parseWith(inputShapeSchema, json(inputShape, 'inputShape'), file, ['__metadata__', 'inputShape']),
    layers: parseWith(z.array(layerArchSchema), json(layers, 'layers'), file, ['__metadata__', 'layers']),
  };
  // Build once without parameters to learn each layer's input shape, then attach the tensors.
  const shapes = buildNetwork(arch, undefined, file);
  const used = new Set<string>();
  const params: (LayerParams | undefined)[] = arch.layers.map((layer, i) => {
    const counts = paramCounts(layer, shapes.layers[i].inShape);
    if (!counts) return undefined;
    const take = (name: string, shape: number[]): Float64Array => {
      const t = tensors.get(name);
      if (!t) throw new InputError(inFile(file, `tensor "${name}" is missing (layer ${i}, ${layer.kind})`));
      if (t.dtype === 'F64') throw new InputError(inFile(file, `tensor "${name}": expected integers (I8 … I64, U8 … U32), found dtype F64`));
      if (t.shape.length !== shape.length || t.shape.some((d, k) => d !== shape[k])) {
        throw new InputError(inFile(file, `tensor "${name}": expected shape [${shape.join(', ')}], found [${t.shape.join(', ')}]`));
      }
      used.add(name);
      return t.data;
    };
    return { weights: take(`layers.${i}.weight`, weightShape(shapes, i)), bias: take(`layers.${i}.bias`, [counts.bias]) };
  });
  const extra = [...tensors.keys()].filter((name) => !used.has(name));
  if (extra.length > 0) throw new InputError(inFile(file, `unexpected tensors ${extra.map((n) => `"${n}"`).join(', ')} that no layer uses`));
  return { network: buildNetwork(arch, params, file), info };
}

/** Write atomically: a crash mid-write leaves the previous file intact. */
export function saveModel(path: string, model: Model): void {
  const bytes = encodeModel(model);
  writeFileAtomic(path, bytes);
}

export function loadModel(path: string): Model {
  return decodeModel(readInputFile(path, 'model file'), path);
}
