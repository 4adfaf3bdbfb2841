/**
 * `spikegrad demo` (`npm start`): the main job on the embedded MNIST data, in a few minutes on 2 cores:
 * train with the spike gradient (tfjs engine), export the integer model, evaluate it with the integer
 * ANN, verify test images on the asynchronous SNN with worker threads, train a few steps on-line
 * through the SNN, and summarise.
 */
import type { Command } from 'commander';
import { InputError } from '../errors.js';
import cliProgress from 'cli-progress';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { verifySamples } from '../verify/verifySamples.js';
import { defaultWorkers } from '../actors/openNetwork.js';
import { initNetwork } from '../network/init.js';
import { loadModel, saveModel } from '../network/modelFile.js';
import { mnistArchitecture } from '../network/presets.js';
import { imageAt, sliceDataset } from '../train/data/dataset.js';
import { loadDataset } from '../train/data/sources.js';
import { evaluate } from '../train/evaluate.js';
import { trainTfjs } from '../train/tfjs/tfjsTrainer.js';
import { DEFAULT_WEIGHT_BITS } from '../train/tfjs/quantise.js';
import { trainOnlineSideBySide } from '../verify/onlineTraining.js';
import { parseOrders } from '../streams/orders/index.js';
import { integerOption } from './snnOptions.js';
import { relativeOpsChart, spikeRasterChart, writeSvg } from '../report/charts.js';
import { decodeEventLog, EventLogWriter } from '../streams/eventLog.js';
import { simulateCase } from '../actors/simulateCase.js';
import { DEFAULT_HYPERPARAMETERS } from '../train/optimizer.js';

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('the main job on embedded MNIST: train, export, evaluate, verify on the asynchronous SNN with workers, summarise')
    .option('--train-images <n>', 'training images per epoch', '50000')
    .option('--epochs <n>', 'epochs', '2')
    .option('--verify <n>', 'test images verified on the SNN', '300')
    .option('--seed <n>', 'seed', '1')
    .option('--alpha <a>', 'error scale α of the spike gradient', '50')
    .option('--out <dir>', 'where the model goes', 'out')
    .action(async (o: { trainImages: string; epochs: string; verify: string; seed: string; alpha: string; out: string }) => {
      const started = performance.now();
      const seed = integerOption('--seed', o.seed);
      const alpha = Number(o.alpha);
      if (!(alpha > 0 && Number.isFinite(alpha))) throw new InputError(`--alpha: expected a positive number, found "${o.alpha}"`);
      const splits = loadDataset('mnist');
      const train = sliceDataset(splits.train, 0, integerOption('--train-images', o.trainImages));
      const network = initNetwork(mnistArchitecture(), { seed, inputRms: 100 });
      const epochs = integerOption('--epochs', o.epochs);
      console.log(`spikegrad demo: MNIST 28x28-15C5-P2-40C5-P2-300-10, spike gradient (α ${alpha}), ${epochs} epoch(s) of ${train.count} training images, seed ${seed}`);
      const bar = new cliProgress.SingleBar({ format: 'epoch {epoch} |{bar}| {percentage}% | loss {loss} | acc {acc} | {ips} img/s | ETA {eta}s', stream: process.stderr, hideCursor: true, noTTYOutput: true, notTTYSchedule: 10_000 }, cliProgress.Presets.shades_classic);
      let barEpoch = -1;
      mkdirSync(o.out, { recursive: true });
      const modelPath = join(o.out, 'demo-model.safetensors');
      const workers = defaultWorkers();
      const result = await trainTfjs(network, { train, validation: splits.validation, test: splits.test }, {
        epochs, batch: 32, alpha, seed, inputScale: DEFAULT_HYPERPARAMETERS.inputScale, workers, gradient: 'spike', backend: 'auto', weightBits: DEFAULT_WEIGHT_BITS,
        optimizer: { ...DEFAULT_HYPERPARAMETERS, schedule: 'cosine' },
      }, {
        onBatch: (r) => {
          if (r.epoch !== barEpoch) {
            if (barEpoch >= 0) bar.stop();
            bar.start(r.batches, 0, { epoch: `${r.epoch + 1}/${epochs}`, loss: '-', acc: '-', ips: '-' });
            barEpoch = r.epoch;
          }
          bar.update(r.batch, { loss: r.loss.toFixed(3), acc: r.accuracy.toFixed(3), ips: r.imagesPerSecond.toFixed(0) });
        },
        onEpoch: (record) => {
          bar.stop();
          barEpoch = -1;
          console.log(`epoch ${record.epoch}/${epochs}: ${record.imagesPerSecond.toFixed(0)} images/s, validation ${(100 * record.validationAccuracy).toFixed(2)} % (exported integer network)`);
        },
      });
      saveModel(modelPath, { network: result.bestNetwork, info: { alpha: String(alpha), dataset: 'mnist', engine: 'tfjs' } });
      const exported = loadModel(modelPath).network;
      const test = evaluate(exported, splits.test);
      console.log(`trained with the tfjs engine (${result.backend}) → ${modelPath}`);
      console.log(`integer model: test accuracy ${(100 * test.accuracy).toFixed(2)} % on ${test.samples} images (integer ANN, ${(test.samples / test.seconds).toFixed(0)} images/s); tfjs with real weights ${(100 * result.tfjsTestAccuracy).toFixed(2)} %`);
      const n = Math.min(integerOption('--verify', o.verify), splits.test.count);
      const samples = Array.from({ length: n }, (_, i) => ({ input: imageAt(splits.test, i), target: splits.test.labels[i] }));
      const report = await verifySamples(exported, samples, alpha, { workers, order: 'split,delay', seed });
      console.log(`asynchronous SNN (split,delay order, ${report.workers} workers): bit-exact ${report.bitExact}/${report.samples}, SNN accuracy ${(100 * report.accuracy).toFixed(2)} %, ${(report.samples / report.seconds).toFixed(1)} images/s`);
      const opsPlot = join(o.out, 'demo-relative-ops.svg');
      await writeSvg(opsPlot, relativeOpsChart(report.stats, `relative synaptic operations, ${report.samples} MNIST test images (split,delay order)`));
      const rasterPlot = join(o.out, 'demo-spike-raster.svg');
      const mem = EventLogWriter.inMemory({});
      await simulateCase({ network: exported, input: Float64Array.from(imageAt(splits.test, 0)), target: splits.test.labels[0], alpha }, { workers: 1, orders: parseOrders('delay'), seed, log: mem.writer });
      await writeSvg(rasterPlot, spikeRasterChart(decodeEventLog(mem.bytes()).records, 'spikes of MNIST test image 0 (delay order)'));
      console.log(`charts → ${opsPlot}, ${rasterPlot}`);
      const rel = report.stats.layers.map((l) => `${l.kind} ${l.forward.relativeOps.toFixed(2)}/${l.backward.relativeOps.toFixed(2)}`).join(', ');
      console.log(`relative synaptic operations forward/backward per layer: ${rel}`);
      const online = await trainOnlineSideBySide(exported, train, 2, 8, alpha, { ...DEFAULT_HYPERPARAMETERS, schedule: 'constant' }, { orders: parseOrders('shuffle'), seed }, seed);
      console.log(`on-line training through the SNN: ${online.length} mini-batches, weights ${online.every((r) => r.identical) ? 'identical to the integer ANN trainer after every step' : 'DIFFER from the integer ANN trainer'}`);
      console.log(`done in ${((performance.now() - started) / 1000).toFixed(0)} s`);
      if (report.bitExact !== report.samples || !online.every((r) => r.identical)) process.exitCode = 1;
    });
}
