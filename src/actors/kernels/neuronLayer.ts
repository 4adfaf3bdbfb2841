/**
 * The neuron rule of SpikeGrad (docs/algorithm.md §3–§4) for the neurons [lo, hi) of one layer, on
 * typed arrays. It integrates packets, fires through the standard and residual functions, runs the
 * error compartment and accumulates weight increments. It knows nothing of actors, streams or
 * workers: spikes leave through a SpikeSink, and whoever calls it decides when each phase runs.
 *
 * Within one incoming event a target is reached once, so its standard function is evaluated after the
 * event's whole row: the targets that fire do so in increasing neuron index, which is what lets a
 * layer split into shards emit exactly the spikes, in exactly the order, of the whole layer.
 */
import { biasIndex } from '../../network/connectivity.js';
import { sizeOf, type NeuronLayer } from '../../network/topology.js';
import type { PacketView, SpikeSink } from '../../streams/packet.js';
import { errorRows, type ErrorRows } from './errorRows.js';
import { forwardRows, NARROW_NO_LOWER, PoolRows, type Compartment, type ForwardRows } from './forwardRows.js';
import { incrementRows, type IncrementRows } from './incrementRows.js';
import { QuiescenceError } from '../../errors.js';
import { PAPER_RULE, type NeuronRule } from './neuronRule.js';
import { residualSpike, standardSpike } from './spikeFunctions.js';

/** `single`: one evaluation of the standard function per incoming event (the paper); `burst`: fire until quiet. */
export type SpikePolicy = 'single' | 'burst';

export interface NeuronLayerOptions {
  policy: SpikePolicy;
  /** The classification layer integrates but never emits forward spikes. */
  isTop: boolean;
  /** The layer above (whose error spikes this layer receives), or null for the top layer. */
  upper: NeuronLayer | null;
  /** Owned neurons [lo, hi) (default: the whole layer); whole channels for convolutions and pooling. */
  lo?: number;
  hi?: number;
  /** The neuron rule (default: the paper's; variants are for the properties). */
  rule?: NeuronRule;
}

/** A sink for calls that never fire. */
const DISCARD: SpikeSink = { push: () => {} };

export class NeuronLayerKernel {
  readonly lo: number;
  readonly hi: number;
  /**
   * Accumulated output S, error compartment U, and the transmitted error E: the net count of error
   * spikes (a neuron with f' = 0 never fires, so it is the gated count too). In neuron order; the
   * forward compartment V is `V`.
   */
  readonly S: Float64Array;
  readonly U: Float64Array;
  readonly E: Float64Array;
  readonly fPrime: Uint8Array;
  /** Increments of the weights and biases, summed over this kernel's neurons and examples. */
  readonly dW: Float64Array;
  readonly db: Float64Array;
  /** Synaptic accumulations performed (forward: into V here; backward: by this layer's error spikes). */
  accumulations = 0;

  private readonly theta: number;
  private readonly thetaBp: number;
  /** Where the standard functions fire: Θ (Θbp), or one above it for the strict-threshold variant. */
  private readonly fireTheta: number;
  private readonly fireThetaBp: number;
  private readonly rule: NeuronRule;
  private readonly relu: boolean;
  private readonly burst: boolean;
  private readonly isTop: boolean;
  private readonly forward: ForwardRows;
  /**
   * The forward compartment where the rows keep it: neuron i's potential is potential[place[i]]. The
   * rows' int32 compartments where they have them and the example stays within their allowance
   * (`narrowLeft` ≥ 0: what is left of it), else the float64 ones; `lowerFire` and `neverFires` with it.
   */
  private potential: Compartment;
  private narrowLeft = -1;
  /** lowerFire where a neuron may not fire −1: −∞, or NARROW_NO_LOWER in int32 compartments. */
  private noLower = -Infinity;
  private readonly place: Int32Array;
  /** V in neuron order, gathered on request where the rows keep another order (else null: `potential` is it). */
  private readonly neuronOrderV: Float64Array | null;
  private readonly errors: ErrorRows | null;
  private readonly increments: IncrementRows;
  /** Bias index of each owned neuron (−1: none). */
  private readonly biasOf: Int32Array;
  /** Scratch: the targets one event pushed to ±Θ. */
  private readonly crossings: Int32Array;
  /** Per neuron, the potential at or below which it may fire −1 (−Θ, or `noLower` while it may not); kept with S. */
  private lowerFire: Compartment;
  /** All `noLower`: integrating without firing. */
  private neverFires: Compartment;
  /** Values feeding this layer (input or S below), needed for increments. */
  private lowerS: Float64Array = new Float64Array(0);
  /** The rows no longer match the weights (see weightsChanged). */
  private stale = false;

