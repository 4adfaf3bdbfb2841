/**
 * Worker side of neuron sharding: this thread owns one contiguous range of neurons of every layer and
 * runs the kernels on them. Every call returns the spikes it produced (global neuron indices, with the
 * incoming event each answers) and its accumulations, moved back with Comlink.transfer.
 */
import * as Comlink from 'comlink';
import { networkFromSpec, type NetworkSpec } from '../../network/build.js';
import { neuronLayers } from '../../network/topology.js';
import type { SpikeSink } from '../../streams/packet.js';
import { exposeWorker } from '../../workers/expose.js';
import type { LayerState } from '../compute.js';
import { layerKernel, type NeuronLayerKernel, type SpikePolicy } from '../kernels/neuronLayer.js';

export interface SpikeBatch {
  index: Int32Array;
  value: Float64Array;
  /** The incoming event each spike answers (−1: none, residual and top-error spikes). */
  event: Int32Array;
  /** Accumulations done by this call. */
  accumulations: number;
}

class Collector implements SpikeSink {
  index = new Int32Array(1024);
  value = new Float64Array(1024);
  events = new Int32Array(1024);
  length = 0;
  event = -1;

  push(i: number, v: number): void {
    if (this.length === this.index.length) {
      const grow = <T extends Int32Array | Float64Array>(a: T): T => {
        const b = new (a.constructor as { new (n: number): T })(2 * a.length);
        b.set(a as never);
        return b;
      };
      this.index = grow(this.index);
      this.value = grow(this.value);
      this.events = grow(this.events);
    }
    this.index[this.length] = i;
    this.value[this.length] = v;
    this.events[this.length] = this.event;
    this.length++;
  }

  take(accumulations: number): SpikeBatch {
    const n = this.length;
    const batch = { index: this.index.slice(0, n), value: this.value.slice(0, n), event: this.events.slice(0, n), accumulations };
    this.length = 0;
    this.event = -1;
    return Comlink.transfer(batch, [batch.index.buffer, batch.value.buffer, batch.event.buffer]);
  }
}

let kernels: (NeuronLayerKernel | null)[] = [];
const out = new Collector();

function kernel(l: number): NeuronLayerKernel {
  const k = kernels[l];
  if (!k) throw new Error(`this worker owns no neuron of layer ${l}`);
  return k;
}

function run(l: number, work: (k: NeuronLayerKernel) => void): SpikeBatch {
  const k = kernel(l);
  const before = k.accumulations;
  work(k);
  return out.take(k.accumulations - before);
}

const view = (index: Int32Array, value: Float64Array) => ({ index, value, length: index.length });

export const shardApi = {
  init(spec: NetworkSpec, ranges: ([number, number] | null)[], policy: SpikePolicy): void {
    const layers = neuronLayers(networkFromSpec(spec));
    kernels = layers.map((_, l) => (ranges[l] ? layerKernel(layers, l, policy, ranges[l]!) : null));
  },
  resetForward: (l: number): SpikeBatch => run(l, (k) => k.resetForward()),
  integrateForward: (l: number, index: Int32Array, value: Float64Array): SpikeBatch => run(l, (k) => k.integrateForward(view(index, value), out)),
  residualForward: (l: number): SpikeBatch => run(l, (k) => k.residualForward(out)),
  startBackward: (l: number, lowerS: Float64Array): SpikeBatch => run(l, (k) => k.startBackward(lowerS)),
  startTopError: (l: number, U0: Float64Array): SpikeBatch => run(l, (k) => k.startTopError(U0, out)),
  integrateBackward: (l: number, index: Int32Array, value: Float64Array): SpikeBatch => run(l, (k) => k.integrateBackward(view(index, value), out)),
  residualBackward: (l: number): SpikeBatch => run(l, (k) => k.residualBackward(out)),
  state(l: number): LayerState {
    const k = kernel(l);
    return { V: k.V.slice(), S: k.S.slice(), E: k.E.slice() };
  },
  increments(l: number): { dW: Float64Array; db: Float64Array } {
    const k = kernel(l);
    return { dW: k.dW.slice(), db: k.db.slice() };
  },
  clearIncrements(l: number): void {
    kernel(l).clearIncrements();
  },
};

export type ShardApi = typeof shardApi;

exposeWorker(shardApi);
