/** `spikegrad log2arrow RUN.log`: an event log's records as an Apache Arrow table. */
import { readEventLog, LogKind, PhaseMark } from '../streams/eventLog.js';
import { writeTable, type Table } from '../report/tables.js';
import { prepareOutputFile } from '../files.js';
import { defineCommand } from './command.js';
import { outputFile } from './options.js';

const KIND: Record<number, string> = {
  [LogKind.Input]: 'input',
  [LogKind.Spike]: 'spike',
  [LogKind.ResidualSpike]: 'residual spike',
  [LogKind.TopError]: 'top error',
  [LogKind.ErrorSpike]: 'error spike',
  [LogKind.ResidualErrorSpike]: 'residual error spike',
  [LogKind.Phase]: 'phase',
};
const MARK: Record<number, string> = {
  [PhaseMark.ForwardStart]: 'forward start',
  [PhaseMark.ForwardResidual]: 'forward residual',
  [PhaseMark.ForwardQuiet]: 'forward quiet',
  [PhaseMark.BackwardStart]: 'backward start',
  [PhaseMark.BackwardResidual]: 'backward residual',
  [PhaseMark.BackwardQuiet]: 'backward quiet',
  [PhaseMark.ExampleStart]: 'example start',
  [PhaseMark.ExampleEnd]: 'example end',
};

export const log2arrowCommand = defineCommand({
  name: 'log2arrow',
  summary: 'turn an event log into an Apache Arrow table of its records (seq, kind, layer, neuron, value, time; phase marks named in "phase")',
  arguments: [{ name: 'log', description: 'an event log written by spikegrad simulate --log' }],
  options: {
    out: outputFile({ defaultDoc: 'the log\'s name with .arrow', description: 'the Arrow IPC file to write (or .csv)' }),
  },
  run([file], o) {
    const out = o.out ?? `${file.replace(/\.log$/, '')}.arrow`;
    if (!o.out) prepareOutputFile(out, '--out');
    const { records: r } = readEventLog(file);
    const n = r.count;
    const table: Table = {
      seq: { kind: 'int', values: Int32Array.from({ length: n }, (_, k) => k) },
      kind: { kind: 'text', values: Array.from({ length: n }, (_, k) => KIND[r.kind[k]] ?? `kind ${r.kind[k]}`) },
      layer: { kind: 'int', values: r.layer.subarray(0, n) },
      neuron: { kind: 'int', values: Array.from({ length: n }, (_, k) => (r.kind[k] === LogKind.Phase ? -1 : r.neuron[k])) },
      phase: { kind: 'text', values: Array.from({ length: n }, (_, k) => (r.kind[k] === LogKind.Phase ? (MARK[r.neuron[k]] ?? `mark ${r.neuron[k]}`) : '')) },
      value: { kind: 'float', values: r.value.subarray(0, n) },
      time: { kind: 'float', values: r.time.subarray(0, n) },
    };
    writeTable(out, table);
    console.log(`${n} records → ${out}`);
  },
});
