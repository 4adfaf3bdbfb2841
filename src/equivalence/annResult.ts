/** The `spikegrad ann` result shape: one entry per entry of `layers`, plain integer arrays. */
import type { SpikeCase } from '../network/caseFile.js';
import type { Network } from '../network/topology.js';
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

export interface AnnCaseResult {
  layers: LayerResult[];
  predicted: number;
}

/** Read the current state of an ANN as per-layer results (copies). */
export function annLayerResults(ann: IntegerAnn): LayerResult[] {
  const out: LayerResult[] = ann.network.layers.map(() => ({}));
  const last = ann.layers.length - 1;
  ann.layers.forEach((layer, l) => {
    const s = ann.state[l];
    const r: LayerResult = l === last ? { V: Array.from(s.a) } : { S: Array.from(s.S) };
    r.E = Array.from(s.E);
    if (layer.kind !== 'avgpool') {
      r.dW = Array.from(s.dW);
      r.db = Array.from(s.db);
    }
    out[ann.layerIndex[l]] = r;
  });
  return out;
}

/** The integer ANN of one case: forward, top error, backward, increments. */
export function runAnnCase(c: SpikeCase, ann: IntegerAnn = new IntegerAnn(c.network)): AnnCaseResult {
  ann.clearIncrements();
  const predicted = ann.run(c.input, c.target, c.alpha);
  return { layers: annLayerResults(ann), predicted };
}

export interface BatchSample {
  input: ArrayLike<number>;
  target: number;
}

export interface AnnBatchResult {
  predictions: number[];
  /** Increments summed over the batch, per entry of `layers` (only dW, db set). */
  increments: LayerResult[];
}

/** A mini-batch with frozen weights: increments summed over its examples (SPEC §6). */
export function runAnnBatch(network: Network, samples: readonly BatchSample[], alpha: number, ann: IntegerAnn = new IntegerAnn(network)): AnnBatchResult {
  ann.clearIncrements();
  const predictions = samples.map((sample) => ann.run(sample.input, sample.target, alpha));
  const increments = annLayerResults(ann).map((r) => (r.dW ? { dW: r.dW, db: r.db } : {}));
  return { predictions, increments };
}
