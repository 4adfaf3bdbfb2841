/** Options that several commands share: spiking-run settings, data sets, seeds, workers. */
import type { SpikePolicy } from '../actors/kernels/neuronLayer.js';
import { defaultWorkers, type ParallelOptions } from '../actors/openNetwork.js';
import type { RunDescription } from '../actors/simulateCase.js';
import type { SnnOptions } from '../actors/spikingNetwork.js';
import { DEFAULT_EVENT_BUDGET } from '../actors/eventBudget.js';
import { ORDER_NAMES, parseOrders } from '../streams/orders/index.js';
import { DATASET_NAMES } from '../train/data/sources.js';
import { choice, integer, maxWorkers, number, text } from './options.js';

export const MAX_SEED = 2 ** 31 - 1;

export const seedOption = (description: string) => integer({ min: 0, max: MAX_SEED, default: '1', description });

export const workersOption = (description: string) =>
  integer({ min: 0, max: maxWorkers, maxDoc: '4 per core', default: String(defaultWorkers()), defaultDoc: "the machine's cores", description: `${description} (0 or 1: this thread)` });

const unknownOrder = (spec: string): string | null => {
  const bad = spec.split(',').map((s) => s.trim()).find((name) => !(ORDER_NAMES as readonly string[]).includes(name));
  return bad === undefined ? null : `unknown order "${bad}"`;
};

/** Order, seed, policy, budget and workers of a spiking run; `workers` says what the threads share. */
export function snnRunOptions(workers: string) {
  return {
    order: text({
      default: 'fifo',
      placeholder: '<orders>',
      description: 'delivery order of spike packets, composed left to right (e.g. split,delay)',
      expected: `comma-separated orders from ${ORDER_NAMES.join(', ')}`,
      check: unknownOrder,
    }),
    seed: seedOption('seed of the delivery order'),
    policy: choice(['single', 'burst'] as const, { default: 'single', placeholder: '<policy>', description: 'spikes per incoming event: one (single, the paper) or until quiet (burst)' }),
    budget: number({ above: 0, default: String(DEFAULT_EVENT_BUDGET), placeholder: '<events>', description: 'refuse examples whose event bound exceeds this many events' }),
    workers: workersOption(workers),
  };
}

export interface SnnRunValues {
  order: string;
  seed: number;
  policy: SpikePolicy;
  budget: number;
  workers: number;
}

export function snnSettings(v: SnnRunValues): { options: SnnOptions & ParallelOptions; run: RunDescription } {
  return {
    options: { orders: parseOrders(v.order), seed: v.seed, policy: v.policy, eventBudget: v.budget, workers: v.workers },
    run: { order: v.order, seed: v.seed, policy: v.policy },
  };
}

export const dataOptions = {
  dataset: choice(DATASET_NAMES, { default: 'mnist', description: 'data set' }),
  dataDir: text({ placeholder: '<dir>', expected: 'a folder name', description: 'folder with the data set files (default: the embedded MNIST, or Debian\'s Fashion-MNIST)' }),
};
