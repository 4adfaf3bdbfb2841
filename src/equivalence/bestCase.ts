/**
 * The integer ANN's best case of docs/algorithm.md §8, the one statement of it: an input value
 * arrives as one event, a spike count |S| as |S| events, each reaching the source's fan-out; an error
 * count |E| as |E| error spikes, each reaching the neuron's fan-in.
 */
import { forEachConnection } from '../network/connectivity.js';
import { sizeOf, type NeuronLayer } from '../network/topology.js';

/**
 * Connections per input (fan-out) and per neuron (fan-in) of a layer: the counts of forEachConnection,
 * by axis (a convolution's taps along y and x are independent), not by visiting 10^9 connections.
 */
export function fanSizes(layer: NeuronLayer): { fanOut: Int32Array; fanIn: Int32Array } {
  const fanOut = new Int32Array(sizeOf(layer.inShape));
  const fanIn = new Int32Array(sizeOf(layer.outShape));
  const [inC, inH, inW] = layer.inShape;
  const [outC, outH, outW] = layer.outShape;
  if (layer.kind === 'dense') {
    fanOut.fill(layer.units);
    fanIn.fill(fanOut.length);
  } else if (layer.kind === 'conv2d') {
    const { kernel: k, stride: s, padding: p } = layer;
    // Per axis: taps of each output inside the input, and outputs reading each input.
    const axis = (inSize: number, outSize: number) => {
      const taps = new Int32Array(outSize), readers = new Int32Array(inSize);
      for (let o = 0; o < outSize; o++)
        for (let t = 0; t < k; t++) {
          const i = o * s - p + t;
          if (i < 0 || i >= inSize) continue;
          taps[o]++;
          readers[i]++;
        }
      return { taps, readers };
    };
    const y = axis(inH, outH), x = axis(inW, outW);
    for (let o = 0; o < outC; o++) for (let oy = 0; oy < outH; oy++) for (let ox = 0; ox < outW; ox++) fanIn[(o * outH + oy) * outW + ox] = inC * y.taps[oy] * x.taps[ox];
    for (let c = 0; c < inC; c++) for (let iy = 0; iy < inH; iy++) for (let ix = 0; ix < inW; ix++) fanOut[(c * inH + iy) * inW + ix] = outC * y.readers[iy] * x.readers[ix];
  } else {
    forEachConnection(layer, (j, i) => {
      fanOut[j]++;
      fanIn[i]++;
    });
  }
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
