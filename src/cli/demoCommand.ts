/**
 * `spikegrad demo` (`npm start`): the main job on the embedded MNIST data, in a few minutes on 2 cores:
 * train with the spike gradient (tfjs engine), export the integer model, evaluate it with the integer
 * ANN, verify test images on the asynchronous SNN with worker threads, train a few steps on-line
 * through the SNN, and summarise.
 */
import { join } from 'node:path';
import { logHeader, simulateCase } from '../actors/simulateCase.js';
import { initNetwork } from '../network/init.js';
import { loadModel, saveModel } from '../network/modelFile.js';
import { mnistArchitecture } from '../network/presets.js';
import { relativeOpsChart, spikeRasterChart, writeSvg } from '../report/charts.js';
import { decodeEventLog, EventLogWriter } from '../streams/eventLog.js';
import { parseOrders } from '../streams/orders/index.js';
import { imageAt, sliceDataset } from '../train/data/dataset.js';
import { loadDataset } from '../train/data/sources.js';
import { evaluate } from '../train/evaluate.js';
import { DEFAULT_HYPERPARAMETERS } from '../train/optimizer.js';
import { DEFAULT_WEIGHT_BITS } from '../train/tfjs/quantise.js';
import { trainOnlineSideBySide } from '../verify/onlineTraining.js';
import { verifySamples } from '../verify/verifySamples.js';
import { defineCommand } from './command.js';
import { seedOption, workersOption } from './commonOptions.js';
import { stoppable } from './interrupts.js';
import { integer, number, outputFolder } from './options.js';
import { startProgress, withProgress, type Progress } from './progress.js';

const VERIFY_ORDER = 'split,delay';
const RASTER_ORDER = 'delay';
const ONLINE_ORDER = 'shuffle';