  constructor(
    readonly layer: NeuronLayer,
    options: NeuronLayerOptions,
  ) {
    const size = sizeOf(layer.outShape);
    this.lo = options.lo ?? 0;
    this.hi = options.hi ?? size;
    const n = this.hi - this.lo;
    this.forward = forwardRows(layer, this.lo, this.hi);
    // The rows hold V and the firing bounds where, and in the order in which, they add to them fastest.
    ({ V: this.potential, lowerFire: this.lowerFire, neverFires: this.neverFires } = this.forward);
    const storage = this.forward.storage;
    this.place = storage ?? Int32Array.from({ length: n }, (_, i) => i);
    this.neuronOrderV = storage === null ? null : new Float64Array(n);
    this.S = new Float64Array(n);
    this.U = new Float64Array(n);
    this.E = new Float64Array(n);
    this.fPrime = new Uint8Array(n);
    this.theta = layer.theta;
    this.thetaBp = layer.thetaBp;
    this.rule = options.rule ?? PAPER_RULE;
    const strict = this.rule.threshold === 'strict' ? 1 : 0;
    this.fireTheta = layer.theta + strict;
    this.fireThetaBp = layer.thetaBp + strict;
    this.relu = layer.activation === 'relu' && !options.isTop;
    this.burst = options.policy === 'burst';
    this.isTop = options.isTop;
    const weighted = layer.kind !== 'avgpool';
    this.dW = new Float64Array(weighted ? layer.weights.length : 0);
    this.db = new Float64Array(weighted ? layer.bias.length : 0);
    this.errors = options.upper ? errorRows(options.upper, this.lo, this.hi) : null;
    this.increments = incrementRows(layer);
    this.biasOf = Int32Array.from({ length: n }, (_, i) => biasIndex(layer, this.lo + i));
    this.crossings = new Int32Array(Math.max(this.forward.maxRow, this.errors?.maxRow ?? 0, 1));
  }

  /**
   * The forward compartment V in neuron order: live where the rows keep that order, else a copy made
   * now (read it after a phase, not during one).
   */
  get V(): Float64Array {
    const V = this.neuronOrderV;
    // Rows in neuron order have no int32 compartments: their float64 V is the potential.
    if (V === null) return this.forward.V;
    const potential = this.potential, place = this.place;
    for (let i = 0; i < V.length; i++) V[i] = potential[place[i]];
    return V;
  }

  /** Where neuron i may fire −1 given its count s: the standard function's lower branch, as a bound. */
  private lowerFireAt(s: number): number {
    return !this.relu || (this.rule.reluNegative && s > 0) ? -this.fireTheta : this.noLower;
  }

  /** The layer's weights (or those above, which the error rows hold) changed in place: lay the rows out again before the next example. */
  weightsChanged(): void {
    this.stale = true;
  }

  /** Start of an example: V = b (the bias enters once, as the initial potential), S = U = E = 0. */
  resetForward(): void {
    if (this.stale) {
      this.forward.refresh();
      this.errors?.refresh();
      this.stale = false;
    }
    this.useCompartments(this.forward.narrow !== null && this.forward.narrow.allowance > 0);
    const bias = this.layer.kind === 'avgpool' ? null : this.layer.bias;
    const potential = this.potential, place = this.place;
    for (let i = 0; i < place.length; i++) {
      const b = this.biasOf[i];
      potential[place[i]] = b < 0 || bias === null ? 0 : bias[b];
    }
    this.S.fill(0);
    this.lowerFire.fill(this.lowerFireAt(0));
    this.U.fill(0);
    this.E.fill(0);
    this.fPrime.fill(0);
  }

