/** `spikegrad simulate CASE.json --log run.log`: a recorded event-driven run. */
import { logHeader, simulateCase, type SnnCaseResult } from '../actors/simulateCase.js';
import { readCaseFile } from '../network/caseFile.js';
import { decodeEventLog, EventLogWriter, readEventLog } from '../streams/eventLog.js';
import { nirEventData } from '../streams/nirEventData.js';
import { spikeRasterChart, writeSvg } from '../report/charts.js';
import { defineCommand } from './command.js';
import { orderLabel, shardOptions, snnRunOptions, snnSettings } from './commonOptions.js';
import { formatLayerResults, formatStats } from './format.js';
import { flag, outputFile } from './options.js';

export const simulateCommand = defineCommand({
  name: 'simulate',
  summary: 'run a case event by event, optionally recording every event to an append-only log and drawing its spikes',
  arguments: [{ name: 'case', description: 'a spikegrad-case/1 JSON file' }],
  options: {
    ...snnRunOptions("threads sharing each layer's neurons, this one included"),
    ...shardOptions,
    log: outputFile({ description: 'write the event log here (written whole at the end: a refused or failed run leaves an existing log as it was)' }),
    raster: outputFile({ description: 'spike raster (virtual time × neuron, one row per layer) as SVG' }),
    nirEvents: outputFile({ description: "the run's input events and spikes in NIR's event-data layout (HDF5), one node per node of `spikegrad export`'s graph" }),
    json: flag({ description: 'print one JSON object' }),
  },
  async run([file], o, { given }) {
    const c = readCaseFile(file);
    const { options, run } = snnSettings(o, given);
    const header = logHeader(c, run);
    const sink = o.log ? EventLogWriter.toFile(o.log, header) : null;
    const memory = !sink && (o.raster || o.nirEvents) ? EventLogWriter.inMemory(header) : null;
    let result: SnnCaseResult;
    try {
      result = await simulateCase(c, { ...options, log: sink?.writer ?? memory?.writer ?? null });
    } catch (e) {
      sink?.abort();
      throw e;
    }
    sink?.commit();
    const records = o.raster || o.nirEvents ? (o.log ? readEventLog(o.log) : decodeEventLog(memory!.bytes())).records : null;
    if (o.nirEvents && records) {
      // HDF5 (wasm) loads only when it is used.
      const { writeNirEvents } = await import('../network/nir/nirFile.js');
      await writeNirEvents(o.nirEvents, nirEventData(c.network, records));
    }
    if (o.raster && records) {
      const sharded = o.workers > 1 ? `, ${o.workers} shards` : '';
      await writeSvg(o.raster, spikeRasterChart(records, `spikes of ${file} (${orderLabel(o)}, ${o.policy} policy${sharded})`));
    }
    if (o.json) {
      console.log(JSON.stringify({ layers: result.layers, predicted: result.predicted, stats: result.stats, logRecords: sink?.writer.total ?? 0 }));
    } else {
      console.log(formatLayerResults(c.network, result.layers));
      console.log(formatStats(result.stats));
      if (sink) console.log(`event log: ${sink.writer.total} records written to ${o.log}`);
      if (o.nirEvents) console.log(`NIR event data written to ${o.nirEvents}`);
    }
  },
});