export const demoCommand = defineCommand({
  name: 'demo',
  summary: 'the main job on embedded MNIST: train, export, evaluate, verify on the asynchronous SNN with workers, train on-line through the SNN, summarise',
  arguments: [],
  options: {
    trainImages: integer({ min: 1, max: 50_000, default: '50000', description: 'training images per epoch' }),
    epochs: integer({ min: 1, max: 1000, default: '2', description: 'epochs' }),
    verify: integer({ min: 1, max: 10_000, default: '300', description: 'test images verified on the SNN' }),
    seed: seedOption('seed of initialisation, shuffling and delivery orders'),
    alpha: number({ above: 0, max: 1e6, default: '50', placeholder: '<a>', description: 'error scale α of the spike gradient' }),
    workers: workersOption('worker threads for training and verification'),
    out: outputFolder({ default: 'out', description: 'where the model and the charts go' }),
  },
  async run(_args, o) {
    const started = performance.now();
    const { seed, alpha, epochs, workers } = o;
    const splits = loadDataset('mnist');
    const train = sliceDataset(splits.train, 0, o.trainImages);
    const network = initNetwork(mnistArchitecture(), { seed, inputRms: 100 });
    console.log(`spikegrad demo: MNIST 28x28-15C5-P2-40C5-P2-300-10, spike gradient (α ${alpha}), ${epochs} epoch(s) of ${train.count} training images, seed ${seed}`);
    const modelPath = join(o.out, 'demo-model.safetensors');
    const { trainTfjs } = await import('../train/tfjs/tfjsTrainer.js');
    let bar: Progress | null = null;
    let barEpoch = -1;
    let stop = false;
    const result = await stoppable(
      () => (stop = true),
      () =>
        trainTfjs(network, { train, validation: splits.validation, test: splits.test }, {
          epochs, batch: 32, alpha, seed, inputScale: DEFAULT_HYPERPARAMETERS.inputScale, workers, gradient: 'spike', backend: 'auto', weightBits: DEFAULT_WEIGHT_BITS,
          optimizer: { ...DEFAULT_HYPERPARAMETERS, schedule: 'cosine' },
        }, {
          onBatch: (r) => {
            if (r.epoch !== barEpoch) {
              bar?.stop();
              bar = startProgress('epoch {epoch} |{bar}| {percentage}% | loss {loss} | acc {acc} | {ips} img/s | ETA {eta}s', r.batches, { epoch: `${r.epoch + 1}/${epochs}`, loss: '-', acc: '-', ips: '-' });
              barEpoch = r.epoch;
            }
            bar!.update(r.batch, { loss: r.loss.toFixed(3), acc: r.accuracy.toFixed(3), ips: r.imagesPerSecond.toFixed(0) });
          },
          onEpoch: (record) => {
            bar?.stop();
            barEpoch = -1;
            console.log(`epoch ${record.epoch}/${epochs}: ${record.imagesPerSecond.toFixed(0)} images/s, validation ${(100 * record.validationAccuracy).toFixed(2)} % (exported integer network)`);
          },
          interrupted: () => stop,
        }),
    ).finally(() => bar?.stop());
    if (result.interrupted) {
      process.exitCode = 130;
      return;
    }
    saveModel(modelPath, { network: result.bestNetwork, info: { alpha: String(alpha), dataset: 'mnist', engine: 'tfjs' } });
    const exported = loadModel(modelPath).network;
    const test = await withProgress('test |{bar}| {value}/{total} images | ETA {eta}s', splits.test.count, (p) => evaluate(exported, splits.test, splits.test.count, undefined, (done) => p.update(done)));
    console.log(`trained with the tfjs engine (${result.backend}) → ${modelPath}`);
    console.log(`integer model: test accuracy ${(100 * test.accuracy).toFixed(2)} % on ${test.samples} images (integer ANN, ${(test.samples / test.seconds).toFixed(0)} images/s); tfjs with real weights ${(100 * result.tfjsTestAccuracy).toFixed(2)} %`);
    const n = o.verify;
    const samples = Array.from({ length: n }, (_, i) => ({ input: imageAt(splits.test, i), target: splits.test.labels[i] }));
    const report = await withProgress('verify |{bar}| {value}/{total} samples | ETA {eta}s', n, (p) => verifySamples(exported, samples, alpha, { workers, order: VERIFY_ORDER, seed, onProgress: (done) => p.update(done) }));
    console.log(`asynchronous SNN (${VERIFY_ORDER} order, ${report.workers} workers): bit-exact ${report.bitExact}/${report.samples}, SNN accuracy ${(100 * report.accuracy).toFixed(2)} %, ${(report.samples / report.seconds).toFixed(1)} images/s`);
    const opsPlot = join(o.out, 'demo-relative-ops.svg');
    await writeSvg(opsPlot, relativeOpsChart(exported, report.stats, `MNIST: ${report.samples} test images, order ${VERIFY_ORDER}, single policy, seed ${seed}, α ${alpha}`));
    const rasterPlot = join(o.out, 'demo-spike-raster.svg');
    const rasterCase = { network: exported, input: Float64Array.from(imageAt(splits.test, 0)), target: splits.test.labels[0], alpha };
    const mem = EventLogWriter.inMemory(logHeader(rasterCase, { order: RASTER_ORDER, seed, policy: 'single' }));
    await simulateCase(rasterCase, { workers: 1, orders: parseOrders(RASTER_ORDER), seed, log: mem.writer });
    await writeSvg(rasterPlot, spikeRasterChart(decodeEventLog(mem.bytes()).records, `spikes of MNIST test image 0 (order ${RASTER_ORDER}, single policy, seed ${seed})`));
    console.log(`charts → ${opsPlot}, ${rasterPlot}`);
    const rel = report.stats.layers.map((l) => `${l.kind} ${l.forward.relativeOps.toFixed(2)}/${l.backward.relativeOps.toFixed(2)}`).join(', ');
    console.log(`relative synaptic operations forward/backward per layer: ${rel}`);
    const steps = 2;
    const online = await withProgress('on-line training |{bar}| {value}/{total} steps', steps, (p) =>
      trainOnlineSideBySide(exported, train, steps, 8, alpha, { ...DEFAULT_HYPERPARAMETERS, schedule: 'constant' }, { orders: parseOrders(ONLINE_ORDER), seed }, seed, (r) => p.update(r.step)),
    );
    console.log(`on-line training through the SNN (${ONLINE_ORDER} order): ${online.length} mini-batches, weights ${online.every((r) => r.identical) ? 'identical to the integer ANN trainer after every step' : 'DIFFER from the integer ANN trainer'}`);
    console.log(`done in ${((performance.now() - started) / 1000).toFixed(0)} s`);
    if (report.bitExact !== report.samples || !online.every((r) => r.identical)) process.exitCode = 1;
  },
});