  /**
   * The rows' int32 compartments (`narrow`, from the start of an example) or their float64 ones; moving
   * to the float64 ones mid-example copies V and lowerFire over.
   */
  private useCompartments(narrow: boolean): void {
    const rows = this.forward;
    if (narrow) {
      ({ V: this.potential, lowerFire: this.lowerFire, neverFires: this.neverFires } = rows.narrow!);
      this.narrowLeft = rows.narrow!.allowance;
      this.noLower = NARROW_NO_LOWER;
      return;
    }
    if (this.narrowLeft >= 0) {
      const V = rows.V, lowerFire = rows.lowerFire, from = this.potential, fromLower = this.lowerFire;
      for (let k = 0; k < V.length; k++) {
        V[k] = from[k];
        lowerFire[k] = fromLower[k] === NARROW_NO_LOWER ? -Infinity : fromLower[k];
      }
    }
    ({ V: this.potential, lowerFire: this.lowerFire, neverFires: this.neverFires } = rows);
    this.narrowLeft = -1;
    this.noLower = -Infinity;
  }

  /** Int32 compartments take this packet if its values are integers whose Σ|x| is within what is left of their allowance; else they are left. */
  private admitNarrow(value: Float64Array, length: number): void {
    let sum = 0;
    for (let e = 0; e < length; e++) {
      const x = value[e];
      if ((x | 0) !== x) return this.useCompartments(false);
      sum += x < 0 ? -x : x;
    }
    if (sum > this.narrowLeft) return this.useCompartments(false);
    this.narrowLeft -= sum;
  }

  clearIncrements(): void {
    this.dW.fill(0);
    this.db.fill(0);
  }

  /** Forward standard phase: add w·value for every event and let the receivers fire. */
  integrateForward(p: PacketView, out: SpikeSink): void {
    this.integrate(p, out, !this.isTop);
  }

  /** Add w·value for every event without firing (replaying spikes that a log says were sent). */
  accumulateForward(p: PacketView): void {
    this.integrate(p, DISCARD, false);
  }

  private integrate(p: PacketView, out: SpikeSink, fire: boolean): void {
    if (this.narrowLeft >= 0) this.admitNarrow(p.value, p.length);
    const rows = this.forward, lengths = rows.rowLengths, V = this.potential, crossings = this.crossings;
    // Thresholds no potential reaches: the row is added, nobody fires.
    const theta = fire ? this.fireTheta : Infinity;
    const lowerFire = fire ? this.lowerFire : this.neverFires;
    const { index, value } = p;
    let accumulations = 0;
    // Pooling's rows are one target per source: walked here, with no call per event (a pool's forward
    // pass takes a third less time; it receives the most events of the MNIST topology).
    if (rows instanceof PoolRows) {
      const target = rows.target, w = rows.weight;
      for (let e = 0; e < p.length; e++) {
        const t = target[index[e]];
        if (t < 0) continue;
        accumulations++;
        const v = (V[t] += value[e] * w);
        if ((v - lowerFire[t]) * (theta - v) > 0) continue;
        out.event = e;
        if (this.burst) this.fireForward(t, out);
        else this.fireOnce(t, out);
      }
      this.accumulations += accumulations;
      return;
    }
    for (let e = 0; e < p.length; e++) {
      const j = index[e];
      accumulations += lengths[j];
      const crossed = rows.accumulate(j, value[e], V, lowerFire, theta, crossings);
      if (crossed === 0) continue;
      out.event = e;
      if (this.burst) for (let c = 0; c < crossed; c++) this.fireForward(crossings[c], out);
      else for (let c = 0; c < crossed; c++) this.fireOnce(crossings[c], out);
    }
    this.accumulations += accumulations;
  }

