/** `spikegrad replay run.log`: the final state and statistics rebuilt from an event log alone. */
import { replayEventLog } from '../actors/replay.js';
import { parseCase } from '../network/caseFile.js';
import { readEventLog } from '../streams/eventLog.js';
import { defineCommand } from './command.js';
import { formatLayerResults, formatStats } from './format.js';
import { flag } from './options.js';

export const replayCommand = defineCommand({
  name: 'replay',
  summary: 'rebuild the final state and the statistics of a recorded run from its event log, and print them as the live run did',
  arguments: [{ name: 'log', description: 'an event log written by spikegrad simulate --log' }],
  options: { json: flag({ description: 'print one JSON object (the live run\'s layers, predicted and stats)' }) },
  run([file], o) {
    const log = readEventLog(file);
    const result = replayEventLog(log, file);
    if (o.json) {
      console.log(JSON.stringify({ layers: result.layers, predicted: result.predicted, stats: result.stats, records: result.records }));
    } else {
      console.log(formatLayerResults(parseCase(log.header.case).network, result.layers));
      console.log(formatStats(result.stats));
      console.log(`replayed ${result.records} records (order ${String(log.header.order)}, ${String(log.header.policy)} policy, seed ${String(log.header.seed)})`);
    }
  },
});
