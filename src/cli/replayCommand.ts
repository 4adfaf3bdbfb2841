/** `spikegrad replay run.log`: the final state rebuilt from an event log alone. */
import type { Command } from 'commander';
import { replayEventLog } from '../actors/replay.js';
import { parseCase } from '../network/caseFile.js';
import { readEventLog } from '../streams/eventLog.js';
import { formatLayerResults } from './format.js';

export function registerReplay(program: Command): void {
  program
    .command('replay')
    .description('rebuild the final state of a recorded run from its event log and print it like the live run')
    .argument('<log>', 'an event log written by spikegrad simulate --log')
    .option('--json', 'print one JSON object')
    .action((file: string, opts: { json?: boolean }) => {
      const log = readEventLog(file);
      const result = replayEventLog(log, file);
      if (opts.json) {
        console.log(JSON.stringify({ layers: result.layers, predicted: result.predicted, records: result.records }));
      } else {
        console.log(formatLayerResults(parseCase(log.header.case).network, result.layers));
        console.log(`replayed ${result.records} records (${String(log.header.order)} order, ${String(log.header.policy)} policy, seed ${String(log.header.seed)})`);
      }
    });
}
