/** Exact-engine training throughput on the MNIST topology, batch 32, 1 and 2 workers in one run. */
import { initNetwork } from '../src/network/init.js';
import { mnistArchitecture } from '../src/network/presets.js';
import { sliceDataset } from '../src/train/data/dataset.js';
import { loadDataset } from '../src/train/data/sources.js';
import { trainExact } from '../src/train/exactTrainer.js';
import { DEFAULT_HYPERPARAMETERS } from '../src/train/optimizer.js';

const IMAGES = Number(process.env.BENCH_TRAIN_IMAGES ?? 3200);

export async function benchTraining(): Promise<void> {
  const splits = loadDataset('mnist');
  const train = sliceDataset(splits.train, 0, IMAGES);
  const validation = sliceDataset(splits.validation, 0, 1);
  console.log(`\nexact-engine training (spike gradient), MNIST topology, batch 32, ${IMAGES} images`);
  const rates: number[] = [];
  for (const workers of [1, 2]) {
    const network = initNetwork(mnistArchitecture(), { seed: 1, inputRms: 100 });
    const r = await trainExact(network, train, validation, {
      epochs: 1, batch: 32, alpha: 50, seed: 1, inputScale: DEFAULT_HYPERPARAMETERS.inputScale, workers,
      optimizer: { ...DEFAULT_HYPERPARAMETERS, schedule: 'cosine' },
    });
    rates.push(r.history[0].imagesPerSecond);
    console.log(`  ${workers} worker${workers > 1 ? 's' : ' (this thread)'}: ${r.history[0].imagesPerSecond.toFixed(0)} images/s`);
  }
  console.log(`  speed-up from 2 workers: ${(rates[1] / rates[0]).toFixed(2)}× (the TensorFlow.js engine, target ≥ 3,000 images/s, is not part of this version)`);
}
