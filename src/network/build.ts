/** Turn an architecture and its integer parameters into a checked Network (shapes, counts, kinds). */
import { InputError, inFile } from '../errors.js';
import type { Architecture, InputShape, LayerArch } from './architecture.js';
import { convOutputSize, sizeOf, type Layer, type Network, type Shape3 } from './topology.js';

export interface LayerParams {
  weights: Float64Array;
  bias: Float64Array;
}

export function toShape3(inputShape: InputShape): Shape3 {
  return inputShape.length === 1 ? [inputShape[0], 1, 1] : [inputShape[0], inputShape[1], inputShape[2]];
}

/** Number of weights and biases a layer needs given its input shape, or null for parameter-free kinds. */
export function paramCounts(arch: LayerArch, inShape: Shape3): { weights: number; bias: number } | null {
  switch (arch.kind) {
    case 'dense':
      return { weights: arch.units * sizeOf(inShape), bias: arch.units };
    case 'conv2d':
      return { weights: arch.channels * inShape[0] * arch.kernel * arch.kernel, bias: arch.channels };
    default:
      return null;
  }
}

/**
 * Check shapes layer by layer and attach parameters. `params[i]` belongs to `arch.layers[i]`; when
 * `params` is omitted, weights and biases are zero (useful for shape-only work).
 */
export function buildNetwork(arch: Architecture, params?: readonly (LayerParams | undefined)[], file?: string): Network {
  const fail = (field: string, message: string): never => {
    throw new InputError(inFile(file, `${field}: ${message}`));
  };
  if (arch.layers.length === 0) fail('layers', 'expected at least one layer, found none');
  const last = arch.layers[arch.layers.length - 1];
  if (last.kind !== 'dense') {
    fail(`layers[${arch.layers.length - 1}].kind`, `the last layer is the classification layer and must be "dense", found "${last.kind}"`);
  }

  let shape = toShape3(arch.inputShape);
  let spatial = arch.inputShape.length === 3;
  const layers: Layer[] = [];
  arch.layers.forEach((layer, i) => {
    const at = `layers[${i}]`;
    const inShape = shape;
    const [inC, inH, inW] = inShape;
    let outShape: Shape3;
    switch (layer.kind) {
      case 'conv2d': {
        if (!spatial) fail(`${at}.kind`, `conv2d needs a [channels, height, width] input, found a flat input of ${sizeOf(inShape)}`);
        const paddedH = inH + 2 * layer.padding;
        const paddedW = inW + 2 * layer.padding;
        if (layer.kernel > paddedH || layer.kernel > paddedW) {
          fail(`${at}.kernel`, `kernel ${layer.kernel} is larger than the padded input ${paddedH}x${paddedW} (input ${inH}x${inW}, padding ${layer.padding})`);
        }
        outShape = [layer.channels, convOutputSize(inH, layer.kernel, layer.stride, layer.padding), convOutputSize(inW, layer.kernel, layer.stride, layer.padding)];
        break;
      }
      case 'avgpool':
        if (!spatial) fail(`${at}.kind`, `avgpool needs a [channels, height, width] input, found a flat input of ${sizeOf(inShape)}`);
        if (layer.size > inH || layer.size > inW) fail(`${at}.size`, `pooling window ${layer.size}x${layer.size} is larger than the input ${inH}x${inW}`);
        outShape = [inC, Math.floor(inH / layer.size), Math.floor(inW / layer.size)];
        break;
      case 'flatten':
        outShape = [sizeOf(inShape), 1, 1];
        spatial = false;
        break;
      case 'dense':
        outShape = [layer.units, 1, 1];
        spatial = false;
        break;
    }

    const counts = paramCounts(layer, inShape);
    let weights: Float64Array = new Float64Array(0);
    let bias: Float64Array = new Float64Array(0);
    if (counts) {
      const p = params?.[i];
      weights = p ? p.weights : new Float64Array(counts.weights);
      bias = p ? p.bias : new Float64Array(counts.bias);
      const layout = layer.kind === 'dense' ? `${layer.units}x${sizeOf(inShape)} [out][in]` : `${counts.bias}x${inC}x${(layer as { kernel: number }).kernel}x${(layer as { kernel: number }).kernel} [out][in][ky][kx]`;
      if (weights.length !== counts.weights) fail(`${at}.weights`, `expected ${counts.weights} integers (${layout}), found ${weights.length}`);
      if (bias.length !== counts.bias) fail(`${at}.bias`, `expected ${counts.bias} integers, found ${bias.length}`);
    } else if (params?.[i] && (params[i]!.weights.length > 0 || params[i]!.bias.length > 0)) {
      fail(at, `a ${layer.kind} layer has no weights or bias, found some`);
    }

    switch (layer.kind) {
      case 'dense':
        layers.push({ ...layer, weights, bias, inShape, outShape });
        break;
      case 'conv2d':
        layers.push({ ...layer, weights, bias, inShape, outShape });
        break;
      case 'avgpool':
        layers.push({ ...layer, inShape, outShape });
        break;
      case 'flatten':
        layers.push({ kind: 'flatten', inShape, outShape });
        break;
    }
    shape = outShape;
  });
  return { inputShape: [...arch.inputShape], layers };
}

/** The architecture of a network (what a model file stores besides its tensors). */
export function architectureOf(network: Network): Architecture {
  const layers: LayerArch[] = network.layers.map((layer) => {
    switch (layer.kind) {
      case 'dense':
        return { kind: 'dense', units: layer.units, activation: layer.activation, theta: layer.theta, thetaBp: layer.thetaBp };
      case 'conv2d':
        return {
          kind: 'conv2d', channels: layer.channels, kernel: layer.kernel, stride: layer.stride, padding: layer.padding,
          activation: layer.activation, theta: layer.theta, thetaBp: layer.thetaBp,
        };
      case 'avgpool':
        return { kind: 'avgpool', size: layer.size, weight: layer.weight, activation: 'linear', theta: layer.theta, thetaBp: layer.thetaBp };
      case 'flatten':
        return { kind: 'flatten' };
    }
  });
  return { inputShape: network.inputShape as InputShape, layers };
}

/** A network as plain data (architecture and typed arrays) for structured cloning to worker threads. */
export interface NetworkSpec {
  arch: Architecture;
  params: (LayerParams | undefined)[];
}

export function networkSpec(network: Network): NetworkSpec {
  return {
    arch: architectureOf(network),
    params: network.layers.map((l) => ('weights' in l ? { weights: l.weights, bias: l.bias } : undefined)),
  };
}

export function networkFromSpec(spec: NetworkSpec): Network {
  return buildNetwork(spec.arch, spec.params);
}

/** Deep copy of a network (its own weight arrays). */
export function cloneNetwork(network: Network): Network {
  const spec = networkSpec(network);
  return buildNetwork(spec.arch, spec.params.map((p) => (p ? { weights: Float64Array.from(p.weights), bias: Float64Array.from(p.bias) } : undefined)));
}
