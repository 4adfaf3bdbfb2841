/**
 * A configuration's figures over its samples, in sample order, so they are the same however the
 * samples were split across workers: accuracy, how many samples were exact, distributions of decision
 * and quiescence times, the accuracy of the readout over time, the deviation from the integer ANN, and
 * the work per layer and direction.
 */
import type { SnnStats } from '../../actors/statistics.js';
import type { SampleTiming, TimingConfig } from './sampleTiming.js';

export interface Distribution {
  /** Samples that have the figure (a phase with no spike has no first-spike time). */
  samples: number;
  median: number | null;
  p90: number | null;
  p99: number | null;
  max: number | null;
}

/** Nearest-rank quantiles of the finite values. */
export function quantiles(values: readonly number[]): Distribution {
  const v = values.filter(Number.isFinite).sort((a, b) => a - b);
  const at = (q: number) => (v.length === 0 ? null : v[Math.min(v.length - 1, Math.max(0, Math.ceil(q * v.length) - 1))]);
  return { samples: v.length, median: at(0.5), p90: at(0.9), p99: at(0.99), max: v.length === 0 ? null : v[v.length - 1] };
}

const ACCURACY_POINTS = 65;

/** The prediction of a readout at time t: the last change at or before t (the first entry is at 0). */
function predictionAt(readout: SampleTiming['readout'], t: number): number {
  let label = readout.label[0] ?? -1;
  for (let k = 0; k < readout.time.length && readout.time[k] <= t; k++) label = readout.label[k];
  return label;
}

export interface ConfigSummary {
  latency: string;
  barrier: string;
  policy: string;
  inputTiming: string;
  accuracy: number;
  annAccuracy: number;
  /** Samples whose every accumulated value equals the integer ANN's. */
  exact: number;
  decisionTime: Distribution;
  forwardQuietTime: Distribution;
  quiescenceTime: Distribution;
  incrementsFinalTime: Distribution;
  /** [t, accuracy of the classification layer's readout at t], from 0 to the last change of any sample. */
  accuracyOverTime: [number, number][];
  deviation: {
    predictionChanged: number;
    layers: { layer: number; kind: string; output: { samples: number; neurons: number; absolute: number }; E: { samples: number; neurons: number; absolute: number } }[];
    increments: { relativeL1: Distribution; cosine: { samples: number; mean: number | null; min: number | null } };
  };
  layers: {
    layer: number;
    kind: string;
    forward: { events: number; redundant: number; relativeOps: number; bestCaseRelativeOps: number; firstSpike: Distribution; lastSpike: Distribution; quiet: Distribution };
    backward: { events: number; redundant: number; relativeOps: number; bestCaseRelativeOps: number; firstSpike: Distribution; lastSpike: Distribution; quiet: Distribution };
  }[];
}

export function summarise(config: TimingConfig, samples: readonly SampleTiming[], stats: SnnStats): ConfigSummary {
  const n = samples.length;
  const horizon = Math.max(0, ...samples.map((s) => (s.readout.time.length ? s.readout.time[s.readout.time.length - 1] : 0)));
  const accuracyOverTime: [number, number][] = Array.from({ length: ACCURACY_POINTS }, (_, k) => {
    const t = (horizon * k) / (ACCURACY_POINTS - 1);
    return [t, samples.filter((s) => predictionAt(s.readout, t) === s.target).length / n];
  });
  const cosines = samples.map((s) => s.deviation.cosine).filter(Number.isFinite);
  const deviationLayers = stats.layers.map((l, p) => {
    const part = (pick: (s: SampleTiming) => { neurons: number; absolute: number }) => ({
      samples: samples.filter((s) => pick(s).neurons > 0).length,
      neurons: samples.reduce((t, s) => t + pick(s).neurons, 0),
      absolute: samples.reduce((t, s) => t + pick(s).absolute, 0),
    });
    return { layer: l.layer, kind: l.kind, output: part((s) => s.deviation.layers[p].output), E: part((s) => s.deviation.layers[p].E) };
  });
  return {
    latency: config.latency,
    barrier: config.barrier,
    policy: config.policy,
    inputTiming: config.inputTiming,
    accuracy: samples.filter((s) => s.predicted === s.target).length / n,
    annAccuracy: samples.filter((s) => s.annPredicted === s.target).length / n,
    exact: samples.filter((s) => s.exact).length,
    decisionTime: quantiles(samples.map((s) => s.decisionTime)),
    forwardQuietTime: quantiles(samples.map((s) => s.forwardQuietAt)),
    quiescenceTime: quantiles(samples.map((s) => s.endAt)),
    incrementsFinalTime: quantiles(samples.map((s) => s.incrementsFinalAt)),
    accuracyOverTime,
    deviation: {
      predictionChanged: samples.filter((s) => s.predicted !== s.annPredicted).length,
      layers: deviationLayers,
      increments: {
        relativeL1: quantiles(samples.map((s) => s.deviation.relativeL1)),
        cosine: { samples: cosines.length, mean: cosines.length ? cosines.reduce((a, b) => a + b, 0) / cosines.length : null, min: cosines.length ? Math.min(...cosines) : null },
      },
    },
    layers: stats.layers.map((l, p) => {
      const phase = (d: 'forward' | 'backward') => ({
        events: l[d].events / n,
        redundant: l[d].redundant / n,
        relativeOps: l[d].relativeOps,
        bestCaseRelativeOps: l[d].bestCaseRelativeOps,
        firstSpike: quantiles(samples.map((s) => s.layers[p][d].firstSpike)),
        lastSpike: quantiles(samples.map((s) => s.layers[p][d].lastSpike)),
        quiet: quantiles(samples.map((s) => s.layers[p][d].quiet)),
      });
      return { layer: l.layer, kind: l.kind, forward: phase('forward'), backward: phase('backward') };
    }),
  };
}
