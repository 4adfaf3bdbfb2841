/**
 * The `spikegrad` program: commander over the declared commands. `runSpikegrad` returns the exit
 * status instead of exiting, so the bin script and the tests run the same code; every user error
 * becomes one line on stderr and status 2, never a stack trace.
 */
import { Command, CommanderError } from 'commander';
import { SpikegradError } from '../errors.js';
import { injectFault, parseFaultPlan } from '../workers/faults.js';
import { registerCommand } from './command.js';
import { COMMANDS } from './commands.js';

export interface Io {
  error(line: string): void;
}

function buildProgram(): Command {
  const program = new Command();
  program
    .name('spikegrad')
    .description('SpikeGrad: backpropagation with spikes, its exact integer equivalent ANN, and an event-driven simulator')
    .version('0.1.0')
    .exitOverride()
    .configureOutput({ outputError: () => {} });
  for (const spec of COMMANDS) registerCommand(program, spec);
  // Commander's own refusals (unknown option, missing argument) exit 2 like ours.
  program.commands.forEach((c) => c.exitOverride().configureOutput({ outputError: () => {} }));
  return program;
}

/**
 * Run one command line (without `node` and the script); resolves to its exit status. `fault` is the
 * testing aid of src/workers/faults.ts (SPIKEGRAD_FAULT).
 */
export async function runSpikegrad(args: readonly string[], io: Io = { error: (line) => console.error(line) }, options: { fault?: string } = {}): Promise<number> {
  process.exitCode = 0;
  try {
    injectFault(options.fault ? parseFaultPlan(options.fault) : null);
    await buildProgram().parseAsync([...args], { from: 'user' });
    return Number(process.exitCode ?? 0);
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.exitCode === 0) return 0;
      io.error(`spikegrad: ${e.message.replace(/^error: /, '')}`);
      return 2;
    }
    if (e instanceof SpikegradError) {
      io.error(`spikegrad: ${e.message}`);
      return 2;
    }
    throw e;
  }
}
