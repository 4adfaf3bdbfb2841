/** What a spiking network offers its users, whichever way it runs (one thread, shards, or concurrent layer threads). */
import { shapeLayerResults, type LayerResult } from '../equivalence/layerResults.js';
import type { Network } from '../network/topology.js';
import type { ScheduleChoice } from '../streams/schedule.js';
import type { LayerState } from './compute.js';
import type { SnnStats } from './statistics.js';

export interface SnnExampleResult {
  /** Per entry of `layers`: S (hidden) or V (top), and E. */
  layers: LayerResult[];
  predicted: number;
}

export interface SpikingRun {
  /** One example, forward and backward; increments add up until `clearIncrements()`. */
  runExample(input: ArrayLike<number>, target: number, alpha: number): Promise<SnnExampleResult>;
  /** Like `runExample`, with the final states as typed arrays (valid until the next example). */
  runExampleStates(input: ArrayLike<number>, target: number, alpha: number): Promise<{ states: LayerState[]; predicted: number }>;
  /** Increments summed since the last clear, per neuron layer (empty for pooling). */
  incrementArrays(): Promise<{ dW: Float64Array; db: Float64Array }[]>;
  /** The same per entry of `layers`. */
  increments(): Promise<LayerResult[]>;
  clearIncrements(): Promise<void>;
  /** Seed the delivery order of the next examples (where an order is seeded at all). */
  reseed(seed: number): void;
  stats(): SnnStats;
  /** The last example's deliveries as scripted picks (runs on the bus that record them). */
  readonly recordedSchedule?: ScheduleChoice[] | null;
  dispose(): void;
}

/** An example's final states in the `spikegrad ann` shape: S of hidden layers, V of the top, and E. */
export function exampleResult(network: Network, states: readonly LayerState[], predicted: number): SnnExampleResult {
  const L = states.length - 1;
  return { layers: shapeLayerResults(network, states.map((s, l) => ({ output: l === L ? s.V : s.S, E: s.E }))), predicted };
}
