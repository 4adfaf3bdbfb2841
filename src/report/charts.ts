/**
 * Charts people would rather look at than tables, as SVG: accuracy and loss per epoch, relative
 * synaptic operations per layer, and a spike raster from an event log. Built as Vega-Lite specs,
 * rendered headless by Vega, written atomically. Titles state the run's settings.
 */
import type { TopLevelSpec } from 'vega-lite';
import { writeFileAtomic } from '../files.js';
import type { SnnStats } from '../actors/statistics.js';
import type { Network } from '../network/topology.js';
import { LogKind, type EventRecords } from '../streams/eventLog.js';
import type { EpochRecord } from '../train/trainingLoop.js';

export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  // Loaded when a chart is drawn: they take most of a command's start-up time otherwise.
  const [vega, { compile }] = await Promise.all([import('vega'), import('vega-lite')]);
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

export async function writeSvg(path: string, spec: TopLevelSpec): Promise<void> {
  writeFileAtomic(path, await renderSvg(spec));
}

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';
const FONT = { titleFontSize: 13, labelFontSize: 11 };

/** A title that wraps instead of being cut: long run descriptions become a subtitle. */
function title(text: string, subtitle?: string): { text: string; subtitle?: string[]; anchor: 'start'; fontSize: number } {
  const [head, ...rest] = text.split(': ');
  const sub = [rest.join(': '), subtitle].filter((s): s is string => !!s);
  return { text: rest.length > 0 ? head : text, ...(sub.length ? { subtitle: sub } : {}), anchor: 'start', fontSize: 14 };
}

/** Accuracy (train and validation of the exported integer network) and training loss per epoch. */
export function accuracyChart(history: readonly EpochRecord[], heading: string): TopLevelSpec {
  const accuracy = history.flatMap((h) => [
    { epoch: h.epoch, series: 'train (during the epoch)', value: h.trainAccuracy },
    { epoch: h.epoch, series: h.liveValidationAccuracy === undefined ? 'validation (exported integer network)' : 'validation (exported integer network, weight average)', value: h.validationAccuracy },
    ...(h.liveValidationAccuracy === undefined ? [] : [{ epoch: h.epoch, series: 'validation (exported integer network, live weights)', value: h.liveValidationAccuracy }]),
  ]);
  const loss = history.map((h) => ({ epoch: h.epoch, series: 'train loss', value: h.loss }));
  const x = { field: 'epoch', type: 'quantitative' as const, axis: { tickMinStep: 1, ...FONT }, scale: { domainMin: 1 } };
  return {
    $schema: SCHEMA,
    title: title(heading),
    vconcat: [
      {
        width: 460,
        height: 220,
        data: { values: accuracy },
        mark: { type: 'line', point: true },
        encoding: {
          x: { ...x, title: null },
          y: { field: 'value', type: 'quantitative', title: 'accuracy', scale: { zero: false }, axis: { format: '.1%', ...FONT } },
          color: { field: 'series', type: 'nominal', title: null, legend: { orient: 'bottom', direction: 'vertical', labelLimit: 400, ...FONT } },
        },
      },
      {
        width: 460,
        height: 120,
        data: { values: loss },
        mark: { type: 'line', point: true, color: '#555' },
        encoding: {
          x: { ...x, title: 'epoch' },
          y: { field: 'value', type: 'quantitative', title: 'cross-entropy loss', scale: { zero: false }, axis: FONT },
        },
      },
    ],
  };
}

/**
 * The paper's Figure 1 for a run: per layer, the backward pass's relative synaptic operations (integer
 * ANN best case, log scale) and the share of non-zero errors E, epoch by epoch.
 */
export function sparsityChart(history: readonly EpochRecord[], heading: string): TopLevelSpec {
  const rows = history.flatMap((h) => (h.sparsity ?? []).map((l) => ({ epoch: h.epoch, layer: `${l.layer} ${l.kind}`, ops: l.backwardRelativeOps, nonZero: l.nonZeroErrors })));
  const x = { field: 'epoch', type: 'quantitative' as const, axis: { tickMinStep: 1, ...FONT }, scale: { domainMin: 1 } };
  const color = { field: 'layer', type: 'nominal' as const, title: 'layer', sort: null, legend: { orient: 'right' as const, labelLimit: 200, ...FONT } };
  return {
    $schema: SCHEMA,
    title: title(heading),
    data: { values: rows },
    vconcat: [
      {
        width: 420, height: 200, mark: { type: 'line', point: true },
        encoding: { x: { ...x, title: null }, y: { field: 'ops', type: 'quantitative', title: 'backward relative synaptic ops', scale: { type: 'log' }, axis: FONT }, color },
      },
      {
        width: 420, height: 160, mark: { type: 'line', point: true },
        encoding: { x: { ...x, title: 'epoch' }, y: { field: 'nonZero', type: 'quantitative', title: 'non-zero errors E', axis: { format: '.0%', ...FONT } }, color },
      },
    ],
  };
}

/** The paper's Figure 2: backward relative synaptic operations per layer against α (one point per run). */
export function alphaSweepChart(points: readonly { alpha: number; layer: string; ops: number }[], heading: string): TopLevelSpec {
  return {
    $schema: SCHEMA,
    title: title(heading),
    width: 420,
    height: 240,
    data: { values: [...points] },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'alpha', type: 'quantitative', title: 'α', scale: { type: 'log' }, axis: FONT },
      y: { field: 'ops', type: 'quantitative', title: 'backward relative synaptic ops', scale: { type: 'log' }, axis: FONT },
      color: { field: 'layer', type: 'nominal', title: 'layer', sort: null, legend: { orient: 'right', labelLimit: 200, ...FONT } },
    },
  };
}

