/**
 * The network as a conventional integrate-and-fire simulator (a NIR importer) runs it, event by
 * event on spikegrad's own fan-out rows: positive spikes only, the strict threshold V > Θ, no
 * residual phase, the bias as the initial potential (an initial event, once per example), an input
 * value x as x unit events presented rate-coded (round k sends one event of every input above k),
 * every other event delivered in the order it was sent, layer after layer.
 * Two resets: `zero` (NIR's IF: V = v_reset = 0 after a spike) and `subtract` (V −= Θ, firing until
 * V ≤ Θ: the multi-spike neuron Sinabs maps IF to, without its membrane floor). The classification
 * layer integrates (NIR's I) and is read out by argmax of V.
 */
import { argmax } from '../equivalence/topError.js';
import { neuronLayers, sizeOf, type Network, type NeuronLayer } from '../network/topology.js';
import { forwardRows, type ForwardRows } from './kernels/forwardRows.js';

export type ConventionalReset = 'zero' | 'subtract';
export const CONVENTIONAL_RESETS: readonly ConventionalReset[] = ['zero', 'subtract'];

interface Stage {
  layer: NeuronLayer;
  rows: ForwardRows;
  V: Float64Array;
  /** Where neuron i's potential lies in V (the rows' order). */
  place: Int32Array;
  /** All −∞: this rule sends no negative spikes (the rows' lower firing bounds). */
  neverNegative: Float64Array;
  crossings: Int32Array;
  /** Spikes sent, in order (neuron indices), reused between examples. */
  spikes: Int32Array;
  spikeCount: number;
}

export class ConventionalIfNetwork {
  private readonly stages: Stage[];
  /** Spikes per layer in the last example (the input's unit events first). */
  readonly spikeCounts: number[];

  constructor(
    network: Network,
    readonly reset: ConventionalReset,
  ) {
    this.stages = neuronLayers(network).map((layer) => {
      const rows = forwardRows(layer, 0, sizeOf(layer.outShape));
      // The rows' own compartments, where their loops run fastest.
      const place = rows.storage ?? Int32Array.from({ length: rows.V.length }, (_, i) => i);
      return { layer, rows, V: rows.V, place, neverNegative: rows.neverFires, crossings: new Int32Array(rows.maxRow), spikes: new Int32Array(1024), spikeCount: 0 };
    });
    this.spikeCounts = new Array(this.stages.length + 1).fill(0);
  }

  /** The predicted class of one input. */
  predict(input: ArrayLike<number>): number {
    let events = 0;
    for (let j = 0; j < input.length; j++) events += Math.max(0, Math.round(input[j]));
    this.spikeCounts[0] = events;
    for (let l = 0; l < this.stages.length; l++) {
      const stage = this.stages[l];
      this.resetPotentials(stage);
      const top = l === this.stages.length - 1;
      // V > Θ on integers is V ≥ Θ + 1; the classification layer never fires.
      const fireAt = top ? Infinity : stage.layer.theta + 1;
      const send = (j: number) => {
        const crossed = stage.rows.accumulate(j, 1, stage.V, stage.neverNegative, fireAt, stage.crossings);
        for (let c = 0; c < crossed; c++) this.fire(stage, stage.crossings[c]);
      };
      if (l === 0) {
        // Rate-coded presentation: round k sends one event of every input whose value exceeds k.
        let peak = 0;
        for (let j = 0; j < input.length; j++) peak = Math.max(peak, Math.round(input[j]));
        for (let k = 0; k < peak; k++) for (let j = 0; j < input.length; j++) if (input[j] > k) send(j);
      } else {
        const below = this.stages[l - 1];
        for (let k = 0; k < below.spikeCount; k++) send(below.spikes[k]);
      }
      this.spikeCounts[l + 1] = stage.spikeCount;
    }
    const top = this.stages[this.stages.length - 1];
    return argmax(Array.from(top.place, (k) => top.V[k]));
  }

  private resetPotentials(stage: Stage): void {
    stage.spikeCount = 0;
    const { layer, V, place } = stage;
    if (layer.kind === 'avgpool') {
      V.fill(0);
      return;
    }
    const perChannel = layer.kind === 'conv2d' ? layer.outShape[1] * layer.outShape[2] : 1;
    for (let i = 0; i < V.length; i++) V[place[i]] = layer.bias[Math.floor(i / perChannel)];
  }

  private fire(stage: Stage, i: number): void {
    const theta = stage.layer.theta, k = stage.place[i];
    if (this.reset === 'zero') {
      stage.V[k] = 0;
      this.emit(stage, i);
      return;
    }
    while (stage.V[k] > theta) {
      stage.V[k] -= theta;
      this.emit(stage, i);
    }
  }

  private emit(stage: Stage, i: number): void {
    if (stage.spikeCount === stage.spikes.length) {
      const grown = new Int32Array(stage.spikes.length * 2);
      grown.set(stage.spikes);
      stage.spikes = grown;
    }
    stage.spikes[stage.spikeCount++] = i;
  }
}
