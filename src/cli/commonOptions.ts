/** Options that several commands share: spiking-run settings, data sets, seeds, workers. */
import type { SpikePolicy } from '../actors/kernels/neuronLayer.js';
import { DEFAULT_SHARD_THRESHOLD, MIN_SHARD_FAN_IN, defaultWorkers, type ParallelOptions } from '../actors/openNetwork.js';
import type { RunDescription } from '../actors/simulateCase.js';
import type { SnnOptions } from '../actors/spikingNetwork.js';
import { DEFAULT_EVENT_BUDGET } from '../actors/eventBudget.js';
import { RANGE_CHECKS, type RangeCheck } from '../equivalence/rangeGuard.js';
import { ORDER_NAMES, parseOrders } from '../streams/orders/index.js';
import { describeInputTiming, INPUT_TIMING_GRAMMAR, parseInputTiming } from '../streams/timing/inputTiming.js';
import { describeLatency, LATENCY_GRAMMAR, parseLatency } from '../streams/timing/latency.js';
import { BARRIER_GRAMMAR, describeBarrier, parseBarrier } from '../actors/barrier.js';
import { InputError } from '../errors.js';
import { DATASET_NAMES } from '../train/data/sources.js';
import { choice, flag, flagName, integer, maxWorkers, number, text } from './options.js';

export const MAX_SEED = 2 ** 31 - 1;

export const seedOption = (description: string) => integer({ min: 0, max: MAX_SEED, default: '1', description });

export const workersOption = (description: string) =>
  integer({ min: 0, max: maxWorkers, maxDoc: '4 per core', default: String(defaultWorkers()), defaultDoc: "the machine's cores", description: `${description} (0 or 1: this thread)` });

const unknownOrder = (spec: string): string | null => {
  const bad = spec.split(',').map((s) => s.trim()).find((name) => !(ORDER_NAMES as readonly string[]).includes(name));
  return bad === undefined ? null : `unknown order "${bad}"`;
};

/** A grammar check for an option: the parser's reason, without its option prefix. */
const grammar = (parse: (text: string) => unknown) => (text: string): string | null => {
  try {
    parse(text);
    return null;
  } catch (e) {
    return (e as Error).message.replace(/^: /, '');
  }
};

/** The timing model of a run: latency, barrier, input timing (docs/timing.md). */
export const timingOptions = {
  latency: text({
    placeholder: '<spec>',
    description: 'virtual time from a latency model, e.g. exp:1 or "forward=exp:1;backward=const:1;layer2=uniform:0-4" (default: none, the orders decide)',
    expected: LATENCY_GRAMMAR,
    check: grammar((t) => parseLatency(t, '')),
  }),
  barrier: text({ default: 'exact', placeholder: '<barrier>', description: 'how a layer decides its input is complete', expected: BARRIER_GRAMMAR, check: grammar((t) => parseBarrier(t, '')) }),
  inputTiming: text({ default: 'zero', placeholder: '<timing>', description: 'when input events arrive (with --latency)', expected: INPUT_TIMING_GRAMMAR, check: grammar((t) => parseInputTiming(t, '')) }),
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
    budget: number({
      above: 0,
      default: String(DEFAULT_EVENT_BUDGET),
      placeholder: '<events>',
      description: 'most events an example may send: one whose worst-case bound is over it runs with its events counted and stops once they pass it',
    }),
    rangeCheck: choice(RANGE_CHECKS, {
      default: 'auto',
      placeholder: '<check>',
      description: 'exact-range guard: static (refuse when the worst case over all inputs could leave ±(2^53 − 1)), sample (check each example on the values that reached each layer), auto (static where it holds, else sample)',
    }),
    workers: workersOption(workers),
    concurrent: flag({ description: 'every layer in a thread of its own, all at once, spikes passed directly between them: the order is whatever the threads do (exact barrier, no --order, --latency or --workers)' }),
    ...timingOptions,
  };
}

/** How a run delivered its spikes, for verdicts and chart titles. */
export function orderLabel(v: { concurrent: boolean; order: string; seed: number }): string {
  return v.concurrent ? 'concurrent layer threads' : `order ${v.order}, seed ${v.seed}`;
}

/** For commands whose threads share each layer's neurons (check, simulate). */
export const shardOptions = {
  shardThreshold: integer({
    min: 0,
    default: String(DEFAULT_SHARD_THRESHOLD),
    placeholder: '<synapses>',
    description: `with --workers > 1, layers with fewer synapses than this (or fewer than ${MIN_SHARD_FAN_IN} per neuron) stay whole in the calling thread (0: shard every layer)`,
  }),
};

export interface SnnRunValues {
  order: string;
  seed: number;
  policy: SpikePolicy;
  budget: number;
  rangeCheck: RangeCheck;
  workers: number;
  shardThreshold?: number;
  concurrent: boolean;
  latency?: string;
  barrier: string;
  inputTiming: string;
}

export function snnSettings(v: SnnRunValues, given: (key: string) => boolean = () => false): { options: SnnOptions & ParallelOptions; run: RunDescription } {
  if (v.concurrent) {
    for (const key of ['workers', 'shardThreshold', 'order', 'latency', 'inputTiming'] as const) {
      if (given(key)) throw new InputError(`${flagName(key)}: the concurrent mode runs one thread per layer and the threads decide the order; leave out ${flagName(key)} with --concurrent`);
    }
    if (v.barrier !== 'exact') throw new InputError(`--barrier ${v.barrier}: the concurrent mode has no virtual time; its layers end their phases on count-carrying markers (the exact barrier)`);
  }
  const latency = v.latency === undefined ? null : parseLatency(v.latency);
  const barrier = parseBarrier(v.barrier);
  const inputTiming = parseInputTiming(v.inputTiming);
  if (latency && v.order !== 'fifo') throw new InputError(`--order ${v.order}: with --latency the arrival times decide the order; leave --order at fifo`);
  if (!latency && barrier.kind === 'timeout') throw new InputError(`--barrier ${v.barrier}: a timeout is measured in a latency model's virtual time; give --latency too`);
  if (!latency && inputTiming.kind !== 'zero') throw new InputError(`--input-timing ${v.inputTiming}: input arrival times need a latency model; give --latency too`);
  const timing = latency ? { latency: describeLatency(latency), barrier: describeBarrier(barrier), inputTiming: describeInputTiming(inputTiming) } : barrier.kind === 'exact' ? {} : { barrier: describeBarrier(barrier) };
  return {
    options: { orders: parseOrders(v.order), seed: v.seed, policy: v.policy, eventBudget: v.budget, rangeCheck: v.rangeCheck, workers: v.workers, shardThreshold: v.shardThreshold, concurrent: v.concurrent, latency, barrier, inputTiming },
    run: { order: v.concurrent ? 'concurrent' : v.order, seed: v.seed, policy: v.policy, budget: v.budget, ...timing },
  };
}

export const dataOptions = {
  dataset: choice(DATASET_NAMES, { default: 'mnist', description: 'data set' }),
  dataDir: text({ placeholder: '<dir>', expected: 'a folder name', description: 'folder with the data set files (default: the embedded MNIST, or Debian\'s Fashion-MNIST)' }),
};
