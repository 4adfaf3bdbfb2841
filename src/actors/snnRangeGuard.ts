/**
 * The exact range of a spiking run (docs/algorithm.md §1). The worst case over every input of the
 * magnitude seen is checked first (cached); where it leaves ±(2^53 − 1) and the check is `auto` or
 * `sample`, each example is checked on what actually happened instead: a potential never exceeds
 * |b| + Σ|w|·n over the n events that arrived from each source, in any order of arrival (a neuron's
 * own spikes only move its potential towards zero: it fires at ±Θ and goes back by Θ); the error
 * compartments likewise with the error events; the increments by the products of error events and
 * the values below. A run that could have left the exact range is
 * refused after the example, before anything of it is used.
 */
import { RangeGuardError } from '../errors.js';
import { assertExactRange, MAX_EXACT, SampleRangeGuard, type RangeCheck } from '../equivalence/rangeGuard.js';
import type { Network, NeuronLayer } from '../network/topology.js';
import type { LayerState } from './compute.js';

export interface ExampleEvents {
  input: Float64Array;
  /** Events each neuron sent, per neuron layer, forward and backward. */
  forward: Float64Array[];
  backward: Float64Array[];
  /** Final states (S of the layers below feed the increments). */
  states: LayerState[];
  /** The classification layer's initial error compartment. */
  topU: Float64Array;
}

export interface ArrivalBound {
  /** Per neuron layer: the events it could have sent, given what it received. */
  layers: { forward: number; backward: number }[];
  total: number;
}

export class SnnRangeGuard {
  private sample: SampleRangeGuard | null = null;
  /** Bounds from counts without a range check (when the worst case holds but events are counted). */
  private counter: SampleRangeGuard | null = null;
  private guarded: { magnitude: number; alpha: number; examples: number } | null = null;
  private readonly incrementSums: number[];
  private examples = 0;

  constructor(
    private readonly network: Network,
    private readonly layers: readonly NeuronLayer[],
    private readonly layerIndex: readonly number[],
    readonly mode: RangeCheck = 'auto',
  ) {
    this.incrementSums = layers.map(() => 0);
    if (mode === 'sample') this.sample = new SampleRangeGuard(layers, layerIndex);
  }

  /** Before an example: does it need its events counted (checked on its own values)? */
  beforeExample(input: ArrayLike<number>, alpha: number): boolean {
    this.examples++;
    if (this.sample) return true;
    let magnitude = 0;
    for (let j = 0; j < input.length; j++) magnitude = Math.max(magnitude, Math.abs(input[j]));
    const g = this.guarded;
    if (g && magnitude <= g.magnitude && alpha === g.alpha && this.examples <= g.examples) return false;
    // Checked for twice the examples summed so far, so a mini-batch is not re-checked at every example.
    const examples = Math.max(this.examples, 2 * (g?.examples ?? 1));
    try {
      assertExactRange(this.network, Math.max(magnitude, g?.magnitude ?? 0), alpha, examples);
      this.guarded = { magnitude: Math.max(magnitude, g?.magnitude ?? 0), alpha, examples };
      return false;
    } catch (e) {
      if (!(e instanceof RangeGuardError) || this.mode === 'static') throw e;
      this.sample = new SampleRangeGuard(this.layers, this.layerIndex);
      // The examples already summed stayed within the worst case of one example each.
      if (this.examples > 1 && g) {
        const one = assertExactRange(this.network, g.magnitude, g.alpha, 1);
        one.forEach((b, l) => (this.incrementSums[l] = b.increment * (this.examples - 1)));
      }
      return true;
    }
  }

  /** Is each example checked on its own values? */
  get perExample(): boolean {
    return this.sample !== null;
  }

  /**
   * After a counted example: refuse it if any value could have left the exact range (when checked
   * per example), and return its event bound from what arrived.
   */
  afterExample(events: ExampleEvents): ArrivalBound {
    const check = this.sample !== null;
    const guard = this.sample ?? (this.counter ??= new SampleRangeGuard(this.layers, this.layerIndex));
    const L = this.layers.length - 1;
    const perNeuron = (drive: Float64Array, theta: number) => drive.reduce((t, d) => t + Math.floor(d / theta) + 2, 0);
    const bounds = this.layers.map(() => ({ forward: 0, backward: 0 }));
    let total = 0;
    for (let j = 0; j < events.input.length; j++) if (events.input[j] !== 0) total++;
    for (let l = 0; l <= L; l++) {
      const layer = this.layers[l];
      const drive = guard.forward(l, l === 0 ? events.input : events.forward[l - 1], check);
      bounds[l].forward = l === L ? 0 : perNeuron(drive, layer.theta);
    }
    const top = this.layers[L];
    bounds[L].backward = events.topU.reduce((t, u) => t + Math.floor(Math.abs(u) / top.thetaBp) + 2, 0);
    for (let i = 0; check && i < events.topU.length; i++) {
      const u = Math.abs(events.topU[i]);
      if (!(u <= MAX_EXACT)) throw new RangeGuardError(`layer ${this.layerIndex[L]} (${top.kind}): the error compartment of this example could reach ${u.toExponential(3)}, beyond 2^53 − 1`);
    }
    for (let l = L; l >= 0; l--) {
      if (check) {
        const below = l === 0 ? events.input : events.states[l - 1].S;
        this.incrementSums[l] += guard.increments(l, events.backward[l], below);
        guard.checkIncrementSum(l, this.incrementSums[l], this.examples);
      }
      if (l > 0) {
        const lower = this.layers[l - 1];
        const reaching = guard.backward(l, events.backward[l], check);
        bounds[l - 1].backward = perNeuron(reaching, lower.thetaBp);
      }
    }
    for (const b of bounds) total += b.forward + b.backward;
    return { layers: bounds, total };
  }

  clearIncrements(): void {
    this.examples = 0;
    this.incrementSums.fill(0);
  }

  /** The weights changed (on-line training): every bound must be computed again. */
  weightsChanged(): void {
    this.guarded = null;
    this.counter = null;
    if (this.sample) this.sample = new SampleRangeGuard(this.layers, this.layerIndex);
  }
}
