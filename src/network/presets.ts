/** The paper's topologies as architectures (docs/algorithm.md §8). */
import type { Architecture, LayerArch } from './architecture.js';

/** Θbp of each layer = Θ of the layer above (unscaled gradients, docs/algorithm.md §5); the top keeps its own Θ. */
export function chainThetaBp(layers: LayerArch[]): LayerArch[] {
  const neuron = layers.map((l, i) => ('theta' in l ? i : -1)).filter((i) => i >= 0);
  return layers.map((layer, i) => {
    if (!('theta' in layer)) return layer;
    const next = neuron[neuron.indexOf(i) + 1];
    const above = next === undefined ? layer.theta : (layers[next] as { theta: number }).theta;
    return { ...layer, thetaBp: above };
  });
}

/** 28x28-15C5-P2-40C5-P2-300-10 with forward threshold Θ on the weighted layers and averaging pools. */
export function mnistArchitecture(theta = 1024): Architecture {
  const conv = (channels: number): LayerArch => ({ kind: 'conv2d', channels, kernel: 5, stride: 1, padding: 0, activation: 'relu', theta, thetaBp: theta });
  const pool: LayerArch = { kind: 'avgpool', size: 2, weight: 1, activation: 'linear', theta: 4, thetaBp: 4 };
  return {
    inputShape: [1, 28, 28],
    layers: chainThetaBp([
      conv(15), pool, conv(40), pool, { kind: 'flatten' },
      { kind: 'dense', units: 300, activation: 'relu', theta, thetaBp: theta },
      { kind: 'dense', units: 10, activation: 'linear', theta, thetaBp: theta },
    ]),
  };
}

/** 32x32-128C3-256C3-P2-512C3-P2-1024C3-512C3-1024-512-10 (padding 1 keeps the 3x3 convolutions' size). */
export function cifar10Architecture(theta = 1024): Architecture {
  const conv = (channels: number): LayerArch => ({ kind: 'conv2d', channels, kernel: 3, stride: 1, padding: 1, activation: 'relu', theta, thetaBp: theta });
  const pool: LayerArch = { kind: 'avgpool', size: 2, weight: 1, activation: 'linear', theta: 4, thetaBp: 4 };
  const dense = (units: number, activation: 'relu' | 'linear' = 'relu'): LayerArch => ({ kind: 'dense', units, activation, theta, thetaBp: theta });
  return {
    inputShape: [3, 32, 32],
    layers: chainThetaBp([conv(128), conv(256), pool, conv(512), pool, conv(1024), conv(512), { kind: 'flatten' }, dense(1024), dense(512), dense(10, 'linear')]),
  };
}
