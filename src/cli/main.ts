#!/usr/bin/env node
/** The `spikegrad` command. */
import { installInterrupts } from './interrupts.js';
import { runSpikegrad } from './program.js';

installInterrupts();
process.exitCode = await runSpikegrad(process.argv.slice(2), { error: (line) => console.error(line) }, { fault: process.env.SPIKEGRAD_FAULT });
