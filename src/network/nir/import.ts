/**
 * A NIR graph as a spikegrad integer network. The graph must be one feed-forward chain from its
 * Input to its Output; each layer is a synapse node (Conv2d, Affine, Linear, SumPool2d, AvgPool2d,
 * a Scale after a pooling) followed by its neurons (IF; the last layer's I, IF or nothing is read
 * out as the classification layer), with Flatten between. Parameters that are already integers
 * (r = 1, an integer v_threshold per layer, integer weights: what `export` writes) are taken as they
 * are, Θ = v_threshold; anything else is quantised to the grid v_threshold/Θ with Θ = --theta:
 * w = round(w_real · r · Θ / v_threshold), half away from zero. What spikegrad cannot run is refused by
 * node name and field.
 */
import { InputError, inFile } from '../../errors.js';
import type { Architecture, InputShape, LayerArch } from '../architecture.js';
import { buildNetwork, type LayerParams } from '../build.js';
import { roundHalfAwayReal } from '../rounding.js';
import { convOutputSize, type Network, type Shape3 } from '../topology.js';
import { isArray, KNOWN_NODE_TYPES, type NirArray, type NirGraph, type NirNode } from './graph.js';
import { SPIKEGRAD_NIR_FORMAT } from './export.js';

export interface ImportOptions {
  /** Θ of the grid for layers whose parameters are not integers already. */
  theta: number;
  /** The real input is the integer input divided by this (e.g. 255 for a network trained on [0, 1] pixels). */
  inputScale: number;
  /** Θbp of every layer, where the file does not say (default: Θ of the neuron layer above; the top layer its own Θ). */
  thetaBp?: number;
}

export interface ImportedLayer {
  /** The NIR nodes the layer came from. */
  nodes: string[];
  kind: LayerArch['kind'];
  theta: number | null;
  /** Taken as integers (true) or quantised to v_threshold/Θ (false). */
  exact: boolean;
  /** Largest |w_real·scale − w| over the layer's weights and biases, in units of the grid (≤ 0.5). */
  maxRoundingError: number;
}

export interface ImportResult {
  network: Network;
  layers: ImportedLayer[];
  /** The spikegrad architecture in the file's metadata, when it had one and it was used for Θbp and activations. */
  fromSpikegrad: boolean;
}

const UNSUPPORTED: Record<string, string> = {
  LIF: 'leaky neurons (tau, v_leak) have no integer-exact equivalent in SpikeGrad',
  LI: 'leaky integrators (tau, v_leak) have no integer-exact equivalent in SpikeGrad',
  CubaLIF: 'current-based leaky neurons (tau_syn, tau_mem) have no integer-exact equivalent in SpikeGrad',
  CubaLI: 'current-based leaky integrators have no integer-exact equivalent in SpikeGrad',
  Delay: 'synaptic delays belong to the timing models (--latency), not to the network',
  Conv1d: 'one-dimensional convolutions are not a SpikeGrad layer kind',
  Threshold: 'a bare Threshold (Heaviside) node is not a SpikeGrad neuron; use IF',
  NIRGraph: 'nested subgraphs are not supported; flatten the graph first',
};

