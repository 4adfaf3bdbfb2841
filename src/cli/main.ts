#!/usr/bin/env node
/** The `spikegrad` command. */
import { installInterrupts } from './interrupts.js';
import { runSpikegrad } from './program.js';

installInterrupts();
// Output piped into a reader that stopped (`| head`): stop quietly, as other tools do.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});
process.exitCode = await runSpikegrad(process.argv.slice(2), { error: (line) => console.error(line) }, { fault: process.env.SPIKEGRAD_FAULT });
