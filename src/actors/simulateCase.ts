/** Run one case (or a mini-batch) through the spiking network and report it in the `ann` shape. */
import type { BatchSample, LayerResult } from '../equivalence/layerResults.js';
import { withIncrements } from '../equivalence/compare.js';
import { caseToJson, type SpikeCase } from '../network/caseFile.js';
import type { Network } from '../network/topology.js';
import type { EventLogWriter } from '../streams/eventLog.js';
import { trimSchedule, type ScheduleChoice } from '../streams/schedule.js';
import { openSpikingNetwork, type ParallelOptions } from './openNetwork.js';
import type { SnnOptions } from './spikingNetwork.js';
import type { SnnStats } from './statistics.js';

export interface SnnCaseResult {
  layers: LayerResult[];
  predicted: number;
  stats: SnnStats;
  /** The run's deliveries as a schedule (trailing fifo picks left out), when recorded. */
  schedule: ScheduleChoice[] | null;
}

/** Options that describe a run, written into the event log header so a replay knows what it replays. */
export interface RunDescription {
  order: string;
  seed: number;
  policy: string;
  /** The event budget (a replay reports the same worst-case bounds). */
  budget?: number;
  /** The latency model's text (docs/timing.md), when virtual time comes from one. */
  latency?: string;
  barrier?: string;
  inputTiming?: string;
}

export function logHeader(c: SpikeCase, run: RunDescription): Record<string, unknown> {
  return { format: 'spikegrad-log/1', case: caseToJson(c), ...run };
}

export async function simulateCase(c: SpikeCase, options: SnnOptions & ParallelOptions = {}): Promise<SnnCaseResult> {
  // One example: its event bound from what arrived is worth the counting.
  const { snn, close } = await openSpikingNetwork(c.network, { countEvents: true, ...options });
  try {
    const r = await snn.runExample(c.input, c.target, c.alpha);
    const recorded = snn.recordedSchedule;
    return { layers: withIncrements(r.layers, await snn.increments()), predicted: r.predicted, stats: snn.stats(), schedule: recorded ? trimSchedule(recorded) : null };
  } finally {
    await close();
  }
}

export interface SnnBatchResult {
  predictions: number[];
  /** Per example: S / V and E. */
  examples: LayerResult[][];
  /** Increments summed over the batch. */
  increments: LayerResult[];
  stats: SnnStats;
}

/** A mini-batch with frozen weights through one spiking network; increments summed (docs/algorithm.md §6). */
export async function simulateBatch(
  network: Network,
  samples: readonly BatchSample[],
  alpha: number,
  options: SnnOptions & ParallelOptions & { log?: EventLogWriter | null } = {},
): Promise<SnnBatchResult> {
  const { snn, close } = await openSpikingNetwork(network, options);
  try {
    const examples: LayerResult[][] = [];
    const predictions: number[] = [];
    for (const s of samples) {
      const r = await snn.runExample(s.input, s.target, alpha);
      examples.push(r.layers);
      predictions.push(r.predicted);
    }
    return { predictions, examples, increments: await snn.increments(), stats: snn.stats() };
  } finally {
    await close();
  }
}