  /**
   * The single policy's standard function for a target the rows found outside (lowerFire, θ): at or
   * above θ it fires +1, else it is at or below its lower bound, which is finite only where the
   * standard function may return −1.
   */
  private fireOnce(i: number, out: SpikeSink): void {
    const V = this.potential, k = this.place[i];
    const s = V[k] >= this.fireTheta ? 1 : -1;
    V[k] -= s * this.theta;
    this.lowerFire[k] = this.lowerFireAt((this.S[i] += s));
    out.push(this.lo + i, s);
  }

  private fireForward(i: number, out: SpikeSink): void {
    const V = this.potential, S = this.S, theta = this.theta, fireAt = this.fireTheta, reluNegative = this.rule.reluNegative;
    const k = this.place[i];
    do {
      const s = standardSpike(V[k], fireAt, S[i], this.relu, reluNegative);
      if (s === 0) return;
      V[k] -= s * theta;
      S[i] += s;
      this.lowerFire[k] = this.lowerFireAt(S[i]);
      out.push(this.lo + i, s);
    } while (this.burst);
  }

  /** A forward spike s of our neuron `neuron` (global index) taken from a log: V −= s·Θ, S += s. */
  applyForwardSpike(neuron: number, s: number): void {
    const i = neuron - this.lo, k = this.place[i];
    // A logged spike is not bounded by the arrivals: float64 from here on.
    if (this.narrowLeft >= 0) this.useCompartments(false);
    this.potential[k] -= s * this.theta;
    this.S[i] += s;
    this.lowerFire[k] = this.lowerFireAt(this.S[i]);
  }

  /** Forward residual phase: fire each neuron through the residual function until it returns 0. */
  residualForward(out: SpikeSink): void {
    out.event = -1;
    if (this.isTop || !this.rule.residual) return;
    const V = this.potential, place = this.place, S = this.S, theta = this.theta, { reluNegative, residualTie } = this.rule;
    for (let i = 0; i < place.length; i++) {
      const k = place[i];
      // The residual function is 0 inside |2V| < Θ, whatever the tie rule, and below it where the
      // neuron may not send −1 (its lower bound is −∞): most neurons end in one of the two.
      const v = V[k];
      if (2 * Math.abs(v) < theta || (v < 0 && this.lowerFire[k] === this.noLower)) continue;
      let left = this.residualLimit(V[k], theta);
      for (let s = residualSpike(V[k], theta, S[i], this.relu, reluNegative, residualTie); s !== 0; s = residualSpike(V[k], theta, S[i], this.relu, reluNegative, residualTie)) {
        if (left-- === 0) this.neverQuiet('forward', i, V[k], theta);
        V[k] -= s * theta;
        S[i] += s;
        out.push(this.lo + i, s);
      }
      this.lowerFire[k] = this.lowerFireAt(S[i]);
    }
  }

  /** After the forward pass: surrogate derivatives f' from final states, and the values below for increments. */
  startBackward(lowerS: Float64Array): void {
    this.lowerS = lowerS;
    const V = this.potential, place = this.place;
    for (let i = 0; i < place.length; i++) {
      // relu: f' = 1 when the total integrated input a = V + Θ·S is positive.
      this.fPrime[i] = !this.relu || V[place[i]] + this.theta * this.S[i] > 0 ? 1 : 0;
    }
  }

  /** The classification layer's error compartment starts at U^L; it then fires like any error neuron. */
  startTopError(U0: ArrayLike<number>, out: SpikeSink): void {
    out.event = -1;
    this.loadTopError(U0);
    for (let i = 0; i < this.U.length; i++) this.fireError(i, out);
  }

  /** U = U^L without firing (replaying a log, whose error spikes follow). */
  loadTopError(U0: ArrayLike<number>): void {
    for (let i = 0; i < this.U.length; i++) this.U[i] = U0[this.lo + i];
  }

