/**
 * The paper's measure of gradient sparsity (its Figures 1–2), by the integer ANN: per layer, the
 * relative synaptic operations of the best case (|S| spikes per neuron forward, one event per non-zero
 * input; |E| error spikes per neuron backward, each reaching its fan-in) against the ANN's
 * multiply-accumulates, and the share of neurons whose integer error E is not zero.
 */
import { bestBackwardAccumulations, bestForwardAccumulations, fanSizes } from './bestCase.js';
import { connectionCount, sizeOf, type Network } from '../network/topology.js';
import { IntegerAnn } from './integerAnn.js';

export interface LayerSparsity {
  /** Index into network.layers. */
  layer: number;
  kind: string;
  forwardRelativeOps: number;
  backwardRelativeOps: number;
  /** Share of (neuron, image) pairs with E ≠ 0. */
  nonZeroErrors: number;
}

export class SparsityMeter {
  private readonly ann: IntegerAnn;
  private readonly fanIn: Int32Array[];
  private readonly fanOut: Int32Array[];

  constructor(readonly network: Network) {
    this.ann = new IntegerAnn(network);
    const fans = this.ann.layers.map(fanSizes);
    this.fanIn = fans.map((f) => f.fanIn);
    this.fanOut = fans.map((f) => f.fanOut);
  }

  /** The weights changed (training): bounds and rows are computed again. */
  weightsChanged(): void {
    this.ann.weightsChanged();
  }

  measure(images: readonly ArrayLike<number>[], labels: ArrayLike<number>, alpha: number): LayerSparsity[] {
    const L = this.ann.layers.length;
    const forward = new Float64Array(L), backward = new Float64Array(L), nonZero = new Float64Array(L);
    images.forEach((x, n) => {
      this.ann.run(x, labels[n], alpha);
      for (let l = 0; l < L; l++) {
        const { E } = this.ann.state[l];
        const below = l === 0 ? x : this.ann.state[l - 1].S;
        forward[l] += bestForwardAccumulations(below, this.fanOut[l], l === 0);
        backward[l] += bestBackwardAccumulations(E, this.fanIn[l]);
        for (let i = 0; i < E.length; i++) if (E[i] !== 0) nonZero[l]++;
      }
    });
    const n = Math.max(1, images.length);
    return this.ann.layers.map((layer, l) => {
      const macs = connectionCount(layer) * n;
      return {
        layer: this.ann.layerIndex[l], kind: layer.kind,
        forwardRelativeOps: macs > 0 ? forward[l] / macs : 0,
        backwardRelativeOps: macs > 0 ? backward[l] / macs : 0,
        nonZeroErrors: nonZero[l] / (sizeOf(layer.outShape) * n),
      };
    });
  }
}
