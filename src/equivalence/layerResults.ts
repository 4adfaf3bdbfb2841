/**
 * Per-layer results in the `spikegrad ann` shape, one entry per entry of `network.layers` (flatten
 * has none): the one place where values of the neuron layers are put in that shape, for the integer
 * ANN, the spiking network and a replayed log alike.
 */
import type { SpikeCase } from '../network/caseFile.js';
import { neuronLayerIndices, type Network } from '../network/topology.js';
import { IntegerAnn } from './integerAnn.js';

export interface LayerResult {
  /** Hidden neuron layers: accumulated output S. */
  S?: number[];
  /** Classification layer: final potential V^L = a^L. */
  V?: number[];
  /** Transmitted error. */
  E?: number[];
  dW?: number[];
  db?: number[];
}

/** What one neuron layer contributes; each part is optional (a forward result has no increments). */
export interface NeuronLayerValues {
  /** S of a hidden layer, V^L of the classification layer. */
  output?: ArrayLike<number>;
  E?: ArrayLike<number>;
  /** Summed increments (ignored for pooling, which has no weights). */
  increments?: { dW: ArrayLike<number>; db: ArrayLike<number> };
}

/** A copy as a plain array: a counted loop, about 4× faster than `Array.from` (which iterates) on typed arrays. */
function plainCopy(values: ArrayLike<number>): number[] {
  const out: number[] = [];
  for (let i = 0; i < values.length; i++) out.push(values[i]);
  return out;
}

/** Values of the neuron layers (bottom to top) as per-layer results (copies). */
export function shapeLayerResults(network: Network, values: readonly NeuronLayerValues[]): LayerResult[] {
  const out: LayerResult[] = network.layers.map(() => ({}));
  const indices = neuronLayerIndices(network);
  const last = indices.length - 1;
  values.forEach((v, l) => {
    const at = indices[l];
    const r: LayerResult = {};
    if (v.output) r[l === last ? 'V' : 'S'] = plainCopy(v.output);
    if (v.E) r.E = plainCopy(v.E);
    if (v.increments && network.layers[at].kind !== 'avgpool') {
      r.dW = plainCopy(v.increments.dW);
      r.db = plainCopy(v.increments.db);
    }
    out[at] = r;
  });
  return out;
}

/** The current state of an integer ANN as per-layer results. */
function annLayerResults(ann: IntegerAnn, parts: { forward: boolean; increments: boolean } = { forward: true, increments: true }): LayerResult[] {
  const last = ann.layers.length - 1;
  return shapeLayerResults(
    ann.network,
    ann.state.map((s, l) => ({
      ...(parts.forward ? { output: l === last ? s.a : s.S, E: s.E } : {}),
      ...(parts.increments ? { increments: s } : {}),
    })),
  );
}

export interface AnnCaseResult {
  layers: LayerResult[];
  predicted: number;
}

/** The integer ANN of one case: forward, top error, backward, increments. */
export function runAnnCase(c: SpikeCase, ann: IntegerAnn = new IntegerAnn(c.network)): AnnCaseResult {
  ann.clearIncrements();
  const predicted = ann.run(c.input, c.target, c.alpha);
  return { layers: annLayerResults(ann), predicted };
}

/** An input and its target. */
export interface BatchSample {
  input: ArrayLike<number>;
  target: number;
}

export interface AnnBatchResult {
  predictions: number[];
  /** Increments summed over the batch, per entry of `layers` (only dW, db set). */
  increments: LayerResult[];
}

/** A mini-batch with frozen weights: increments summed over its examples (docs/algorithm.md §6). */
export function runAnnBatch(network: Network, samples: readonly BatchSample[], alpha: number, ann: IntegerAnn = new IntegerAnn(network)): AnnBatchResult {
  ann.clearIncrements();
  const predictions = samples.map((sample) => ann.run(sample.input, sample.target, alpha));
  return { predictions, increments: annLayerResults(ann, { forward: false, increments: true }) };
}
