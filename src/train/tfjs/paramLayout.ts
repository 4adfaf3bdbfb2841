/**
 * Moves a weighted layer's parameters between the integer network's layouts (conv [out][in][ky][kx],
 * dense [out][in]) and the tfjs mirror's (conv [ky][kx][in][out]; dense [out][in] as well, so that the
 * forward product x·Wᵀ streams the weights instead of repacking them every step). Pure index mapping.
 */
import type { Conv2dLayer, DenseLayer } from '../../network/topology.js';

/** Index in the tfjs layout of each weight in the network layout. */
function tfjsIndexOf(layer: DenseLayer | Conv2dLayer): Int32Array {
  const index = new Int32Array(layer.weights.length);
  if (layer.kind === 'dense') {
    for (let i = 0; i < index.length; i++) index[i] = i;
    return index;
  }
  const { kernel: k, channels: out } = layer;
  const inC = layer.inShape[0];
  for (let o = 0; o < out; o++)
    for (let i = 0; i < inC; i++)
      for (let y = 0; y < k; y++) for (let x = 0; x < k; x++) index[((o * inC + i) * k + y) * k + x] = ((y * k + x) * inC + i) * out + o;
  return index;
}

/** Network-layout weights → tfjs layout, each multiplied by `scale`. */
export function toTfjsLayout(layer: DenseLayer | Conv2dLayer, weights: ArrayLike<number>, scale = 1): Float64Array {
  const index = tfjsIndexOf(layer);
  const out = new Float64Array(weights.length);
  for (let i = 0; i < index.length; i++) out[index[i]] = weights[i] * scale;
  return out;
}

/** A weighted layer's integer parameters in real units, tfjs layout: [W·scale/Θ, b/Θ]. */
export function realParameters(layer: DenseLayer | Conv2dLayer, weightScale = 1): [Float64Array, Float64Array] {
  return [toTfjsLayout(layer, layer.weights, weightScale / layer.theta), Float64Array.from(layer.bias, (b) => b / layer.theta)];
}

/** tfjs-layout values → network layout. */
export function fromTfjsLayout(layer: DenseLayer | Conv2dLayer, values: ArrayLike<number>): Float64Array {
  const index = tfjsIndexOf(layer);
  const out = new Float64Array(values.length);
  for (let i = 0; i < index.length; i++) out[i] = values[index[i]];
  return out;
}
