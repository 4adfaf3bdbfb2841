/**
 * Training throughput on the MNIST topology at batch 32, spike gradient: the tfjs engine (target
 * ≥ 3,000 images/s on 2 cores) and the exact engine, each with 1 and 2 workers in one run.
 */
import { initNetwork } from '../src/network/init.js';
import { mnistArchitecture } from '../src/network/presets.js';
import { sliceDataset } from '../src/train/data/dataset.js';
import { loadDataset } from '../src/train/data/sources.js';
import { trainExact } from '../src/train/exact/exactTrainer.js';
import { DEFAULT_HYPERPARAMETERS } from '../src/train/optimizer.js';
import { DEFAULT_WEIGHT_BITS } from '../src/train/tfjs/quantise.js';
import { trainTfjs } from '../src/train/tfjs/tfjsTrainer.js';

const TFJS_IMAGES = Number(process.env.BENCH_TFJS_IMAGES ?? 10_000);
const EXACT_IMAGES = Number(process.env.BENCH_TRAIN_IMAGES ?? 3200);

export async function benchTraining(): Promise<void> {
  const splits = loadDataset('mnist');
  const common = { epochs: 1, batch: 32, alpha: 50, seed: 1, inputScale: DEFAULT_HYPERPARAMETERS.inputScale, optimizer: { ...DEFAULT_HYPERPARAMETERS, schedule: 'cosine' as const } };
  const fresh = () => initNetwork(mnistArchitecture(), { seed: 1, inputRms: 100 });

  console.log(`\ntfjs-engine training (spike gradient), MNIST topology, batch 32, α 50, second epoch of ${TFJS_IMAGES} images (the first warms up; target ≥ 3,000 images/s on 2 cores)`);
  const data = { train: sliceDataset(splits.train, 0, TFJS_IMAGES), validation: sliceDataset(splits.validation, 0, 1), test: sliceDataset(splits.test, 0, 1) };
  const tfjsRates: number[] = [];
  for (const denseBackward of [true, false]) {
    for (const workers of [1, 2]) {
      const config = { ...common, epochs: 2, workers, gradient: 'spike' as const, backend: 'auto' as const, weightBits: DEFAULT_WEIGHT_BITS, denseBackward };
      const r = await trainTfjs(fresh(), data, config, {}, undefined, 1);
      const [first, second] = r.history;
      if (!denseBackward) tfjsRates.push(second.imagesPerSecond);
      const share = denseBackward ? 'dense backward' : `sparse backward (${(100 * second.backpropagatedShare!).toFixed(0)} % of images back-propagated; first epoch ${(100 * first.backpropagatedShare!).toFixed(0)} %, ${first.imagesPerSecond.toFixed(0)} images/s)`;
      console.log(`  ${workers} worker${workers > 1 ? 's' : ' (this thread)'}, ${r.backend}, ${share}: ${second.imagesPerSecond.toFixed(0)} images/s`);
    }
  }
  console.log(`  speed-up from 2 workers (sparse backward): ${(tfjsRates[1] / tfjsRates[0]).toFixed(2)}×`);

  console.log(`\nexact-engine training (spike gradient), MNIST topology, batch 32, ${EXACT_IMAGES} images`);
  const train = sliceDataset(splits.train, 0, EXACT_IMAGES);
  const validation = sliceDataset(splits.validation, 0, 1);
  const rates: number[] = [];
  for (const workers of [1, 2]) {
    const r = await trainExact(fresh(), train, validation, { ...common, workers });
    rates.push(r.history[0].imagesPerSecond);
    console.log(`  ${workers} worker${workers > 1 ? 's' : ' (this thread)'}: ${r.history[0].imagesPerSecond.toFixed(0)} images/s`);
  }
  console.log(`  speed-up from 2 workers: ${(rates[1] / rates[0]).toFixed(2)}×; tfjs (best) / exact (best): ${(Math.max(...tfjsRates) / Math.max(...rates)).toFixed(1)}×`);
}
