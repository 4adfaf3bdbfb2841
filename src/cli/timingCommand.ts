/** `spikegrad timing MODEL`: a timing study over test images and a grid of timing configurations. */
import { join } from 'node:path';
import { parseBarrier } from '../actors/barrier.js';
import { InputError } from '../errors.js';
import { prepareOutputFile } from '../files.js';
import { loadModel } from '../network/modelFile.js';
import { writeSvg } from '../report/charts.js';
import { tableFormat, writeTable } from '../report/tables.js';
import { accuracyOverTimeChart, configLabel, decisionTimeChart, eventsPerLayerChart } from '../report/timingCharts.js';
import { parseInputTiming } from '../streams/timing/inputTiming.js';
import { parseLatency } from '../streams/timing/latency.js';
import { imageAt } from '../train/data/dataset.js';
import { loadDataset } from '../train/data/sources.js';
import { checkModelFitsData } from '../train/evaluate.js';
import type { TimingConfig } from '../verify/timing/sampleTiming.js';
import { timingStudy, type StudyRunner } from '../verify/timing/study.js';
import type { TimingJob } from '../verify/timing/timingJobs.js';
import type { ConfigPart } from '../verify/timing/timingService.js';
import { readInputFile } from '../files.js';
import { timingTable } from '../report/timingTable.js';
import { defineCommand } from './command.js';
import { dataOptions, seedOption, timingOptions, workersOption } from './commonOptions.js';
import { choice, flag, integer, number, outputFile, outputFolder, repeatable, text } from './options.js';
import { startProgress, type Progress } from './progress.js';
import { modelAlpha } from './verifyCommand.js';
import { DEFAULT_EVENT_BUDGET } from '../actors/eventBudget.js';

const fmt = (x: number | null): string => (x === null ? '—' : Number.isInteger(x) ? String(x) : x.toFixed(2));

