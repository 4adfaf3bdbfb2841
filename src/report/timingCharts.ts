/**
 * The charts of a timing study: accuracy of the readout over virtual time (one line per
 * configuration), the distribution of decision times (one box per configuration), and events per
 * layer and direction for every configuration.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { TimingReport } from '../verify/timing/study.js';
import type { SampleTiming } from '../verify/timing/sampleTiming.js';

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';
const FONT = { titleFontSize: 13, labelFontSize: 11 };

export const configLabel = (c: { latency: string; barrier: string; policy: string; inputTiming?: string }): string =>
  `${c.latency} · ${c.barrier} · ${c.policy}${c.inputTiming && c.inputTiming !== 'zero' ? ` · input ${c.inputTiming}` : ''}`;

const legend = { orient: 'bottom' as const, direction: 'vertical' as const, labelLimit: 520, title: null, ...FONT };

export function accuracyOverTimeChart(report: TimingReport, heading: string): TopLevelSpec {
  const values = report.configs.flatMap((c) => c.accuracyOverTime.map(([time, accuracy]) => ({ time, accuracy, config: configLabel(c) })));
  return {
    $schema: SCHEMA,
    title: { text: 'accuracy of the readout over virtual time', subtitle: [heading], anchor: 'start', fontSize: 14 },
    width: 520,
    height: 260,
    data: { values },
    mark: { type: 'line', interpolate: 'step-after' },
    encoding: {
      x: { field: 'time', type: 'quantitative', title: 'virtual time', axis: FONT },
      y: { field: 'accuracy', type: 'quantitative', title: 'accuracy (argmax of the classification layer)', scale: { domain: [0, 1] }, axis: { format: '.0%', ...FONT } },
      color: { field: 'config', type: 'nominal', legend },
    },
  };
}

export function decisionTimeChart(report: TimingReport, perSample: readonly SampleTiming[][], heading: string): TopLevelSpec {
  const values = perSample.flatMap((samples, c) => samples.filter((s) => Number.isFinite(s.decisionTime)).map((s) => ({ config: configLabel(report.configs[c]), decisionTime: s.decisionTime })));
  return {
    $schema: SCHEMA,
    title: { text: 'decision time per sample', subtitle: [heading, 'the earliest time after which the prediction equals the final one and stays'], anchor: 'start', fontSize: 14 },
    width: 520,
    height: { step: 28 },
    data: { values },
    mark: { type: 'boxplot', extent: 'min-max' },
    encoding: {
      y: { field: 'config', type: 'nominal', title: null, sort: null, axis: { labelLimit: 420, ...FONT } },
      x: { field: 'decisionTime', type: 'quantitative', title: 'virtual time', axis: FONT },
      color: { field: 'config', type: 'nominal', legend: null },
    },
  };
}

export function eventsPerLayerChart(report: TimingReport, heading: string): TopLevelSpec {
  const values = report.configs.flatMap((c) =>
    c.layers.flatMap((l) =>
      (['forward', 'backward'] as const).filter((d) => l[d].events > 0).map((d) => ({ layer: `${l.layer} ${l.kind}`, direction: d, config: configLabel(c), events: l[d].events })),
    ),
  );
  return {
    $schema: SCHEMA,
    title: { text: 'spike events per layer and sample', subtitle: [heading], anchor: 'start', fontSize: 14 },
    data: { values },
    facet: { column: { field: 'direction', type: 'nominal', title: null, sort: ['forward', 'backward'], header: { labelFontSize: 13 } } },
    resolve: { scale: { y: 'independent' } },
    spec: {
      width: 260,
      height: 220,
      mark: 'bar',
      encoding: {
        x: { field: 'layer', type: 'nominal', sort: null, title: 'layer', axis: { labelAngle: -30, ...FONT } },
        xOffset: { field: 'config', sort: null },
        y: { field: 'events', type: 'quantitative', stack: null, title: 'events per sample (mean)', scale: { type: 'log' }, axis: { format: '~g', ...FONT } },
        color: { field: 'config', type: 'nominal', sort: null, legend },
      },
    },
  };
}
