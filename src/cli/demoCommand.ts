/** `spikegrad demo`: the main job on the embedded MNIST data. */
import type { Command } from 'commander';
import { IntegerAnn } from '../equivalence/integerAnn.js';
import { initNetwork } from '../network/init.js';
import { mnistArchitecture } from '../network/presets.js';
import { imageAt } from '../train/data/dataset.js';
import { loadDataset } from '../train/data/sources.js';

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('run the integer ANN of the MNIST topology on embedded MNIST test images')
    .option('--samples <n>', 'test images to run', '1000')
    .option('--seed <n>', 'seed of the integer initialisation', '1')
    .option('--alpha <a>', 'error scale α', '50')
    .action((opts: { samples: string; seed: string; alpha: string }) => {
      const splits = loadDataset('mnist');
      const network = initNetwork(mnistArchitecture(), { seed: Number(opts.seed) });
      const ann = new IntegerAnn(network);
      const n = Math.min(Number(opts.samples), splits.test.count);
      const alpha = Number(opts.alpha);
      const start = performance.now();
      let correct = 0;
      for (let i = 0; i < n; i++) {
        if (ann.run(imageAt(splits.test, i), splits.test.labels[i], alpha) === splits.test.labels[i]) correct++;
      }
      const seconds = (performance.now() - start) / 1000;
      console.log(`MNIST: ${splits.train.count} train / ${splits.validation.count} validation / ${splits.test.count} test images`);
      console.log(`integer ANN (untrained, seed ${opts.seed}): ${n} test images forward+backward in ${seconds.toFixed(2)} s (${(n / seconds).toFixed(0)} images/s), accuracy ${((100 * correct) / n).toFixed(2)} %`);
    });
}
