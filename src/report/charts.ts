/**
 * Charts people would rather look at than tables, as SVG: accuracy per epoch, relative synaptic
 * operations per layer, and a spike raster from an event log. Built as Vega-Lite specs and rendered
 * headless by Vega; written atomically.
 */
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import writeFileAtomic from 'write-file-atomic';
import type { SnnStats } from '../actors/statistics.js';
import { LogKind, type EventRecords } from '../streams/eventLog.js';
import type { EpochRecord } from '../train/trainingLoop.js';

export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

export async function writeSvg(path: string, spec: TopLevelSpec): Promise<void> {
  writeFileAtomic.sync(path, await renderSvg(spec));
}

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

export function accuracyChart(history: readonly EpochRecord[], title: string): TopLevelSpec {
  const values = history.flatMap((h) => [
    { epoch: h.epoch, series: 'train', accuracy: h.trainAccuracy },
    { epoch: h.epoch, series: 'validation', accuracy: h.validationAccuracy },
  ]);
  return {
    $schema: SCHEMA,
    title,
    width: 420,
    height: 240,
    data: { values },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'epoch', type: 'quantitative', axis: { tickMinStep: 1 } },
      y: { field: 'accuracy', type: 'quantitative', scale: { zero: false }, axis: { format: '.1%' } },
      color: { field: 'series', type: 'nominal' },
    },
  };
}

export function relativeOpsChart(stats: SnnStats, title: string): TopLevelSpec {
  const values = stats.layers.flatMap((l) =>
    (['forward', 'backward'] as const).flatMap((phase) => [
      { layer: `${l.layer} ${l.kind}`, phase, source: 'event-driven SNN', ops: l[phase].relativeOps },
      { layer: `${l.layer} ${l.kind}`, phase, source: 'integer ANN (best case)', ops: l[phase].bestCaseRelativeOps },
    ]),
  );
  return {
    $schema: SCHEMA,
    title,
    data: { values },
    facet: { column: { field: 'phase', type: 'nominal', title: null } },
    spec: {
      width: 260,
      height: 220,
      mark: 'bar',
      encoding: {
        x: { field: 'layer', type: 'nominal', sort: null, title: 'layer' },
        xOffset: { field: 'source' },
        y: { field: 'ops', type: 'quantitative', title: 'SNN accumulations / ANN MACs' },
        color: { field: 'source', type: 'nominal' },
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

/** One point per spike (every k-th when there are more than `maxPoints`), one row per layer. */
export function spikeRasterChart(records: EventRecords, title: string, maxPoints = 20_000): TopLevelSpec {
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
  return {
    $schema: SCHEMA,
    title: every > 1 ? `${title} (every ${every}th spike)` : title,
    data: { values },
    facet: { row: { field: 'layer', type: 'nominal', title: null } },
    resolve: { scale: { y: 'independent' } },
    spec: {
      width: 640,
      height: 110,
      mark: { type: 'tick', thickness: 1, size: 4 },
      encoding: {
        x: { field: 'time', type: 'quantitative', title: 'virtual time' },
        y: { field: 'neuron', type: 'quantitative', title: 'neuron' },
        color: { field: 'kind', type: 'nominal' },
      },
    },
  };
}
