/**
 * Kernels on a layer's magnitudes |w|, |b| (the worst-case bounds of the range guard and the event
 * budget), the exact kernels run on absolute values.
 */
import type { NeuronLayer } from '../../network/topology.js';
import { layerForwardRepeated } from './repeatedPositions.js';

/** The layer with every weight and bias replaced by its magnitude (for worst-case bounds). */
export function absLayer(layer: NeuronLayer): NeuronLayer {
  if (layer.kind === 'avgpool') return { ...layer, weight: Math.abs(layer.weight) };
  return { ...layer, weights: magnitudes(layer.weights), bias: magnitudes(layer.bias) };
}

// A plain loop: TypedArray.map with a callback is several times slower on 10^7 weights.
function magnitudes(v: Float64Array): Float64Array {
  const m = new Float64Array(v.length);
  for (let i = 0; i < v.length; i++) m[i] = Math.abs(v[i]);
  return m;
}

/**
 * a = layerForward(absLayer(layer), x), bit for bit (the same order of summation), without copying a
 * dense layer's weights (a CIFAR-10 network's first dense layer has 2^25), and with convolutions on
 * repeated rows and columns computed once per class.
 */
export function magnitudeForward(layer: NeuronLayer, x: Float64Array, a: Float64Array): void {
  if (layer.kind !== 'dense') return layerForwardRepeated(absLayer(layer), x, a);
  const { weights: w, bias: b } = layer;
  const n = x.length;
  for (let i = 0; i < layer.units; i++) {
    let sum = Math.abs(b[i]);
    const row = i * n;
    for (let j = 0; j < n; j++) sum += Math.abs(w[row + j]) * x[j];
    a[i] = sum;
  }
}
