/** The MNIST topology with seeded realistic integer weights, and a few real MNIST test images. */
import { initNetwork } from '../src/network/init.js';
import { mnistArchitecture } from '../src/network/presets.js';
import type { Network } from '../src/network/topology.js';
import { imageAt, type Dataset } from '../src/train/data/dataset.js';
import { loadDataset } from '../src/train/data/sources.js';

export interface MnistFixture {
  network: Network;
  test: Dataset;
  image: (i: number) => Uint8Array;
}

export function mnistFixture(seed = 1): MnistFixture {
  const { test } = loadDataset('mnist');
  const network = initNetwork(mnistArchitecture(), { seed });
  return { network, test, image: (i) => imageAt(test, i % test.count) };
}

/** Run `fn` repeatedly for about `seconds` and return calls per second. */
export function rate(fn: (i: number) => void, seconds = 2): number {
  for (let i = 0; i < 5; i++) fn(i);
  const start = performance.now();
  let n = 0;
  while (performance.now() - start < seconds * 1000) fn(n++);
  return (n * 1000) / (performance.now() - start);
}
