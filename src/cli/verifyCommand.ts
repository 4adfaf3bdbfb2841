/** `spikegrad verify MODEL`: the event-driven SNN against the integer ANN on test images, value by value. */
import { describeMismatch } from '../equivalence/compare.js';
import { IntegerAnn } from '../equivalence/integerAnn.js';
import { InputError } from '../errors.js';
import { loadModel } from '../network/modelFile.js';
import { relativeOpsChart, writeSvg } from '../report/charts.js';
import { parseOrders } from '../streams/orders/index.js';
import { imageAt } from '../train/data/dataset.js';
import { loadDataset } from '../train/data/sources.js';
import { checkModelFitsData } from '../train/evaluate.js';
import { DEFAULT_HYPERPARAMETERS } from '../train/optimizer.js';
import { trainOnlineSideBySide } from '../verify/onlineTraining.js';
import { verifySamples } from '../verify/verifySamples.js';
import { defineCommand } from './command.js';
import { dataOptions, orderLabel, snnRunOptions, snnSettings } from './commonOptions.js';
import { flag, integer, number, outputFile, text } from './options.js';
import { readInputFile } from '../files.js';
import type { VerifyJob, VerifyPart } from '../verify/verifyJobs.js';
import { startProgress, withProgress } from './progress.js';

/** α of a model: as asked, else the one it was trained with, else 50. */
export function modelAlpha(asked: number | undefined, info: Record<string, string>, file: string): number {
  if (asked !== undefined) return asked;
  if (info.alpha === undefined) return 50;
  const alpha = Number(info.alpha);
  if (!(alpha > 0 && Number.isFinite(alpha))) throw new InputError(`${file}: __metadata__.alpha: expected a positive number, found ${JSON.stringify(info.alpha)}; pass --alpha`);
  return alpha;
}