/**
 * Relative synaptic operations per neuron layer, forward then backward in panels of their own, each
 * on a log scale so small bars stay visible; layers without neurons (flatten) are named underneath.
 */
export function relativeOpsChart(network: Network, stats: SnnStats, heading: string): TopLevelSpec {
  const values = stats.layers.flatMap((l) =>
    (['forward', 'backward'] as const).flatMap((phase, p) => [
      { layer: `${l.layer} ${l.kind}`, phase, order: p, source: 'event-driven SNN', ops: l[phase].relativeOps },
      { layer: `${l.layer} ${l.kind}`, phase, order: p, source: 'integer ANN (best case)', ops: l[phase].bestCaseRelativeOps },
    ]),
  );
  // A log scale cannot show 0 (the classification layer sends no forward spikes): such bars are omitted and said so.
  const positive = values.filter((v) => v.ops > 0);
  const zeros = values.filter((v) => v.ops === 0 && v.source === 'event-driven SNN').map((v) => `${v.layer} ${v.phase}`);
  const flatten = network.layers.map((l, i) => (l.kind === 'flatten' ? i : -1)).filter((i) => i >= 0);
  const notes = [
    flatten.length ? `layer ${flatten.join(', ')} (flatten) has no neurons and no synaptic operations` : '',
    zeros.length ? `zero (not drawn): ${zeros.join(', ')}` : '',
  ].filter(Boolean).join('; ');
  return {
    $schema: SCHEMA,
    title: title(heading, notes || undefined),
    data: { values: positive },
    facet: { column: { field: 'phase', type: 'nominal', title: null, sort: ['forward', 'backward'], header: { labelFontSize: 13 } } },
    resolve: { scale: { y: 'independent' } },
    spec: {
      width: 240,
      height: 220,
      mark: 'bar',
      encoding: {
        x: { field: 'layer', type: 'nominal', sort: null, title: 'layer', axis: { labelAngle: -30, ...FONT } },
        xOffset: { field: 'source' },
        // Unstacked: a stack would start the bars at 0, which a log scale cannot show.
        y: { field: 'ops', type: 'quantitative', stack: null, title: 'SNN accumulations / ANN MACs', scale: { type: 'log' }, axis: { format: '~g', ...FONT } },
        color: { field: 'source', type: 'nominal', title: null, legend: { orient: 'bottom', direction: 'horizontal', labelLimit: 300, ...FONT } },
      },
    },
  };
}

const KIND_NAMES: Partial<Record<LogKind, string>> = {
  [LogKind.Spike]: 'spike',
  [LogKind.ResidualSpike]: 'residual spike',
  [LogKind.ErrorSpike]: 'error spike',
  [LogKind.ResidualErrorSpike]: 'residual error spike',
};

/** 1st, 2nd, 3rd, 4th, … 11th, 12th, 13th, 21st. */
export function ordinal(n: number): string {
  const tens = n % 100;
  if (tens >= 11 && tens <= 13) return `${n}th`;
  return `${n}${['th', 'st', 'nd', 'rd'][n % 10] ?? 'th'}`;
}

/** One point per spike (every k-th when there are more than `maxPoints`), one row per layer, over virtual time. */
export function spikeRasterChart(records: EventRecords, heading: string, maxPoints = 20_000): TopLevelSpec {
  let spikes = 0;
  for (let k = 0; k < records.count; k++) if (KIND_NAMES[records.kind[k] as LogKind]) spikes++;
  const every = Math.max(1, Math.ceil(spikes / maxPoints));
  const values: { time: number; neuron: number; layer: string; kind: string }[] = [];
  let seen = 0;
  for (let k = 0; k < records.count; k++) {
    const kind = KIND_NAMES[records.kind[k] as LogKind];
    if (!kind || seen++ % every !== 0) continue;
    values.push({ time: records.time[k], neuron: records.neuron[k], layer: `layer ${records.layer[k]}`, kind });
  }
  const sampled = every > 1 ? `every ${ordinal(every)} of ${spikes} spikes drawn` : `${spikes} spikes`;
  return {
    $schema: SCHEMA,
    title: title(heading, sampled),
    data: { values },
    facet: { row: { field: 'layer', type: 'nominal', title: null, header: { labelFontSize: 12 } } },
    resolve: { scale: { y: 'independent' } },
    spec: {
      width: 640,
      height: 110,
      mark: { type: 'tick', thickness: 1, size: 4 },
      encoding: {
        x: { field: 'time', type: 'quantitative', title: 'virtual time', axis: FONT },
        y: { field: 'neuron', type: 'quantitative', title: 'neuron', axis: { tickMinStep: 1, format: 'd', ...FONT } },
        color: {
          field: 'kind',
          type: 'nominal',
          title: null,
          // Forward spikes blue, error spikes red; residual ones lighter.
          scale: { domain: Object.values(KIND_NAMES), range: ['#1f5fa8', '#8fb8e8', '#c0392b', '#f1a29a'] },
          legend: { orient: 'bottom', direction: 'horizontal', labelLimit: 300, ...FONT },
        },
      },
    },
  };
}