export function nirToNetwork(graph: NirGraph, options: ImportOptions, file?: string): ImportResult {
  const fail = (message: string): never => {
    throw new InputError(inFile(file, message));
  };
  const chain = walkChain(graph, fail);
  const inputNode = graph.nodes.get(chain[0]) as NirNode;
  const inputShape = arrayParam(inputNode, chain[0], 'shape', fail).data;
  const dims = Array.from(inputShape).filter((d, k) => !(k === 0 && inputShape.length === 4 && d === 1));
  if (!(dims.length === 1 || dims.length === 3) || dims.some((d) => !Number.isInteger(d) || d < 1)) {
    fail(`node "${chain[0]}" (Input).shape: expected [features] or [channels, height, width], found [${Array.from(inputShape).join(', ')}]`);
  }
  const archIn = dims as unknown as InputShape;
  let shape: Shape3 = dims.length === 1 ? [dims[0], 1, 1] : [dims[0], dims[1], dims[2]];
  let spatial = dims.length === 3;
  const spikegradArch = spikegradArchitecture(graph);

  const layers: LayerArch[] = [];
  const params: (LayerParams | undefined)[] = [];
  const report: ImportedLayer[] = [];
  const body = chain.slice(1, -1);
  let k = 0;
  let firstWeighted = true;
  while (k < body.length) {
    const name = body[k];
    const n = graph.nodes.get(name) as NirNode;
    const where = `node "${name}" (${n.type})`;
    if (n.type === 'Flatten') {
      checkFlatten(n, where, shape, spatial, fail);
      layers.push({ kind: 'flatten' });
      params.push(undefined);
      report.push({ nodes: [name], kind: 'flatten', theta: null, exact: true, maxRoundingError: 0 });
      shape = [shape[0] * shape[1] * shape[2], 1, 1];
      spatial = false;
      k++;
      continue;
    }
    if (!['Conv2d', 'Affine', 'Linear', 'SumPool2d', 'AvgPool2d'].includes(n.type)) {
      fail(`${where}: expected a synapse node (Conv2d, Affine, Linear, SumPool2d, AvgPool2d) or Flatten here, found ${n.type}`);
    }
    const nodes = [name];
    // A Scale after a pooling is its weight.
    let scale: { name: string; value: number } | null = null;
    if ((n.type === 'SumPool2d' || n.type === 'AvgPool2d') && body[k + 1] && graph.nodes.get(body[k + 1])?.type === 'Scale') {
      const s = graph.nodes.get(body[k + 1]) as NirNode;
      scale = { name: body[k + 1], value: uniform(arrayParam(s, body[k + 1], 'scale', fail), `node "${body[k + 1]}" (Scale).scale`, 'a pooling has one weight', fail) };
      nodes.push(body[k + 1]);
      k++;
    }
    const neuronName = body[k + 1];
    const neuron = neuronName === undefined ? null : (graph.nodes.get(neuronName) as NirNode);
    const isLast = k + (neuron && ['IF', 'I'].includes(neuron.type) ? 2 : 1) >= body.length;
    if (neuron && !['IF', 'I'].includes(neuron.type) && !isLast) {
      fail(`node "${neuronName}" (${neuron.type}): expected the neurons (IF) of the layer from node "${name}", found ${neuron.type}`);
    }
    const hasNeurons = neuron !== null && ['IF', 'I'].includes(neuron.type);
    if (hasNeurons) nodes.push(neuronName);
    if (!isLast && (!hasNeurons || neuron?.type !== 'IF')) fail(`node "${name}" (${n.type}): a hidden layer needs IF neurons after it, found ${neuron ? neuron.type : 'nothing'}`);
    const layerIndex = layers.length;
    const fromFile = spikegradArch?.layers[layerIndex];

    // Synapses: what they connect, in real units.
    let out: Shape3;
    let weights: Float64Array | null = null;
    let bias: Float64Array | null = null;
    let arch: LayerArch;
    if (n.type === 'Conv2d') {
      if (!spatial) fail(`${where}: expected a spatial input [channels, height, width], found a flat one of ${shape[0]}`);
      const w = arrayParam(n, name, 'weight', fail);
      if (w.shape.length !== 4) fail(`${where}.weight: expected shape [C_out, C_in, k, k], found [${w.shape.join(', ')}]`);
      const [cOut, cIn, kh, kw] = w.shape;
      if (kh !== kw) fail(`${where}.weight: expected a square kernel, found ${kh}×${kw}`);
      if (cIn !== shape[0]) fail(`${where}.weight: expected ${shape[0]} input channels (the output of node "${chain[chain.indexOf(name) - 1]}"), found ${cIn}`);
      const stride = pair(n, name, 'stride', 1, fail);
      const padding = paddingOf(n, name, kh, stride, fail);
      const dilation = pair(n, name, 'dilation', 1, fail);
      if (dilation !== 1) fail(`${where}.dilation: expected 1 (dilated convolutions are not a SpikeGrad layer kind), found ${dilation}`);
      const groups = n.params.has('groups') ? arrayParam(n, name, 'groups', fail).data[0] : 1;
      if (groups !== 1) fail(`${where}.groups: expected 1 (grouped convolutions are not supported), found ${groups}`);
      if (n.params.has('input_shape')) {
        const ins = arrayParam(n, name, 'input_shape', fail).data;
        if (ins.length !== 2 || ins[0] !== shape[1] || ins[1] !== shape[2]) fail(`${where}.input_shape: expected [${shape[1]}, ${shape[2]}], found [${Array.from(ins).join(', ')}]`);
      }
      weights = w.data;
      bias = n.params.has('bias') ? arrayParam(n, name, 'bias', fail).data : new Float64Array(cOut);
      if (bias.length !== cOut) fail(`${where}.bias: expected ${cOut} values (one per output channel), found ${bias.length}`);
      out = [cOut, convOutputSize(shape[1], kh, stride, padding), convOutputSize(shape[2], kh, stride, padding)];
      if (out[1] < 1 || out[2] < 1) fail(`${where}: the kernel (${kh}) does not fit the input ${shape[1]}×${shape[2]}`);
      arch = { kind: 'conv2d', channels: cOut, kernel: kh, stride, padding, activation: 'relu', theta: 1, thetaBp: 1 };
    } else if (n.type === 'Affine' || n.type === 'Linear') {
      const w = arrayParam(n, name, 'weight', fail);
      const inputs = shape[0] * shape[1] * shape[2];
      if (w.shape.length !== 2) fail(`${where}.weight: expected shape [out, in], found [${w.shape.join(', ')}]`);
      if (w.shape[1] !== inputs) fail(`${where}.weight: expected ${inputs} inputs (the output of node "${chain[chain.indexOf(name) - 1]}"), found ${w.shape[1]}`);
      weights = w.data;
      bias = n.type === 'Affine' ? arrayParam(n, name, 'bias', fail).data : new Float64Array(w.shape[0]);
      if (bias.length !== w.shape[0]) fail(`${where}.bias: expected ${w.shape[0]} values, found ${bias.length}`);
      out = [w.shape[0], 1, 1];
      arch = { kind: 'dense', units: w.shape[0], activation: 'relu', theta: 1, thetaBp: 1 };
    } else {
      if (!spatial) fail(`${where}: expected a spatial input [channels, height, width], found a flat one of ${shape[0]}`);
      const size = pair(n, name, 'kernel_size', undefined, fail);
      const stride = pair(n, name, 'stride', size, fail);
      const padding = pair(n, name, 'padding', 0, fail);
      if (stride !== size || padding !== 0) fail(`${where}: expected stride = kernel_size and no padding (SpikeGrad pools non-overlapping windows), found kernel ${size}, stride ${stride}, padding ${padding}`);
      out = [shape[0], Math.floor(shape[1] / size), Math.floor(shape[2] / size)];
      arch = { kind: 'avgpool', size, weight: 1, activation: 'linear', theta: 1, thetaBp: 1 };
    }

    // Neurons: r and v_threshold give Θ and the scale of the synapses.
    const outSize = out[0] * out[1] * out[2];
    let r = 1;
    let vThreshold: number | null = null;
    if (hasNeurons) {
      const nw = `node "${neuronName}" (${neuron!.type})`;
      const rArr = arrayParam(neuron!, neuronName, 'r', fail);
      if (rArr.data.length !== outSize) fail(`${nw}.r: expected ${outSize} values (the output of node "${name}"), found ${rArr.data.length} (shape [${rArr.shape.join(', ')}])`);
      r = uniform(rArr, `${nw}.r`, 'spikegrad has one scale per layer', fail);
      if (neuron!.type === 'IF') {
        const v = arrayParam(neuron!, neuronName, 'v_threshold', fail);
        if (v.data.length !== outSize) fail(`${nw}.v_threshold: expected ${outSize} values (the output of node "${name}"), found ${v.data.length}`);
        vThreshold = uniform(v, `${nw}.v_threshold`, 'spikegrad has one Θ per layer', fail);
        if (!(vThreshold > 0)) fail(`${nw}.v_threshold: expected a positive threshold, found ${vThreshold}`);
        if (neuron!.params.has('v_reset')) {
          const reset = arrayParam(neuron!, neuronName, 'v_reset', fail);
          if (reset.data.some((x) => x !== 0)) fail(`${nw}.v_reset: expected 0 (SpikeGrad resets by subtraction from a zero rest), found ${reset.data.find((x) => x !== 0)}`);
        }
      }
    }
    const savedTheta = neuron?.metadata.get('theta') ?? graph.nodes.get(name)?.metadata.get('theta');
    const metaTheta = savedTheta !== undefined && Number.isInteger(Number(savedTheta)) ? Number(savedTheta) : fromFile && 'theta' in fromFile ? fromFile.theta : undefined;
    const poolFactor = n.type === 'AvgPool2d' ? 1 / ((arch as { size: number }).size ** 2) : 1;
    const poolWeight = scale ? scale.value : 1;
    const inScale = firstWeighted && arch.kind !== 'avgpool' ? 1 / options.inputScale : 1;
    // The factor that turns a real weight into potential units, before Θ.
    const gain = r * poolFactor * poolWeight * inScale;
    const threshold = vThreshold ?? 1;
    const integral = (a: Float64Array | null) => a === null || a.every(Number.isInteger);
    let theta: number;
    let exact: boolean;
    if (arch.kind === 'avgpool') {
      // Sum pooling: one integer weight; Θ from the threshold in window sums.
      const realThetaInSums = threshold / (r * poolFactor * poolWeight);
      exact = Number.isInteger(threshold) && poolFactor === 1 && r === 1 && Number.isInteger(poolWeight);
      if (exact) {
        theta = threshold;
        (arch as { weight: number }).weight = poolWeight;
      } else if (Number.isInteger(realThetaInSums) && realThetaInSums > 0) {
        theta = realThetaInSums;
        exact = true;
      } else {
        theta = options.theta;
        (arch as { weight: number }).weight = roundHalfAwayReal(options.theta / realThetaInSums);
      }
      report.push({ nodes, kind: 'avgpool', theta, exact, maxRoundingError: 0 });
      params.push(undefined);
    } else {
      exact = integral(weights) && integral(bias) && gain === 1 && (vThreshold === null ? metaTheta !== undefined : Number.isInteger(vThreshold));
      theta = exact ? (vThreshold ?? (metaTheta as number)) : options.theta;
      const factor = exact ? 1 : (gain * theta) / threshold;
      const biasFactor = exact ? 1 : (r * theta) / threshold;
      let maxErr = 0;
      const quantise = (a: Float64Array, f: number) => a.map((x) => {
        const q = roundHalfAwayReal(x * f);
        maxErr = Math.max(maxErr, Math.abs(x * f - q));
        return q;
      });
      const w = quantise(weights as Float64Array, factor);
      const b = quantise(bias as Float64Array, biasFactor);
      params.push({ weights: w, bias: b });
      report.push({ nodes, kind: arch.kind, theta, exact, maxRoundingError: maxErr });
      firstWeighted = false;
    }
    (arch as { theta: number }).theta = theta;
    const activation = fromFile && 'activation' in fromFile ? fromFile.activation : undefined;
    if (arch.kind !== 'avgpool' && activation) (arch as { activation: 'relu' | 'linear' }).activation = activation;
    if (isLast && arch.kind === 'dense') arch.activation = 'linear';
    layers.push(arch);
    shape = out;
    spatial = arch.kind !== 'dense';
    k += hasNeurons ? 2 : 1;
  }
  if (layers.length === 0 || layers[layers.length - 1].kind !== 'dense') {
    fail(`node "${body[body.length - 1] ?? chain[0]}": the last layer is the classification layer and must be an Affine or Linear node (with an I, an IF or nothing after it)`);
  }
  const outputNode = graph.nodes.get(chain[chain.length - 1]) as NirNode;
  if (outputNode.params.has('shape')) {
    const s = arrayParam(outputNode, chain[chain.length - 1], 'shape', fail).data;
    const size = s.reduce((a, b) => a * b, 1);
    if (size !== shape[0]) fail(`node "${chain[chain.length - 1]}" (Output).shape: expected [${shape[0]}] (the classification layer's units), found [${Array.from(s).join(', ')}]`);
  }
  // Θbp: from spikegrad's own metadata when the file has it, else the option, else Θ of the layer above.
  const neuronArch = layers.filter((l): l is Exclude<LayerArch, { kind: 'flatten' }> => l.kind !== 'flatten');
  neuronArch.forEach((l, i) => {
    const saved = spikegradArch?.layers.filter((x) => x.kind !== 'flatten')[i] as { thetaBp?: number } | undefined;
    l.thetaBp = saved?.thetaBp ?? options.thetaBp ?? (i + 1 < neuronArch.length ? neuronArch[i + 1].theta : l.theta);
  });
  const arch: Architecture = { inputShape: archIn, layers };
  return { network: buildNetwork(arch, params, file), layers: report, fromSpikegrad: spikegradArch !== null };
}

