/** Layer kinds and the shapes they produce; no arithmetic beyond shapes. */

export type Activation = 'relu' | 'linear';

/** A tensor shape as [channels, height, width]; a flat vector of n features is [n, 1, 1]. */
export type Shape3 = readonly [number, number, number];

export interface Thresholds {
  /** Forward threshold Θ (> 0). */
  theta: number;
  /** Backward threshold Θbp (> 0). */
  thetaBp: number;
}

export interface DenseLayer extends Thresholds {
  kind: 'dense';
  units: number;
  activation: Activation;
  /** Layout [out][in]. */
  weights: Float64Array;
  bias: Float64Array;
  inShape: Shape3;
  outShape: Shape3;
}

export interface Conv2dLayer extends Thresholds {
  kind: 'conv2d';
  channels: number;
  kernel: number;
  stride: number;
  padding: number;
  activation: Activation;
  /** Layout [out][in][ky][kx]. */
  weights: Float64Array;
  /** One per output channel. */
  bias: Float64Array;
  inShape: Shape3;
  outShape: Shape3;
}

/** Sum pooling with one fixed integer weight per connection; always linear, no bias. */
export interface AvgPoolLayer extends Thresholds {
  kind: 'avgpool';
  size: number;
  weight: number;
  activation: 'linear';
  inShape: Shape3;
  outShape: Shape3;
}

export interface FlattenLayer {
  kind: 'flatten';
  inShape: Shape3;
  outShape: Shape3;
}

export type NeuronLayer = DenseLayer | Conv2dLayer | AvgPoolLayer;
export type Layer = NeuronLayer | FlattenLayer;

/** An integer network: the input shape and its layers; the last layer is the classification layer. */
export interface Network {
  /** As written by the user: [features] or [channels, height, width]. */
  inputShape: readonly number[];
  layers: Layer[];
}

export const sizeOf = (shape: Shape3): number => shape[0] * shape[1] * shape[2];

export const isNeuronLayer = (layer: Layer): layer is NeuronLayer => layer.kind !== 'flatten';

export const hasWeights = (layer: Layer): layer is DenseLayer | Conv2dLayer =>
  layer.kind === 'dense' || layer.kind === 'conv2d';

/** Indices into `network.layers` of the neuron layers, bottom to top. */
export function neuronLayerIndices(network: Network): number[] {
  const indices: number[] = [];
  network.layers.forEach((layer, i) => {
    if (isNeuronLayer(layer)) indices.push(i);
  });
  return indices;
}

export function neuronLayers(network: Network): NeuronLayer[] {
  return network.layers.filter(isNeuronLayer);
}

export function convOutputSize(size: number, kernel: number, stride: number, padding: number): number {
  return Math.floor((size + 2 * padding - kernel) / stride) + 1;
}

/** Multiply-accumulates of the ANN for one layer: one per connection (docs/algorithm.md §8). */
export function connectionCount(layer: NeuronLayer): number {
  switch (layer.kind) {
    case 'dense':
      return layer.units * sizeOf(layer.inShape);
    case 'conv2d': {
      // Padding connections carry zeros and are not connections.
      const [, inH, inW] = layer.inShape;
      const [, outH, outW] = layer.outShape;
      let perChannelPair = 0;
      for (let oy = 0; oy < outH; oy++) {
        for (let ox = 0; ox < outW; ox++) {
          const y0 = oy * layer.stride - layer.padding;
          const x0 = ox * layer.stride - layer.padding;
          const ys = Math.min(inH, y0 + layer.kernel) - Math.max(0, y0);
          const xs = Math.min(inW, x0 + layer.kernel) - Math.max(0, x0);
          perChannelPair += Math.max(0, ys) * Math.max(0, xs);
        }
      }
      return perChannelPair * layer.channels * layer.inShape[0];
    }
    case 'avgpool':
      return sizeOf(layer.outShape) * layer.size * layer.size;
  }
}