export const timingCommand = defineCommand({
  name: 'timing',
  summary: 'a timing study: test images under a grid of latency models, barriers and policies — accuracy over time, decision and quiescence times, work per layer, deviation from the integer ANN',
  details: [
    'Every combination of the given --latency, --barrier and --policy values is one configuration; each runs the first --samples test images through the event-driven SNN beside the integer ANN. Sample i is seeded by seed + i and the samples are split across worker threads in contiguous parts, so the report is the same, byte for byte, for any worker count. Virtual time units are the latency model\'s (docs/timing.md).',
    '--json prints {"samples": N, "configs": [{"latency", "barrier", "policy", "accuracy", "exact", "decisionTime": {"median", "p90", "p99", "max"}, "accuracyOverTime": [[t, accuracy], …], "deviation", "layers", …}]}; --table writes one row per configuration and sample (CSV or Apache Arrow); --plot DIR writes timing-accuracy.svg, timing-decision.svg and timing-events.svg.',
  ],
  arguments: [{ name: 'model', description: 'a spikegrad-model/1 safetensors file' }],
  options: {
    samples: integer({ min: 1, default: '1000', defaultDoc: '1000, or the whole test set if smaller', description: 'test images' }),
    ...dataOptions,
    latency: repeatable({ ...timingOptions.latency, default: 'const:1', description: 'a latency model of the grid (repeat for more)' }),
    barrier: repeatable({ ...timingOptions.barrier, description: 'a barrier of the grid: exact, timeout:T or none (repeat for more)' }),
    policy: repeatable(choice(['single', 'burst'] as const, { default: 'single', placeholder: '<policy>', description: 'a spike policy of the grid (repeat for both)' })),
    inputTiming: timingOptions.inputTiming,
    alpha: number({ above: 0, max: 1e6, placeholder: '<a>', defaultDoc: 'the one the model was trained with, else 50', description: 'error scale α' }),
    seed: seedOption('seed of the delays and of the order of simultaneous arrivals'),
    budget: number({ above: 0, default: String(DEFAULT_EVENT_BUDGET), placeholder: '<events>', description: 'refuse samples whose event bound exceeds this many events' }),
    workers: workersOption('worker threads, each taking a contiguous part of the samples'),
    queue: text({ placeholder: '<url>', description: 'redis://HOST:PORT: measure in jobs (configuration × --job-size images) on a BullMQ queue (`spikegrad worker` processes, anywhere), merged in index order: the same report and table as here' }),
    jobSize: integer({ min: 1, max: 1_000_000, default: '100', description: 'test images per job, with --queue' }),
    table: outputFile({ description: 'per-sample results as a table: FILE.csv or FILE.arrow (Apache Arrow IPC)' }),
    plot: outputFolder({ placeholder: '<dir>', description: 'write the study\'s SVG charts into this folder' }),
    json: flag({ description: 'print one JSON object (progress stays on stderr)' }),
  },
  check(o, { given }) {
    if (o.table) tableFormat(o.table);
    if (o.queue !== undefined && given('workers')) throw new InputError('--workers: with --queue the images go to `spikegrad worker` processes (start one per core); leave out --workers');
    if (given('jobSize') && o.queue === undefined) throw new InputError('--job-size: only used with --queue');
  },
  async run([file], o, { given }) {
    // Every grammar was checked option by option; these parse again into the objects the study uses.
    o.latency.forEach((t) => parseLatency(t));
    o.barrier.forEach((t) => parseBarrier(t));
    parseInputTiming(o.inputTiming);
    const configs: TimingConfig[] = o.latency.flatMap((latency) => o.barrier.flatMap((barrier) => o.policy.map((policy) => ({ latency, barrier, policy, inputTiming: o.inputTiming }))));
    if (o.plot) for (const name of ['timing-accuracy.svg', 'timing-decision.svg', 'timing-events.svg']) prepareOutputFile(join(o.plot, name), '--plot');
    const { network, info } = loadModel(file);
    const splits = loadDataset(o.dataset, o.dataDir);
    checkModelFitsData(network, splits.test);
    const alpha = modelAlpha(o.alpha, info, file);
    if (given('samples') && o.samples > splits.test.count) throw new InputError(`--samples: expected at most ${splits.test.count} (the test set of ${o.dataset}), found ${o.samples}`);
    const n = Math.min(o.samples, splits.test.count);
    const samples = Array.from({ length: n }, (_, i) => ({ input: imageAt(splits.test, i), target: splits.test.labels[i] }));
    let bar: Progress | null = null;
    const settings = { configs, seed: o.seed, eventBudget: o.budget };
    let elsewhere: StudyRunner | undefined;
    if (o.queue) {
      const { sha256, submitJobs } = await import('../verify/jobQueue.js');
      const { planSampleRanges } = await import('../verify/sampleJobs.js');
      const { queueRunner } = await import('../verify/timing/timingJobs.js');
      const bytes = readInputFile(file, 'model');
      const ranges = planSampleRanges(sha256(bytes), o.dataset, o.dataDir, splits.test, n, o.jobSize);
      elsewhere = queueRunner(ranges, alpha, settings, (jobs, onResult) => submitJobs<TimingJob, ConfigPart>(o.queue!, jobs, { blobs: [bytes], onResult }));
    }
    const { report, perSample } = await timingStudy(network, samples, alpha, { ...settings, workers: o.workers }, {
      onConfig: (c) => {
        bar?.stop();
        bar = startProgress(`timing ${c + 1}/${configs.length} ${configLabel(configs[c])} |{bar}| {value}/{total} samples | ETA {eta}s`, n);
      },
      onProgress: (done) => bar?.update(done),
    }, elsewhere).finally(() => bar?.stop());
    const heading = `${file}: ${n} ${o.dataset} test images, α ${alpha}, seed ${o.seed}`;
    if (o.plot) {
      await writeSvg(join(o.plot, 'timing-accuracy.svg'), accuracyOverTimeChart(report, heading));
      await writeSvg(join(o.plot, 'timing-decision.svg'), decisionTimeChart(report, perSample, heading));
      await writeSvg(join(o.plot, 'timing-events.svg'), eventsPerLayerChart(report, heading));
    }
    if (o.table) writeTable(o.table, timingTable(configs, perSample));
    if (o.json) {
      console.log(JSON.stringify(report));
      return;
    }
    console.log(`timing study: ${heading}`);
    for (const c of report.configs) {
      console.log(`\n${configLabel(c)}`);
      console.log(`  accuracy ${(100 * c.accuracy).toFixed(2)} % (integer ANN ${(100 * c.annAccuracy).toFixed(2)} %), exact ${c.exact}/${report.samples}, prediction changed on ${c.deviation.predictionChanged}`);
      const d = (name: string, q: { median: number | null; p90: number | null; p99: number | null; max: number | null }) => `  ${name.padEnd(22)} median ${fmt(q.median)}  p90 ${fmt(q.p90)}  p99 ${fmt(q.p99)}  max ${fmt(q.max)}`;
      console.log(d('decision time', c.decisionTime));
      console.log(d('forward quiet', c.forwardQuietTime));
      console.log(d('quiescence', c.quiescenceTime));
      console.log(d('ΔW final', c.incrementsFinalTime));
      if (c.exact < report.samples) console.log(`  ΔW relative L1 error median ${fmt(c.deviation.increments.relativeL1.median)}, max ${fmt(c.deviation.increments.relativeL1.max)}; cosine mean ${fmt(c.deviation.increments.cosine.mean)}`);
      for (const l of c.layers) console.log(`  layer ${l.layer} ${l.kind.padEnd(7)} events/sample forward ${fmt(l.forward.events)} (redundant ${fmt(l.forward.redundant)}), backward ${fmt(l.backward.events)} (redundant ${fmt(l.backward.redundant)}); rel. ops ${l.forward.relativeOps.toFixed(3)} / ${l.backward.relativeOps.toFixed(3)}`);
    }
    if (o.table) console.log(`\ntable → ${o.table}`);
    if (o.plot) console.log(`charts → ${join(o.plot, 'timing-accuracy.svg')}, timing-decision.svg, timing-events.svg`);
  },
});
