/**
 * A spikegrad integer network as a NIR graph: Input → (Conv2d | Affine) with the integer weights →
 * IF (v_threshold = Θ, r = 1, v_reset = 0) → SumPool2d (a Scale when the pooling weight is not 1)
 * → IF → Flatten → … → the classification layer as an Affine into an I (integrator) → Output.
 * What NIR cannot say (docs/nir.md) goes into the graph's metadata, with the architecture itself so
 * that an import gives back the same network.
 */
import { architectureOf } from '../build.js';
import { sizeOf, type Network, type Shape3 } from '../topology.js';
import { integerDtype, nirArray, node, NIR_VERSION, type NirGraph, type NirNode } from './graph.js';

export const SPIKEGRAD_NIR_FORMAT = 'spikegrad-nir/1';

/** Node names: what the NIR file, `--nir-events` and the docs call each part of the network. */
export const nodeNames = {
  input: 'input',
  output: 'output',
  synapses: (layer: number): string => `layer${layer}`,
  pooling: (layer: number): string => `layer${layer}`,
  scale: (layer: number): string => `layer${layer}_scale`,
  neurons: (layer: number): string => `layer${layer}_neurons`,
};

/** What a NIR simulator does differently from SpikeGrad: written to the graph's metadata. */
export const SEMANTICS: Record<string, string> = {
  reset: 'subtractive (V -= theta per spike); NIR IF resets to v_reset',
  threshold_comparison: 'V >= theta fires +1 (V <= -theta fires -1); NIR IF fires when V > v_threshold',
  spikes: 'signed, +1 and -1 (a relu neuron sends -1 only while its count is positive); NIR spikes are positive',
  bias: 'the initial potential of every example (enters once); NIR Affine bias is a constant input',
  residual_phase: 'after its input is quiet each layer fires once more where |2V| > theta (ties by the sign of the count): the spike count is round(a/theta) half away from zero; NIR has no such phase',
  input: 'integer input values sent as |x| events of sign(x)',
  classification: 'the last Affine is read out as the integrator potential V (argmax), never spikes',
};

const full = (shape: Shape3, value: number, dims: number[]) => nirArray('float64', dims, new Float64Array(sizeOf(shape)).fill(value));

export interface ExportInfo {
  /** sha256 of the model file the network came from. */
  sourceSha256?: string;
  /** Training record worth keeping (α, …). */
  alpha?: number;
}

export function networkToNir(network: Network, info: ExportInfo = {}): NirGraph {
  const nodes = new Map<string, NirNode>();
  const edges: [string, string][] = [];
  const inputDims = [...network.inputShape];
  nodes.set(nodeNames.input, node('Input', { shape: nirArray('int64', [inputDims.length], inputDims) }));
  let previous = nodeNames.input;
  const link = (name: string, n: NirNode) => {
    nodes.set(name, n);
    edges.push([previous, name]);
    previous = name;
  };
  const last = network.layers.length - 1;
  // Shapes as NIR writes them: [n] for a flat tensor, [c, h, w] for a spatial one.
  const dimsOf = (shape: Shape3, spatial: boolean) => (spatial ? [...shape] : [sizeOf(shape)]);
  let spatial = network.inputShape.length === 3;
  network.layers.forEach((layer, i) => {
    const meta = { spikegrad_layer: String(i), activation: 'activation' in layer ? layer.activation : 'none', theta_bp: 'thetaBp' in layer ? String(layer.thetaBp) : 'none' };
    switch (layer.kind) {
      case 'conv2d': {
        const [cIn, h, w] = layer.inShape;
        link(nodeNames.synapses(i), node('Conv2d', {
          weight: nirArray(integerDtype(layer.weights), [layer.channels, cIn, layer.kernel, layer.kernel], layer.weights),
          bias: nirArray(integerDtype(layer.bias), [layer.channels], layer.bias),
          stride: nirArray('int64', [2], [layer.stride, layer.stride]),
          padding: nirArray('int64', [2], [layer.padding, layer.padding]),
          dilation: nirArray('int64', [2], [1, 1]),
          groups: nirArray('int64', [], [1]),
          input_shape: nirArray('int64', [2], [h, w]),
        }, meta));
        break;
      }
      case 'avgpool': {
        const s = layer.size;
        link(nodeNames.pooling(i), node('SumPool2d', {
          kernel_size: nirArray('int64', [2], [s, s]),
          stride: nirArray('int64', [2], [s, s]),
          padding: nirArray('int64', [2], [0, 0]),
        }, meta));
        if (layer.weight !== 1) link(nodeNames.scale(i), node('Scale', { scale: full(layer.outShape, layer.weight, [...layer.outShape]) }, meta));
        break;
      }
      case 'flatten':
        link(nodeNames.synapses(i), node('Flatten', {
          input_type: nirArray('int64', [3], [...layer.inShape]),
          start_dim: nirArray('int64', [], [0]),
          end_dim: nirArray('int64', [], [-1]),
        }, meta));
        spatial = false;
        return;
      case 'dense':
        link(nodeNames.synapses(i), node('Affine', {
          weight: nirArray(integerDtype(layer.weights), [layer.units, sizeOf(layer.inShape)], layer.weights),
          bias: nirArray(integerDtype(layer.bias), [layer.units], layer.bias),
        }, meta));
        spatial = false;
        break;
    }
    if (layer.kind === 'conv2d' || layer.kind === 'avgpool') spatial = true;
    const dims = dimsOf(layer.outShape, spatial);
    if (i === last) {
      link(nodeNames.neurons(i), node('I', { r: full(layer.outShape, 1, dims) }, { ...meta, theta: String(layer.theta) }));
    } else {
      link(nodeNames.neurons(i), node('IF', {
        r: full(layer.outShape, 1, dims),
        v_threshold: full(layer.outShape, layer.theta, dims),
        v_reset: full(layer.outShape, 0, dims),
      }, meta));
    }
  });
  const top = network.layers[last];
  link(nodeNames.output, node('Output', { shape: nirArray('int64', [1], [sizeOf(top.outShape)]) }));
  const metadata = new Map<string, string>([
    ['format', SPIKEGRAD_NIR_FORMAT],
    ['architecture', JSON.stringify(architectureOf(network))],
    ...Object.entries(SEMANTICS),
  ]);
  if (info.alpha !== undefined) metadata.set('alpha', String(info.alpha));
  if (info.sourceSha256) metadata.set('source_sha256', info.sourceSha256);
  return { version: NIR_VERSION, nodes, edges, metadata };
}
