/** Dispatch to the exact kernel of each layer kind. */
import type { NeuronLayer } from '../../network/topology.js';
import { avgPoolBackward, avgPoolForward } from './avgpool.js';
import { conv2dBackward, conv2dForward, conv2dIncrements } from './conv2d.js';
import { denseBackward, denseForward, denseIncrements } from './dense.js';

/** Total integrated input a of every neuron of the layer, from the layer's input values. */
export function layerForward(layer: NeuronLayer, x: Float64Array, a: Float64Array): void {
  if (layer.kind === 'dense') denseForward(layer, x, a);
  else if (layer.kind === 'conv2d') conv2dForward(layer, x, a);
  else avgPoolForward(layer, x, a);
}

/** Error sum reaching the layer's inputs: g_j = Σ_i w_ij e_i. */
export function layerBackward(layer: NeuronLayer, e: Float64Array, g: Float64Array): void {
  if (layer.kind === 'dense') denseBackward(layer, e, g);
  else if (layer.kind === 'conv2d') conv2dBackward(layer, e, g);
  else avgPoolBackward(layer, e, g);
}

/** Weight and bias increments −e xᵀ, −e (pooling has none). */
export function layerIncrements(layer: NeuronLayer, e: Float64Array, x: Float64Array, dW: Float64Array, db: Float64Array): void {
  if (layer.kind === 'dense') denseIncrements(layer, e, x, dW, db);
  else if (layer.kind === 'conv2d') conv2dIncrements(layer, e, x, dW, db);
}
