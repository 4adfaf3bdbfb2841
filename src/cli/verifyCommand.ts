/** `spikegrad verify MODEL`: the event-driven SNN against the integer ANN on test images, value by value. */
import { Option, type Command } from 'commander';
import { verifySamples } from '../verify/verifySamples.js';
import { loadModel } from '../network/modelFile.js';
import { imageAt } from '../train/data/dataset.js';
import { DATASET_NAMES, loadDataset } from '../train/data/sources.js';
import { checkModelFitsData } from '../train/evaluate.js';
import { trainOnlineSideBySide } from '../verify/onlineTraining.js';
import { describeMismatch } from '../equivalence/compare.js';
import { parseOrders } from '../streams/orders/index.js';
import { addSnnOptions, integerOption, type SnnCliOptions } from './snnOptions.js';
import cliProgress from 'cli-progress';
import { relativeOpsChart, writeSvg } from '../report/charts.js';
import { IntegerAnn } from '../equivalence/integerAnn.js';
import { DEFAULT_HYPERPARAMETERS } from '../train/optimizer.js';

interface VerifyOptions extends SnnCliOptions {
  samples: string;
  dataset: string;
  dataDir?: string;
  alpha?: string;
  trainSteps?: string;
  batch: string;
  plot?: string;
  json?: boolean;
}

export function registerVerify(program: Command): void {
  addSnnOptions(
    program
      .command('verify')
      .description('run the event-driven SNN on test images and compare every accumulated value with the integer ANN (exit 1 on any mismatch)')
      .argument('<model>', 'a spikegrad-model/1 safetensors file'),
  )
    .option('--samples <n>', 'test images', '1000')
    .addOption(new Option('--dataset <name>', 'data set').choices([...DATASET_NAMES]).default('mnist'))
    .option('--data-dir <dir>', 'folder with the data set files')
    .option('--alpha <a>', 'error scale α (default: the one the model was trained with, else 50)')
    .option('--train-steps <k>', 'then K mini-batches of on-line training through the SNN beside the integer ANN trainer, weights compared after every step')
    .option('--batch <n>', 'mini-batch size for --train-steps', '8')
    .option('--plot <file>', 'relative synaptic operations per layer as SVG')
    .option('--json', 'print one JSON object')
    .action(async (file: string, o: VerifyOptions) => {
      const { network, info } = loadModel(file);
      const splits = loadDataset(o.dataset, o.dataDir);
      checkModelFitsData(network, splits.test);
      const alpha = Number(o.alpha ?? info.alpha ?? 50);
      const n = Math.min(integerOption('--samples', o.samples), splits.test.count);
      const samples = Array.from({ length: n }, (_, i) => ({ input: imageAt(splits.test, i), target: splits.test.labels[i] }));
      const workers = integerOption('--workers', o.workers);
      const bar = new cliProgress.SingleBar({ format: 'verify |{bar}| {value}/{total} samples', stream: process.stderr, hideCursor: true, noTTYOutput: true, notTTYSchedule: 10_000 }, cliProgress.Presets.shades_classic);
      if (!o.json) bar.start(n, 0);
      const report = await verifySamples(network, samples, alpha, {
        workers,
        order: o.order,
        seed: integerOption('--seed', o.seed),
        policy: o.policy,
        eventBudget: Number(o.budget),
        onSample: workers <= 1 ? () => bar.increment() : undefined,
      });
      bar.update(n);
      bar.stop();
      // The yardstick: the integer ANN, forward and backward, one thread, on the same images.
      const ann = new IntegerAnn(network);
      const annStart = performance.now();
      for (const sample of samples) ann.run(sample.input, sample.target, alpha);
      const annSecondsPerImage = (performance.now() - annStart) / 1000 / Math.max(1, n);
      let online: { steps: number; identical: boolean; firstDifference: string | null } | null = null;
      if (o.trainSteps) {
        const steps = integerOption('--train-steps', o.trainSteps);
        const reports = await trainOnlineSideBySide(
          network, splits.train, steps, integerOption('--batch', o.batch), alpha,
          { ...DEFAULT_HYPERPARAMETERS, schedule: 'constant' },
          { orders: parseOrders(o.order), seed: integerOption('--seed', o.seed), policy: o.policy, eventBudget: Number(o.budget) },
          integerOption('--seed', o.seed),
          (r) => { if (!o.json) console.log(`on-line SNN training step ${r.step}/${steps}: weights ${r.identical ? 'identical to the integer ANN trainer' : 'DIFFER'}`); },
        );
        const bad = reports.find((r) => !r.identical);
        online = { steps, identical: !bad, firstDifference: bad ? `step ${bad.step}: ${describeMismatch(bad.mismatches[0])}` : null };
      }
      const layers = report.stats.layers.map((l) => ({ layer: l.layer, kind: l.kind, forward: l.forward.relativeOps, backward: l.backward.relativeOps, forwardBestCase: l.forward.bestCaseRelativeOps, backwardBestCase: l.backward.bestCaseRelativeOps }));
      const ok = report.bitExact === report.samples && (online?.identical ?? true);
      if (o.plot) await writeSvg(o.plot, relativeOpsChart(report.stats, `relative synaptic operations, ${report.samples} ${o.dataset} test images (${o.order} order)`));
      if (o.json) {
        console.log(JSON.stringify({
          samples: report.samples, bitExact: report.bitExact, mismatches: report.failures.map((f) => ({ sample: f.index, differences: f.mismatches.map(describeMismatch) })),
          accuracy: report.accuracy, annAccuracy: report.annAccuracy, relativeSynapticOps: layers, workers: report.workers, seconds: report.seconds,
          secondsPerImage: report.seconds / Math.max(1, report.samples), annSecondsPerImage, online,
        }));
      } else {
        console.log(`bit-exact: ${report.bitExact}/${report.samples}`);
        for (const f of report.failures.slice(0, 10)) console.log(`  sample ${f.index}: ${f.mismatches.map(describeMismatch).join('; ')}`);
        console.log(`SNN accuracy ${(100 * report.accuracy).toFixed(2)} % (integer ANN ${(100 * report.annAccuracy).toFixed(2)} %), ${report.workers} worker(s), ${(report.seconds / Math.max(1, report.samples) * 1000).toFixed(1)} ms per image (integer ANN, forward and backward, one thread: ${(annSecondsPerImage * 1000).toFixed(1)} ms)`);
        console.log('relative synaptic operations (SNN accumulations / ANN MACs; best case = integer ANN counts):');
        for (const l of layers) console.log(`  layer ${l.layer} ${l.kind.padEnd(7)} forward ${l.forward.toFixed(3)} (best ${l.forwardBestCase.toFixed(3)})  backward ${l.backward.toFixed(3)} (best ${l.backwardBestCase.toFixed(3)})`);
        if (online) console.log(`on-line SNN training: ${online.steps} steps, ${online.identical ? 'weights identical after every step' : `weights differ (${online.firstDifference})`}`);
      }
      if (!ok) process.exitCode = 1;
    });
}
