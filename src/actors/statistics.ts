/**
 * Statistics of spiking runs (docs/algorithm.md §8): events per layer and phase, redundant spikes,
 * synaptic accumulations against the ANN's multiply-accumulates, the integer ANN's best case, and
 * quiet times. The coordinator feeds it each finished example; it knows nothing of actors or buses.
 */
import { bestForwardAccumulations, fanSizes } from '../equivalence/bestCase.js';
import { connectionCount, type NeuronLayer } from '../network/topology.js';
import type { LayerState } from './compute.js';
import type { Direction } from './layerMachine.js';

/** What a layer's runtime counts per phase. */
export interface PhaseStats {
  /** Spikes emitted in the standard part of the phase. */
  standardEvents: number;
  /** Spikes emitted by the residual function. */
  residualEvents: number;
  /** Synaptic accumulations (forward: into this layer; backward: by this layer's error spikes). */
  accumulations: number;
  /** Virtual time, from the start of its example, at which the layer finished the phase (latest over examples). */
  quietAt: number;
}

export const emptyPhaseStats = (): PhaseStats => ({ standardEvents: 0, residualEvents: 0, accumulations: 0, quietAt: 0 });

export interface PhaseReport extends PhaseStats {
  events: number;
  /** Σ|S| (forward) or Σ|E| (backward): the events an ideal order needs. */
  netCount: number;
  /** events − netCount. */
  redundant: number;
  /** The ANN's multiply-accumulates for this layer. */
  macs: number;
  /** accumulations / macs. */
  relativeOps: number;
  /** The accumulations of the integer ANN's best case: |S| (or |E|) spikes per neuron. */
  bestCaseAccumulations: number;
  /** bestCaseAccumulations / macs. */
  bestCaseRelativeOps: number;
}

export interface LayerReport {
  layer: number;
  kind: NeuronLayer['kind'];
  forward: PhaseReport;
  backward: PhaseReport;
}

export interface SnnStats {
  examples: number;
  inputEvents: number;
  deliveries: number;
  /** Virtual duration of the longest example (each example starts at time 0). */
  virtualTime: number;
  /**
   * Events summed over the examples (input events included): measured, the worst-case bound from each
   * input (null once an example's was over the budget: it ran counted), and the bound from the events
   * that actually arrived (null unless every example was counted); 0 for no examples.
   */
  eventBound: { measured: number; worstCase: number | null; fromArrivals: number | null };
  layers: LayerReport[];
}

/** One example's event bounds (null: not known, see SnnStats.eventBound). */
export interface ExampleBounds {
  worstCase: number | null;
  fromArrivals: number | null;
}

interface NetCounts {
  forward: number;
  backward: number;
  bestForward: number;
  bestBackward: number;
}

/** a / b, and 0 for no examples at all. */
const ratio = (a: number, b: number): number => (b === 0 ? 0 : a / b);

export class SnnStatistics {
  private readonly fanOutSizes: Int32Array[];
  private readonly fanInSizes: Int32Array[];
  private readonly netCounts: NetCounts[];
  private examples = 0;
  private inputEvents = 0;
  private longestExample = 0;
  private worstCase: number | null = 0;
  private fromArrivals: number | null = 0;

  constructor(
    private readonly layers: readonly NeuronLayer[],
    private readonly layerIndex: readonly number[],
  ) {
    // Connections per input (forward) and per neuron (backward) of each layer, for best-case figures.
    const fans = layers.map(fanSizes);
    this.fanOutSizes = fans.map((f) => f.fanOut);
    this.fanInSizes = fans.map((f) => f.fanIn);
    this.netCounts = layers.map(() => ({ forward: 0, backward: 0, bestForward: 0, bestBackward: 0 }));
  }

  countInputEvents(events: number): void {
    this.inputEvents += events;
  }

