/** The tiny MNIST topology the training tests share: conv (stride 2) → pool → dense. */
import type { Architecture } from '../../src/network/architecture.js';

export function tinyMnistTopology(channels = 4, stride = 2, theta = 1024): Architecture {
  return {
    inputShape: [1, 28, 28],
    layers: [
      { kind: 'conv2d', channels, kernel: 5, stride, padding: 0, activation: 'relu', theta, thetaBp: 4 },
      { kind: 'avgpool', size: 2, weight: 1, activation: 'linear', theta: 4, thetaBp: theta },
      { kind: 'flatten' },
      { kind: 'dense', units: 10, activation: 'linear', theta, thetaBp: theta },
    ],
  };
}
