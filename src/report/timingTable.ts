/** The per-sample results of a timing study as one table: a row per (configuration, sample). */
import type { Column, Table } from './tables.js';
import type { SampleTiming, TimingConfig } from '../verify/timing/sampleTiming.js';

export function timingTable(configs: readonly TimingConfig[], perSample: readonly SampleTiming[][]): Table {
  const rows = perSample.flatMap((samples, c) => samples.map((s) => ({ c, s })));
  const text = (f: (r: (typeof rows)[number]) => string): Column => ({ kind: 'text', values: rows.map(f) });
  const int = (f: (r: (typeof rows)[number]) => number): Column => ({ kind: 'int', values: rows.map(f) });
  const float = (f: (r: (typeof rows)[number]) => number): Column => ({ kind: 'float', values: rows.map(f) });
  const table: Table = {
    config: int((r) => r.c),
    latency: text((r) => configs[r.c].latency),
    barrier: text((r) => configs[r.c].barrier),
    policy: text((r) => configs[r.c].policy),
    input_timing: text((r) => configs[r.c].inputTiming),
    sample: int((r) => r.s.index),
    target: int((r) => r.s.target),
    predicted: int((r) => r.s.predicted),
    ann_predicted: int((r) => r.s.annPredicted),
    exact: { kind: 'bool', values: rows.map((r) => r.s.exact) },
    decision_time: float((r) => r.s.decisionTime),
    forward_quiet_time: float((r) => r.s.forwardQuietAt),
    quiescence_time: float((r) => r.s.endAt),
    increments_final_time: float((r) => r.s.incrementsFinalAt),
    increments_relative_l1: float((r) => r.s.deviation.relativeL1),
    increments_cosine: float((r) => r.s.deviation.cosine),
  };
  const layers = perSample[0]?.[0]?.layers ?? [];
  layers.forEach((l, p) => {
    const at = `layer${l.layer}`;
    for (const d of ['forward', 'backward'] as const) {
      table[`${at}_${d}_events`] = int((r) => r.s.layers[p][d].events);
      table[`${at}_${d}_redundant`] = int((r) => r.s.layers[p][d].redundant);
      table[`${at}_${d}_accumulations`] = float((r) => r.s.layers[p][d].accumulations);
      table[`${at}_${d}_first_spike`] = float((r) => r.s.layers[p][d].firstSpike);
      table[`${at}_${d}_last_spike`] = float((r) => r.s.layers[p][d].lastSpike);
      table[`${at}_${d}_quiet`] = float((r) => r.s.layers[p][d].quiet);
    }
    table[`${at}_output_differing`] = int((r) => r.s.deviation.layers[p].output.neurons);
    table[`${at}_output_absolute`] = float((r) => r.s.deviation.layers[p].output.absolute);
    table[`${at}_E_differing`] = int((r) => r.s.deviation.layers[p].E.neurons);
    table[`${at}_E_absolute`] = float((r) => r.s.deviation.layers[p].E.absolute);
  });
  return table;
}
