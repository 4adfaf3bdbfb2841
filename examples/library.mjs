// spikegrad as a library. The README shows this file as it is; `node examples/library.mjs` runs it.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  compareResults, evaluate, imageAt, initNetwork, loadDataset, loadModel, parseOrders, readCaseFile,
  resolveTopology, runAnnCase, saveModel, simulateCase, sliceDataset, trainTfjs, verifySamples,
} from 'spikegrad';

// A case: the event-driven SNN ends with the integer ANN's values, whatever the delivery order.
const c = readCaseFile('examples/small.case.json');
const ann = runAnnCase(c);
const snn = await simulateCase(c, { orders: parseOrders('split,delay'), seed: 7, policy: 'burst', workers: 1 });
console.log(`case: ${compareResults(ann.layers, snn.layers).length} differences; ${snn.stats.layers[0].forward.events} spikes in layer 0`);

// Train a small network in TensorFlow.js (spike gradient); what comes out is an integer network.
const mnist = loadDataset('mnist');
const data = { train: sliceDataset(mnist.train, 0, 2000), validation: sliceDataset(mnist.validation, 0, 500), test: mnist.test };
const result = await trainTfjs(initNetwork(resolveTopology('examples/tiny.topology.json'), { seed: 1 }), data, {
  epochs: 1, batch: 32, alpha: 50, seed: 1, inputScale: 255, workers: 1, gradient: 'spike', backend: 'auto', weightBits: 14,
  optimizer: { lr: 0.005, momentum: 0.9, weightDecay: 1e-4, schedule: 'cosine' },
});
const file = join(mkdtempSync(join(tmpdir(), 'spikegrad-')), 'tiny.safetensors');
saveModel(file, { network: result.bestNetwork, info: { alpha: '50' } });

// Score the saved model with the integer ANN, then run it spike by spike on two worker threads.
const { network } = loadModel(file);
console.log(`test accuracy ${((await evaluate(network, mnist.test, 1000)).accuracy * 100).toFixed(1)} % (integer ANN, 1000 images)`);
const samples = Array.from({ length: 20 }, (_, i) => ({ input: imageAt(mnist.test, i), target: mnist.test.labels[i] }));
const report = await verifySamples(network, samples, 50, { workers: 2, order: 'shuffle', seed: 3 });
console.log(`bit-exact on the SNN: ${report.bitExact}/${report.samples}`);