/** The spikegrad architecture in the graph's metadata, if the file is one of ours. */
function spikegradArchitecture(graph: NirGraph): Architecture | null {
  if (graph.metadata.get('format') !== SPIKEGRAD_NIR_FORMAT) return null;
  try {
    return JSON.parse(graph.metadata.get('architecture') ?? 'null') as Architecture | null;
  } catch {
    return null;
  }
}

/** The nodes from the Input to the Output, in order; refuses anything but one feed-forward chain. */
function walkChain(graph: NirGraph, fail: (m: string) => never): string[] {
  for (const [name, n] of graph.nodes) {
    if (!(KNOWN_NODE_TYPES as readonly string[]).includes(n.type)) fail(`node "${name}": unknown node type "${n.type}" (NIR 1.0 knows ${KNOWN_NODE_TYPES.join(', ')})`);
    if (UNSUPPORTED[n.type]) fail(`node "${name}" (${n.type}): not supported: ${UNSUPPORTED[n.type]}`);
  }
  const outgoing = new Map<string, string[]>();
  const incoming = new Map<string, string[]>();
  graph.edges.forEach(([a, b], k) => {
    for (const end of [a, b]) if (!graph.nodes.has(end)) fail(`edges[${k}]: expected the names of two nodes, found "${end}", which is no node of the graph`);
    outgoing.set(a, [...(outgoing.get(a) ?? []), b]);
    incoming.set(b, [...(incoming.get(b) ?? []), a]);
  });
  // A cycle first: it is the clearest thing to say about a recurrent graph.
  const state = new Map<string, 1 | 2>();
  const visit = (name: string, path: string[]): void => {
    state.set(name, 1);
    for (const next of outgoing.get(name) ?? []) {
      if (state.get(next) === 1) fail(`edges: the graph has a cycle (${[...path.slice(path.indexOf(next)), name, next].map((x) => `"${x}"`).join(' → ')}); spikegrad reads feed-forward networks only`);
      if (!state.has(next)) visit(next, [...path, name]);
    }
    state.set(name, 2);
  };
  for (const name of graph.nodes.keys()) if (!state.has(name)) visit(name, []);
  const inputs = [...graph.nodes].filter(([, n]) => n.type === 'Input').map(([k]) => k);
  const outputs = [...graph.nodes].filter(([, n]) => n.type === 'Output').map(([k]) => k);
  if (inputs.length !== 1) fail(`nodes: expected one Input node, found ${inputs.length}${inputs.length ? ` (${inputs.join(', ')})` : ''}`);
  if (outputs.length !== 1) fail(`nodes: expected one Output node, found ${outputs.length}${outputs.length ? ` (${outputs.join(', ')})` : ''}`);
  const chain = [inputs[0]];
  for (;;) {
    const at = chain[chain.length - 1];
    const next = outgoing.get(at) ?? [];
    if (next.length > 1) fail(`node "${at}": ${next.length} outgoing edges (to ${next.map((x) => `"${x}"`).join(', ')}); spikegrad reads one feed-forward chain`);
    if (next.length === 0) break;
    const into = incoming.get(next[0]) ?? [];
    if (into.length > 1) fail(`node "${next[0]}": ${into.length} incoming edges (from ${into.map((x) => `"${x}"`).join(', ')}); spikegrad reads one feed-forward chain`);
    chain.push(next[0]);
  }
  if (chain[chain.length - 1] !== outputs[0]) fail(`node "${chain[chain.length - 1]}": the chain from "${inputs[0]}" ends here, not at the Output node "${outputs[0]}"`);
  const unused = [...graph.nodes.keys()].filter((k) => !chain.includes(k));
  if (unused.length > 0) fail(`nodes ${unused.map((x) => `"${x}"`).join(', ')}: not on the path from "${inputs[0]}" to "${outputs[0]}"`);
  return chain;
}

