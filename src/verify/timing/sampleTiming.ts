/**
 * One sample under one timing configuration, looked at closely: it runs through the event-driven SNN
 * with the configuration's latency model, barrier and policy, and through the integer ANN, and the
 * result says when the network decided, when each phase went quiet, how much work each layer did, and
 * how far the result is from the integer ANN's (nothing, under the exact barrier).
 */
import { parseBarrier, type Barrier } from '../../actors/barrier.js';
import type { SpikePolicy } from '../../actors/kernels/neuronLayer.js';
import type { PhaseTimes } from '../../actors/layerRuntime.js';
import { SpikingNetwork } from '../../actors/spikingNetwork.js';
import type { PhaseReport, SnnStats } from '../../actors/statistics.js';
import { IntegerAnn } from '../../equivalence/integerAnn.js';
import type { Network } from '../../network/topology.js';
import { parseInputTiming } from '../../streams/timing/inputTiming.js';
import { parseLatency } from '../../streams/timing/latency.js';

/** A configuration as given on the command line. */
export interface TimingConfig {
  latency: string;
  barrier: string;
  policy: SpikePolicy;
  inputTiming: string;
}

export interface PhaseFigures {
  events: number;
  redundant: number;
  accumulations: number;
  firstSpike: number;
  lastSpike: number;
  quiet: number;
}

export interface LayerDeviation {
  /** S of hidden layers, V^L of the classification layer. */
  output: { neurons: number; absolute: number };
  E: { neurons: number; absolute: number };
}

export interface SampleTiming {
  index: number;
  target: number;
  predicted: number;
  annPredicted: number;
  /** Every accumulated value (S, V^L, E, ΔW, Δb) equals the integer ANN's. */
  exact: boolean;
  decisionTime: number;
  forwardQuietAt: number;
  incrementsFinalAt: number;
  endAt: number;
  readout: { time: number[]; label: number[] };
  layers: { layer: number; forward: PhaseFigures; backward: PhaseFigures }[];
  deviation: {
    layers: LayerDeviation[];
    /** Σ|ΔW_snn − ΔW_ann| / Σ|ΔW_ann| and the cosine of the two, over every weighted layer (biases included). */
    relativeL1: number;
    cosine: number;
  };
}

function phaseDelta(after: PhaseReport, before: PhaseReport | undefined, times: PhaseTimes): PhaseFigures {
  const events = after.events - (before?.events ?? 0);
  const net = after.netCount - (before?.netCount ?? 0);
  return {
    events,
    redundant: events - net,
    accumulations: after.accumulations - (before?.accumulations ?? 0),
    firstSpike: times.firstSpike,
    lastSpike: times.lastSpike,
    quiet: times.quiet,
  };
}

/** Runs samples under one configuration, in this thread (a worker runs one of these per configuration). */
export class TimingSampler {
  private readonly snn: SpikingNetwork;
  private readonly ann: IntegerAnn;
  private readonly barrier: Barrier;
  private previous: SnnStats | null = null;

  constructor(
    readonly network: Network,
    readonly config: TimingConfig,
    private readonly seed: number,
    eventBudget?: number,
  ) {
    this.barrier = parseBarrier(config.barrier);
    this.snn = new SpikingNetwork(network, {
      seed,
      policy: config.policy,
      eventBudget,
      latency: parseLatency(config.latency),
      barrier: this.barrier,
      inputTiming: parseInputTiming(config.inputTiming),
    });
    this.ann = new IntegerAnn(network);
  }

  async measure(input: ArrayLike<number>, target: number, alpha: number, index: number): Promise<SampleTiming> {
    // Sample i's delays and ties are seeded by seed + i, so no sample depends on which ran before it.
    this.snn.bus.reseed(this.seed + index);
    await this.snn.clearIncrements();
    const live = await this.snn.runExampleStates(input, target, alpha);
    const increments = await this.snn.incrementArrays();
    const timeline = this.snn.timeline();
    const stats = this.snn.stats();
    this.ann.clearIncrements();
    const annPredicted = this.ann.run(input, target, alpha);
    const L = this.ann.layers.length - 1;
    let exact = annPredicted === live.predicted;
    let distance = 0, size = 0, dot = 0, normSnn = 0;
    const deviation: LayerDeviation[] = this.ann.state.map((a, l) => {
      const s = live.states[l];
      const compare = (x: ArrayLike<number>, y: ArrayLike<number>) => {
        let neurons = 0, absolute = 0;
        for (let i = 0; i < x.length; i++) {
          const d = Math.abs(x[i] - y[i]);
          if (d !== 0) neurons++;
          absolute += d;
        }
        return { neurons, absolute };
      };
      const output = l === L ? compare(a.a, s.V) : compare(a.S, s.S);
      const E = compare(a.E, s.E);
      if (output.neurons > 0 || E.neurons > 0) exact = false;
      for (const [x, y] of [[a.dW, increments[l].dW], [a.db, increments[l].db]]) {
        for (let i = 0; i < x.length; i++) {
          if (x[i] !== y[i]) exact = false;
          distance += Math.abs(x[i] - y[i]);
          size += Math.abs(x[i]);
          dot += x[i] * y[i];
          normSnn += y[i] * y[i];
        }
      }
      return { output, E };
    });
    let normAnn = 0;
    for (const a of this.ann.state) for (const x of [a.dW, a.db]) for (let i = 0; i < x.length; i++) normAnn += x[i] * x[i];
    const before = this.previous;
    this.previous = stats;
    return {
      index,
      target,
      predicted: live.predicted,
      annPredicted,
      exact,
      decisionTime: timeline.decisionTime,
      forwardQuietAt: timeline.forwardQuietAt,
      incrementsFinalAt: timeline.incrementsFinalAt,
      endAt: timeline.endAt,
      readout: timeline.readout,
      layers: stats.layers.map((l, p) => ({
        layer: l.layer,
        forward: phaseDelta(l.forward, before?.layers[p].forward, timeline.layers[p].forward),
        backward: phaseDelta(l.backward, before?.layers[p].backward, timeline.layers[p].backward),
      })),
      deviation: {
        layers: deviation,
        relativeL1: size === 0 ? (distance === 0 ? 0 : Infinity) : distance / size,
        cosine: normAnn === 0 || normSnn === 0 ? (normAnn === normSnn ? 1 : 0) : dot / Math.sqrt(normAnn * normSnn),
      },
    };
  }

  /** The statistics over every sample measured so far. */
  stats(): SnnStats {
    return this.snn.stats();
  }

  dispose(): void {
    this.snn.dispose();
  }
}