  /** Backward standard phase: error spikes δ from neuron k above add w_kj·δ to U_j. */
  integrateBackward(p: PacketView, out: SpikeSink): void {
    this.integrateErrors(p, out, true);
  }

  /** Add w_kj·δ for every error spike without firing (replaying a log). */
  accumulateBackward(p: PacketView): void {
    this.integrateErrors(p, DISCARD, false);
  }

  private integrateErrors(p: PacketView, out: SpikeSink, fire: boolean): void {
    const rows = this.errors!, U = this.U, fPrime = this.fPrime, crossings = this.crossings;
    const thetaBp = fire ? this.fireThetaBp : Infinity;
    const { index, value } = p;
    for (let e = 0; e < p.length; e++) {
      const crossed = rows.accumulate(index[e], value[e], U, fPrime, thetaBp, crossings);
      if (crossed === 0) continue;
      out.event = e;
      for (let c = 0; c < crossed; c++) this.fireError(crossings[c], out);
    }
  }

  private fireError(i: number, out: SpikeSink): void {
    if (this.fPrime[i] === 0) return;
    const U = this.U, E = this.E, fireAt = this.fireThetaBp;
    do {
      const z = standardSpike(U[i], fireAt, E[i], false);
      if (z === 0) return;
      this.applyErrorSpike(this.lo + i, z);
      out.push(this.lo + i, z);
    } while (this.burst);
  }

  /** Backward residual phase (top-down, once everything above is quiet). */
  residualBackward(out: SpikeSink): void {
    out.event = -1;
    if (!this.rule.residual) return;
    const U = this.U, E = this.E, thetaBp = this.thetaBp, tie = this.rule.residualTie;
    for (let i = 0; i < U.length; i++) {
      if (this.fPrime[i] === 0 || 2 * Math.abs(U[i]) < thetaBp) continue;
      let left = this.residualLimit(U[i], thetaBp);
      for (let z = residualSpike(U[i], thetaBp, E[i], false, true, tie); z !== 0; z = residualSpike(U[i], thetaBp, E[i], false, true, tie)) {
        if (left-- === 0) this.neverQuiet('backward', i, U[i], thetaBp);
        this.applyErrorSpike(this.lo + i, z);
        out.push(this.lo + i, z);
      }
    }
  }

  /** Residual spikes a neuron can owe: every one moves |V| toward zero by Θ, ending inside ±Θ/2. More is a loop. */
  private residualLimit(v: number, theta: number): number {
    return Math.ceil(Math.abs(v) / theta) + 2;
  }

  private neverQuiet(direction: 'forward' | 'backward', i: number, v: number, theta: number): never {
    const [name, t] = direction === 'forward' ? ['V', 'Θ'] : ['U', 'Θbp'];
    throw new QuiescenceError(`neuron ${this.lo + i} never becomes quiet in its ${direction} residual phase (${name} = ${v}, ${t} = ${theta}: it fires back and forth)`);
  }

  /** An error spike z of our neuron `neuron` (global index): U −= z·Θbp, E += z, and its increments. */
  applyErrorSpike(neuron: number, z: number): void {
    const i = neuron - this.lo;
    this.U[i] -= z * this.thetaBp;
    this.E[i] += z;
    this.accumulations += this.increments.fanIn[neuron];
    this.increments.apply(neuron, z, this.lowerS, this.dW, this.db);
  }
}

/**
 * The kernel of neuron layer `l` of `layers` (bottom to top) for its neurons [lo, hi) (default: all):
 * the one place a kernel is built, in this thread or in a shard.
 */
export function layerKernel(layers: readonly NeuronLayer[], l: number, policy: SpikePolicy, range?: readonly [number, number] | null, rule?: NeuronRule): NeuronLayerKernel {
  const L = layers.length - 1;
  return new NeuronLayerKernel(layers[l], { policy, isTop: l === L, upper: l < L ? layers[l + 1] : null, lo: range?.[0], hi: range?.[1], rule });
}
