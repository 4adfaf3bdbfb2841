/**
 * The integer ANN's best case of docs/algorithm.md §8, the one statement of it: an input value
 * arrives as one event, a spike count |S| as |S| events, each reaching the source's fan-out; an error
 * count |E| as |E| error spikes, each reaching the neuron's fan-in.
 */
import { forEachConnection } from '../network/connectivity.js';
import { sizeOf, type NeuronLayer } from '../network/topology.js';

/** Connections per input (fan-out) and per neuron (fan-in) of a layer. */
export function fanSizes(layer: NeuronLayer): { fanOut: Int32Array; fanIn: Int32Array } {
  const fanOut = new Int32Array(sizeOf(layer.inShape));
  const fanIn = new Int32Array(sizeOf(layer.outShape));
  forEachConnection(layer, (j, i) => {
    fanOut[j]++;
    fanIn[i]++;
  });
  return { fanOut, fanIn };
}

/** Forward accumulations at best into a layer, from what it received (`fromInput`: the network's input values). */
export function bestForwardAccumulations(below: ArrayLike<number>, fanOut: Int32Array, fromInput: boolean): number {
  let total = 0;
  for (let j = 0; j < below.length; j++) total += (fromInput ? (below[j] !== 0 ? 1 : 0) : Math.abs(below[j])) * fanOut[j];
  return total;
}

/** Backward accumulations at best by a layer's error counts E. */
export function bestBackwardAccumulations(E: ArrayLike<number>, fanIn: Int32Array): number {
  let total = 0;
  for (let i = 0; i < E.length; i++) total += Math.abs(E[i]) * fanIn[i];
  return total;
}