  /** A finished example: its final states, its input, and the virtual time it took. */
  addExample(input: Float64Array, states: readonly LayerState[], duration: number, bounds: ExampleBounds): void {
    this.examples++;
    this.worstCase = this.worstCase === null || bounds.worstCase === null ? null : this.worstCase + bounds.worstCase;
    this.fromArrivals = this.fromArrivals === null || bounds.fromArrivals === null ? null : this.fromArrivals + bounds.fromArrivals;
    this.longestExample = Math.max(this.longestExample, duration);
    // Sums in locals, one pass per layer: this runs once per example on every neuron.
    for (let l = 0; l < states.length; l++) {
      const c = this.netCounts[l];
      const { S, E } = states[l], fanIn = this.fanInSizes[l];
      let forward = 0, backward = 0, bestBackward = 0;
      for (let i = 0; i < S.length; i++) {
        const e = Math.abs(E[i]);
        forward += Math.abs(S[i]);
        backward += e;
        bestBackward += e * fanIn[i];
      }
      c.forward += forward;
      c.backward += backward;
      c.bestBackward += bestBackward;
      c.bestForward += bestForwardAccumulations(l === 0 ? input : states[l - 1].S, this.fanOutSizes[l], l === 0);
    }
  }

  /** The report, from each layer's phase counts and the bus's delivery count. */
  report(phases: readonly Record<Direction, PhaseStats>[], deliveries: number): SnnStats {
    const L = this.layers.length - 1;
    const phase = (l: number, direction: Direction): PhaseReport => {
      const s = phases[l][direction];
      const c = this.netCounts[l];
      const events = s.standardEvents + s.residualEvents;
      const netCount = direction === 'forward' ? (l === L ? 0 : c.forward) : c.backward;
      const macs = connectionCount(this.layers[l]) * this.examples;
      const best = direction === 'forward' ? c.bestForward : c.bestBackward;
      return { ...s, events, netCount, redundant: events - netCount, macs, relativeOps: ratio(s.accumulations, macs), bestCaseAccumulations: best, bestCaseRelativeOps: ratio(best, macs) };
    };
    const layers = this.layers.map((layer, l) => ({ layer: this.layerIndex[l], kind: layer.kind, forward: phase(l, 'forward'), backward: phase(l, 'backward') }));
    const measured = layers.reduce((t, l) => t + l.forward.events + l.backward.events, this.inputEvents);
    return {
      examples: this.examples,
      inputEvents: this.inputEvents,
      deliveries,
      virtualTime: this.longestExample,
      eventBound: { measured, worstCase: this.worstCase, fromArrivals: this.fromArrivals },
      layers,
    };
  }
}

/** Add up statistics of disjoint runs (ratios recomputed from the integer sums, so any split gives the same figures). */
export function mergeStats(parts: readonly SnnStats[]): SnnStats {
  const [first, ...rest] = parts;
  const out: SnnStats = structuredClone(first);
  for (const p of rest) {
    out.examples += p.examples;
    out.inputEvents += p.inputEvents;
    out.deliveries += p.deliveries;
    out.virtualTime = Math.max(out.virtualTime, p.virtualTime);
    const add = (a: number | null, b: number | null) => (a === null || b === null ? null : a + b);
    out.eventBound = { measured: out.eventBound.measured + p.eventBound.measured, worstCase: add(out.eventBound.worstCase, p.eventBound.worstCase), fromArrivals: add(out.eventBound.fromArrivals, p.eventBound.fromArrivals) };
    p.layers.forEach((l, i) => {
      for (const phase of ['forward', 'backward'] as const) {
        const a = out.layers[i][phase], b = l[phase];
        a.events += b.events;
        a.standardEvents += b.standardEvents;
        a.residualEvents += b.residualEvents;
        a.accumulations += b.accumulations;
        a.netCount += b.netCount;
        a.redundant += b.redundant;
        a.macs += b.macs;
        a.bestCaseAccumulations += b.bestCaseAccumulations;
        a.quietAt = Math.max(a.quietAt, b.quietAt);
        a.relativeOps = ratio(a.accumulations, a.macs);
        a.bestCaseRelativeOps = ratio(a.bestCaseAccumulations, a.macs);
      }
    });
  }
  return out;
}
