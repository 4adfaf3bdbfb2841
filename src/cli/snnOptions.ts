/** The options every spiking-run command shares: delivery order, seed, spike policy, event budget. */
import { Option, type Command } from 'commander';
import type { SpikePolicy } from '../actors/kernels/neuronLayer.js';
import type { SnnOptions } from '../actors/simulation.js';
import type { RunDescription } from '../actors/simulateCase.js';
import { DEFAULT_EVENT_BUDGET } from '../actors/eventBudget.js';
import { InputError } from '../errors.js';
import { ORDER_NAMES, parseOrders } from '../streams/orders/index.js';

export interface SnnCliOptions {
  order: string;
  seed: string;
  policy: SpikePolicy;
  budget: string;
}

export function addSnnOptions(command: Command): Command {
  return command
    .option('--order <orders>', `delivery order of spike packets: ${ORDER_NAMES.join(', ')} (comma-separated to compose, e.g. split,delay)`, 'fifo')
    .option('--seed <n>', 'seed of the delivery order', '1')
    .addOption(new Option('--policy <policy>', 'spikes per incoming event: one (single, the paper) or until quiet (burst)').choices(['single', 'burst']).default('single'))
    .option('--budget <events>', 'refuse examples whose event bound exceeds this many events', String(DEFAULT_EVENT_BUDGET));
}

export function integerOption(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new InputError(`${name}: expected an integer, found "${value}"`);
  return n;
}

export function snnOptionsFrom(o: SnnCliOptions): { options: SnnOptions; run: RunDescription } {
  const seed = integerOption('--seed', o.seed);
  const budget = Number(o.budget);
  if (!(budget > 0)) throw new InputError(`--budget: expected a positive number of events, found "${o.budget}"`);
  return { options: { orders: parseOrders(o.order), seed, policy: o.policy, eventBudget: budget }, run: { order: o.order, seed, policy: o.policy } };
}
