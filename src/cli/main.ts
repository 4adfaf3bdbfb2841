#!/usr/bin/env node
/** The `spikegrad` command. */
import { Command } from 'commander';
import { SpikegradError } from '../errors.js';
import { registerAnn } from './annCommand.js';
import { registerCheck } from './checkCommand.js';
import { registerDemo } from './demoCommand.js';
import { registerEval } from './evalCommand.js';
import { registerTrain } from './trainCommand.js';
import { registerVerify } from './verifyCommand.js';
import { registerReplay } from './replayCommand.js';
import { registerSimulate } from './simulateCommand.js';

const program = new Command();
program
  .name('spikegrad')
  .description('SpikeGrad: backpropagation with spikes, its exact integer equivalent ANN, and an event-driven simulator')
  .version('0.1.0');

registerAnn(program);
registerCheck(program);
registerSimulate(program);
registerReplay(program);
registerTrain(program);
registerEval(program);
registerVerify(program);
registerDemo(program);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof SpikegradError) {
    console.error(`spikegrad: ${e.message}`);
    process.exit(2);
  }
  throw e;
}
