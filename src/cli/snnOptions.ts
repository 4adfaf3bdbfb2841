/** The options every spiking-run command shares: delivery order, seed, spike policy, event budget. */
import { Option, type Command } from 'commander';
import type { SpikePolicy } from '../actors/kernels/neuronLayer.js';
import type { SnnOptions } from '../actors/spikingNetwork.js';
import type { RunDescription } from '../actors/simulateCase.js';
import { DEFAULT_EVENT_BUDGET } from '../actors/eventBudget.js';
import { defaultWorkers, type ParallelOptions } from '../actors/openNetwork.js';
import { InputError } from '../errors.js';
import { ORDER_NAMES, parseOrders } from '../streams/orders/index.js';

export interface SnnCliOptions {
  order: string;
  seed: string;
  policy: SpikePolicy;
  budget: string;
  workers: string;
}

export function addSnnOptions(command: Command): Command {
  return command
    .option('--order <orders>', `delivery order of spike packets: ${ORDER_NAMES.join(', ')} (comma-separated to compose, e.g. split,delay)`, 'fifo')
    .option('--seed <n>', 'seed of the delivery order', '1')
    .addOption(new Option('--policy <policy>', 'spikes per incoming event: one (single, the paper) or until quiet (burst)').choices(['single', 'burst']).default('single'))
    .option('--budget <events>', 'refuse examples whose event bound exceeds this many events', String(DEFAULT_EVENT_BUDGET))
    .option('--workers <n>', 'worker threads sharing each layer\'s neurons (0 or 1: this thread)', String(defaultWorkers()));
}

export function integerOption(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new InputError(`${name}: expected an integer, found "${value}"`);
  return n;
}

export function snnOptionsFrom(o: SnnCliOptions): { options: SnnOptions & ParallelOptions; run: RunDescription } {
  const seed = integerOption('--seed', o.seed);
  const budget = Number(o.budget);
  if (!(budget > 0)) throw new InputError(`--budget: expected a positive number of events, found "${o.budget}"`);
  const workers = integerOption('--workers', o.workers);
  const options: SnnOptions & ParallelOptions = { orders: parseOrders(o.order), seed, policy: o.policy, eventBudget: budget, workers };
  const fault = faultFromEnvironment();
  if (fault) options.faultInjection = fault;
  return { options, run: { order: o.order, seed, policy: o.policy } };
}

/**
 * Testing aid: SPIKEGRAD_FAULT="worker=1,after=5,how=exit" makes that worker fail on its 6th call, so
 * tests can check that a dying worker fails the command cleanly.
 */
function faultFromEnvironment(): ParallelOptions['faultInjection'] | undefined {
  const spec = process.env.SPIKEGRAD_FAULT;
  if (!spec) return undefined;
  const kv = Object.fromEntries(spec.split(',').map((part) => part.split('=') as [string, string]));
  const how = kv.how === 'exit' ? 'exit' : 'throw';
  return { worker: Number(kv.worker ?? 0), afterCalls: Number(kv.after ?? 0), how };
}
