/** `spikegrad simulate CASE.json --log run.log`: a recorded event-driven run. */
import type { Command } from 'commander';
import { logHeader, simulateCase } from '../actors/simulateCase.js';
import { readCaseFile } from '../network/caseFile.js';
import { decodeEventLog, EventLogWriter, readEventLog } from '../streams/eventLog.js';
import { spikeRasterChart, writeSvg } from '../report/charts.js';
import { formatLayerResults, formatStats } from './format.js';
import { addSnnOptions, snnOptionsFrom, type SnnCliOptions } from './snnOptions.js';

export function registerSimulate(program: Command): void {
  addSnnOptions(
    program
      .command('simulate')
      .description('run a case event by event, optionally recording every event to an append-only log')
      .argument('<case>', 'a spikegrad-case/1 JSON file'),
  )
    .option('--log <file>', 'write the event log here')
    .option('--raster <file>', 'spike raster (time × neuron, per layer) as SVG')
    .option('--json', 'print one JSON object')
    .action(async (file: string, opts: SnnCliOptions & { json?: boolean; log?: string; raster?: string }) => {
      const c = readCaseFile(file);
      const { options, run } = snnOptionsFrom(opts);
      const sink = opts.log ? EventLogWriter.toFile(opts.log, logHeader(c, run)) : null;
      const memory = !sink && opts.raster ? EventLogWriter.inMemory(logHeader(c, run)) : null;
      let result;
      try {
        result = await simulateCase(c, { ...options, log: sink?.writer ?? memory?.writer ?? null });
      } finally {
        sink?.close();
      }
      if (opts.raster) {
        const records = (opts.log ? readEventLog(opts.log) : decodeEventLog(memory!.bytes())).records;
        await writeSvg(opts.raster, spikeRasterChart(records, `spikes of ${file} (${opts.order} order, ${opts.policy} policy)`));
      }
      if (opts.json) {
        console.log(JSON.stringify({ layers: result.layers, predicted: result.predicted, stats: result.stats, logRecords: sink?.writer.total ?? 0 }));
      } else {
        console.log(formatLayerResults(c.network, result.layers));
        console.log(formatStats(result.stats));
        if (sink) console.log(`event log: ${sink.writer.total} records written to ${opts.log}`);
      }
    });
}