export const verifyCommand = defineCommand({
  name: 'verify',
  summary: 'run the event-driven SNN on test images and compare every accumulated value with the integer ANN (exit 1 on any difference)',
  details: [
    'Samples are split across worker threads in contiguous parts, each running a whole SNN and integer ANN; sample i is delivered in the order seeded by seed + i, so the report is the same for any worker count. With --train-steps K, K mini-batches of on-line training run through the SNN beside the integer ANN trainer, and the weights are compared after every step.',
    'With an imperfect --barrier (timeout:T, none) differences are what is measured: the report gives them (and the drift of the on-line trained weights: weights changed, relative L1 distance) and the exit status is 0; with the exact barrier any difference is exit 1.',
  ],
  arguments: [{ name: 'model', description: 'a spikegrad-model/1 safetensors file' }],
  options: {
    ...snnRunOptions('worker threads, each verifying a contiguous part of the samples'),
    samples: integer({ min: 1, default: '1000', defaultDoc: '1000, or the whole test set if smaller', description: 'test images' }),
    ...dataOptions,
    alpha: number({ above: 0, max: 1e6, placeholder: '<a>', defaultDoc: 'the one the model was trained with, else 50', description: 'error scale α' }),
    trainSteps: integer({ min: 1, max: 100_000, placeholder: '<k>', description: 'then K mini-batches of on-line training through the SNN beside the integer ANN trainer, weights compared after every step' }),
    batch: integer({ min: 1, max: 4096, default: '8', description: 'mini-batch size for --train-steps' }),
    plot: outputFile({ description: 'relative synaptic operations per layer and direction as SVG' }),
    queue: text({ placeholder: '<url>', description: 'redis://HOST:PORT: verify the images in jobs of --job-size on a BullMQ queue (`spikegrad worker` processes, anywhere), merged in index order: the same report as here' }),
    jobSize: integer({ min: 1, max: 1_000_000, default: '100', description: 'test images per job, with --queue' }),
    json: flag({ description: 'print one JSON object (progress stays on stderr)' }),
  },
  check(o, { given }) {
    if (o.concurrent && o.trainSteps !== undefined) throw new InputError('--train-steps: on-line training changes the weights between examples, which the concurrent layer threads hold; run it without --concurrent');
    if (o.queue !== undefined) {
      if (o.concurrent) throw new InputError('--queue: each job verifies its images in one thread of a `spikegrad worker`; leave out --concurrent');
      if (o.trainSteps !== undefined) throw new InputError('--train-steps: on-line training is one sequence of weight changes, which cannot be cut into jobs; run it without --queue');
      if (given('workers')) throw new InputError('--workers: with --queue the images go to `spikegrad worker` processes (start one per core); leave out --workers');
    }
    if (given('jobSize') && o.queue === undefined) throw new InputError('--job-size: only used with --queue');
    if (given('batch') && o.trainSteps === undefined) throw new InputError('--batch: only used with --train-steps (the mini-batches of on-line training); verification runs one sample at a time');
  },
  async run([file], o, { given }) {
    const { network, info } = loadModel(file);
    const splits = loadDataset(o.dataset, o.dataDir);
    checkModelFitsData(network, splits.test);
    const alpha = modelAlpha(o.alpha, info, file);
    if (given('samples') && o.samples > splits.test.count) throw new InputError(`--samples: expected at most ${splits.test.count} (the test set of ${o.dataset}), found ${o.samples}`);
    const n = Math.min(o.samples, splits.test.count);
    const samples = Array.from({ length: n }, (_, i) => ({ input: imageAt(splits.test, i), target: splits.test.labels[i] }));
    const { options: snn } = snnSettings(o, given);
    const exactBarrier = snn.barrier!.kind === 'exact';
    const timing = { latency: snn.latency, barrier: snn.barrier, inputTiming: snn.inputTiming };
    let jobs: number | null = null;
    const report = await withProgress(`verify${o.queue ? ` on ${o.queue}` : ''} |{bar}| {value}/{total} samples | ETA {eta}s`, n, async (p) => {
      if (!o.queue) return verifySamples(network, samples, alpha, { workers: o.concurrent ? 1 : o.workers, concurrent: o.concurrent, rangeCheck: o.rangeCheck, order: o.order, seed: o.seed, policy: o.policy, eventBudget: o.budget, ...timing, onProgress: (done) => p.update(done) });
      const { sha256, submitJobs } = await import('../verify/jobQueue.js');
      const { planSampleRanges } = await import('../verify/sampleJobs.js');
      const { mergeVerifyParts, verifyJobs } = await import('../verify/verifyJobs.js');
      const start = performance.now();
      const bytes = readInputFile(file, 'model');
      const ranges = planSampleRanges(sha256(bytes), o.dataset, o.dataDir, splits.test, n, o.jobSize);
      jobs = ranges.length;
      const settings = { order: o.order, seed: o.seed, policy: o.policy, eventBudget: o.budget, rangeCheck: o.rangeCheck, latency: o.latency ?? null, barrier: o.barrier, inputTiming: o.inputTiming };
      let done = 0;
      const parts = await submitJobs<VerifyJob, VerifyPart>(o.queue, verifyJobs(ranges, alpha, settings), { blobs: [bytes], onResult: (_k, index) => p.update((done += ranges[index].to - ranges[index].from)) });
      return mergeVerifyParts(parts, (performance.now() - start) / 1000);
    });
    // The yardstick: the integer ANN, forward and backward, one thread, on the same images.
    const ann = new IntegerAnn(network);
    const annStart = performance.now();
    for (const sample of samples) ann.run(sample.input, sample.target, alpha);
    const annSecondsPerImage = (performance.now() - annStart) / 1000 / n;
    let online: { steps: number; identical: boolean; firstDifference: string | null; drift: { step: number; changedWeights: number; relativeL1: number }[] } | null = null;
    if (o.trainSteps !== undefined) {
      const steps = o.trainSteps;
      const bar = startProgress('on-line training |{bar}| {value}/{total} steps', steps);
      const reports = await trainOnlineSideBySide(
        network, splits.train, steps, o.batch, alpha,
        { ...DEFAULT_HYPERPARAMETERS, schedule: 'constant' },
        { orders: parseOrders(o.order), seed: o.seed, policy: o.policy, eventBudget: o.budget, rangeCheck: o.rangeCheck, ...timing },
        o.seed,
        (r) => {
          bar.update(r.step);
          if (!o.json) process.stderr.write(`on-line SNN training step ${r.step}/${steps}: weights ${r.identical ? 'identical to the integer ANN trainer' : `differ: ${r.changedWeights} of ${r.weights} changed, relative L1 distance ${r.relativeL1.toExponential(3)}`}\n`);
        },
      ).finally(() => bar.stop());
      const bad = reports.find((r) => !r.identical);
      online = {
        steps, identical: !bad, firstDifference: bad ? `step ${bad.step}: ${describeMismatch(bad.mismatches[0])}` : null,
        drift: reports.map((r) => ({ step: r.step, changedWeights: r.changedWeights, relativeL1: r.relativeL1 })),
      };
    }
    const layers = report.stats.layers.map((l) => ({ layer: l.layer, kind: l.kind, forward: l.forward.relativeOps, backward: l.backward.relativeOps, forwardBestCase: l.forward.bestCaseRelativeOps, backwardBestCase: l.backward.bestCaseRelativeOps }));
    const ok = !exactBarrier || (report.bitExact === report.samples && (online?.identical ?? true));
    if (o.plot) await writeSvg(o.plot, relativeOpsChart(network, report.stats, `${file}: ${report.samples} ${o.dataset} test images, ${orderLabel(o)}, ${o.policy} policy, α ${alpha}`));
    if (o.json) {
      console.log(JSON.stringify({
        samples: report.samples, bitExact: report.bitExact, mismatches: report.failures.map((f) => ({ sample: f.index, differences: f.mismatches.map(describeMismatch) })),
        accuracy: report.accuracy, annAccuracy: report.annAccuracy, relativeSynapticOps: layers, ...(jobs === null ? { workers: report.workers } : { queue: { url: o.queue, jobs } }), seconds: report.seconds,
        secondsPerImage: report.seconds / report.samples, snnSecondsPerImage: report.snnSeconds / report.samples, annSecondsPerImage, online,
      }));
    } else {
      console.log(`bit-exact: ${report.bitExact}/${report.samples}`);
      for (const f of report.failures.slice(0, 10)) console.log(`  sample ${f.index}: ${f.mismatches.map(describeMismatch).join('; ')}`);
      console.log(`SNN accuracy ${(100 * report.accuracy).toFixed(2)} % (integer ANN ${(100 * report.annAccuracy).toFixed(2)} %), ${jobs === null ? `${report.workers} worker(s)` : `${jobs} jobs on ${o.queue}`}, ${((report.seconds / report.samples) * 1000).toFixed(1)} ms per image, of which the SNN's runs ${((report.snnSeconds / report.samples) * 1000).toFixed(1)} ms per thread (integer ANN, forward and backward, one thread: ${(annSecondsPerImage * 1000).toFixed(1)} ms)`);
      console.log('relative synaptic operations (SNN accumulations / ANN MACs; best case = integer ANN counts):');
      for (const l of layers) console.log(`  layer ${l.layer} ${l.kind.padEnd(7)} forward ${l.forward.toFixed(3)} (best ${l.forwardBestCase.toFixed(3)})  backward ${l.backward.toFixed(3)} (best ${l.backwardBestCase.toFixed(3)})`);
      if (online) console.log(`on-line SNN training: ${online.steps} steps, ${online.identical ? 'weights identical after every step' : `weights differ (${online.firstDifference})`}`);
    }
    if (!ok) process.exitCode = 1;
  },
});