function arrayParam(n: NirNode, name: string, field: string, fail: (m: string) => never): NirArray {
  const p = n.params.get(field);
  if (p === undefined) fail(`node "${name}" (${n.type}): missing parameter "${field}"`);
  if (!isArray(p)) fail(`node "${name}" (${n.type}).${field}: expected numbers, found the string ${JSON.stringify(p)}`);
  const a = p as NirArray;
  if (a.data.some((x) => !Number.isFinite(x))) fail(`node "${name}" (${n.type}).${field}: expected finite numbers, found ${a.data.find((x) => !Number.isFinite(x))}`);
  return a;
}

function uniform(a: NirArray, where: string, why: string, fail: (m: string) => never): number {
  const first = a.data[0];
  if (a.data.length === 0) fail(`${where}: expected values, found none`);
  const other = a.data.find((x) => x !== first);
  if (other !== undefined) fail(`${where}: expected one value for the whole layer (${why}), found ${first} and ${other}`);
  return first;
}

/** An int or a pair of equal ints (stride, padding, kernel size); `fallback` when absent (undefined: required). */
function pair(n: NirNode, name: string, field: string, fallback: number | undefined, fail: (m: string) => never): number {
  if (!n.params.has(field) && fallback !== undefined) return fallback;
  const a = arrayParam(n, name, field, fail).data;
  if (a.length < 1 || a.length > 2 || (a.length === 2 && a[0] !== a[1]) || !Number.isInteger(a[0]) || a[0] < 0) {
    fail(`node "${name}" (${n.type}).${field}: expected one non-negative integer or two equal ones, found [${Array.from(a).join(', ')}]`);
  }
  return a[0];
}

function paddingOf(n: NirNode, name: string, k: number, stride: number, fail: (m: string) => never): number {
  const p = n.params.get('padding');
  if (p === 'valid') return 0;
  if (p === 'same') {
    if (stride !== 1 || k % 2 === 0) fail(`node "${name}" (Conv2d).padding: "same" is supported for stride 1 and odd kernels only, found stride ${stride}, kernel ${k}`);
    return (k - 1) / 2;
  }
  return pair(n, name, 'padding', 0, fail);
}

function checkFlatten(n: NirNode, where: string, shape: Shape3, spatial: boolean, fail: (m: string) => never): void {
  const t = n.params.get('input_type');
  if (isArray(t) && t.data.length > 0) {
    const expected = spatial ? [...shape] : [shape[0]];
    const found = Array.from(t.data);
    if (found.reduce((a, b) => a * b, 1) !== shape[0] * shape[1] * shape[2]) fail(`${where}.input_type: expected [${expected.join(', ')}] (what arrives), found [${found.join(', ')}]`);
  }
}
