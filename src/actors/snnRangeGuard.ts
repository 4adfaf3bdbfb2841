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
import { assertExactRange, forwardBoundExceeds, MAX_EXACT, SampleRangeGuard, type RangeCheck } from '../equivalence/rangeGuard.js';
import { connectionCount, type Network, type NeuronLayer } from '../network/topology.js';
import { ArrivalDrives } from './arrivalDrive.js';
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
  private drives: ArrivalDrives;
  /** Which tasks the helper computes (afterExampleShared). */
  private helperTasks: boolean[] | null = null;

  constructor(
    private readonly network: Network,
    private readonly layers: readonly NeuronLayer[],
    private readonly layerIndex: readonly number[],
    readonly mode: RangeCheck = 'auto',
  ) {
    this.incrementSums = layers.map(() => 0);
    this.drives = new ArrivalDrives(layers);
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
      // Where a potential's worst case already leaves the range, the full check (backward and
      // increments too, an ANN pass each on a deep network) would only say so at greater cost.
      if (this.mode !== 'static' && forwardBoundExceeds(this.network, Math.max(magnitude, g?.magnitude ?? 0))) throw new RangeGuardError('the worst-case potential bound leaves the exact range');
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
    const { tasks, check, guard } = this.plan();
    return this.conclude(events, tasks.map((t) => runGuardTask(guard, this.drives, this.layers, t, events, check)), check);
  }

  /**
   * The same, with about half of the work (by synapses) done by `helper` in another thread at the
   * same time: each part is what this thread would compute, and the outcomes are read in the same
   * order, so the bound and the first refusal are the same.
   */
  async afterExampleShared(events: ExampleEvents, helper: GuardHelper): Promise<ArrivalBound> {
    const { tasks, check, guard } = this.plan();
    // Split once, then kept: each thread builds the rows of its own layers' tasks once (a task that
    // moved would cost its new thread those rows), and the costs change little between examples.
    if (this.helperTasks?.length !== tasks.length) this.helperTasks = balance(estimatedCosts(this.layers, tasks, events));
    const theirs = this.helperTasks;
    const handed = tasks.filter((_, k) => theirs[k]);
    const remote = helper.compute(handed, taskInputs(handed, events), check);
    // Ours meanwhile; theirs fill in the gaps.
    const outcomes: (GuardOutcome | null)[] = tasks.map((t, k) => (theirs[k] ? null : runGuardTask(guard, this.drives, this.layers, t, events, check)));
    const received = await remote;
    let next = 0;
    return this.conclude(events, outcomes.map((o) => o ?? received[next++]), check);
  }

  /** Every task of an example's guard, in the order a single thread computes them. */
  private plan(): { tasks: GuardTask[]; check: boolean; guard: SampleRangeGuard } {
    const check = this.sample !== null;
    const guard = this.sample ?? (this.counter ??= new SampleRangeGuard(this.layers, this.layerIndex));
    const L = this.layers.length - 1;
    const tasks: GuardTask[] = [];
    for (let l = 0; l <= L; l++) tasks.push({ kind: 'forward', layer: l });
    for (let l = L; l >= 0; l--) {
      if (check) tasks.push({ kind: 'increments', layer: l });
      if (l > 0) tasks.push({ kind: 'backward', layer: l });
    }
    return { tasks, check, guard };
  }

  /** Reads the outcomes in the planned order: the first refusal is thrown, the bounds summed. */
  private conclude(events: ExampleEvents, outcomes: GuardOutcome[], check: boolean): ArrivalBound {
    const L = this.layers.length - 1;
    const bounds = this.layers.map(() => ({ forward: 0, backward: 0 }));
    let total = 0;
    for (let j = 0; j < events.input.length; j++) if (events.input[j] !== 0) total++;
    const value = (o: GuardOutcome): number => {
      if ('refusal' in o) throw new RangeGuardError(o.refusal);
      return o.value;
    };
    let k = 0;
    for (let l = 0; l <= L; l++) bounds[l].forward = value(outcomes[k++]);
    const top = this.layers[L];
    bounds[L].backward = events.topU.reduce((t, u) => t + Math.floor(Math.abs(u) / top.thetaBp) + 2, 0);
    for (let i = 0; check && i < events.topU.length; i++) {
      const u = Math.abs(events.topU[i]);
      if (!(u <= MAX_EXACT)) throw new RangeGuardError(`layer ${this.layerIndex[L]} (${top.kind}): the error compartment of this example could reach ${u.toExponential(3)}, beyond 2^53 − 1`);
    }
    const guard = this.sample;
    for (let l = L; l >= 0; l--) {
      if (check) {
        this.incrementSums[l] += value(outcomes[k++]);
        guard!.checkIncrementSum(l, this.incrementSums[l], this.examples);
      }
      if (l > 0) bounds[l - 1].backward = value(outcomes[k++]);
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
    this.helperTasks = null;
    this.drives = new ArrivalDrives(this.layers);
    if (this.sample) this.sample = new SampleRangeGuard(this.layers, this.layerIndex);
  }
}

/** One part of an example's guard: a layer's forward drives, its errors reaching the layer below, or its increments. */
export interface GuardTask {
  kind: 'forward' | 'backward' | 'increments';
  layer: number;
}

/** A task's number (events it bounds, or the largest increment), or the refusal it raised. */
export type GuardOutcome = { value: number } | { refusal: string };

/** What a task reads of an example, by name (`taskInputs`), so that only those cross to another thread. */
export type TaskInputs = Record<string, Float64Array>;

/** Computes guard tasks of this network in another thread (the same SampleRangeGuard arithmetic). */
export interface GuardHelper {
  /** Get ready for an example's tasks (a thread started) while the example runs. */
  prepare?(): void;
  compute(tasks: GuardTask[], inputs: TaskInputs, check: boolean): Promise<GuardOutcome[]>;
}

// A forward task reads the events that arrived, an increments task the values below (S): not the same arrays.
const arrivedKey = (l: number) => `arrived ${l}`;
const belowKey = (l: number) => `below ${l}`;
const errorKey = (l: number) => `errors ${l}`;
const arrived = (e: ExampleEvents, l: number) => (l === 0 ? e.input : e.forward[l - 1]);
const below = (e: ExampleEvents, l: number) => (l === 0 ? e.input : e.states[l - 1].S);

/** The arrays `tasks` read, by name. */
export function taskInputs(tasks: readonly GuardTask[], events: ExampleEvents): TaskInputs {
  const inputs: TaskInputs = {};
  for (const { kind, layer: l } of tasks) {
    if (kind === 'forward') inputs[arrivedKey(l)] = arrived(events, l);
    if (kind === 'increments') inputs[belowKey(l)] = below(events, l);
    if (kind !== 'forward') inputs[errorKey(l)] = events.backward[l];
  }
  return inputs;
}

const perNeuron = (drive: Float64Array, theta: number) => drive.reduce((t, d) => t + Math.floor(d / theta) + 2, 0);

/**
 * One task on `guard`: forward, the events layer l could send given its drives (0 for the top,
 * which sends none; checked all the same); backward, the error events the layer below could send;
 * increments, the largest increment. Refusals are returned, not thrown, so that they can cross threads.
 */
export function runGuardTask(guard: SampleRangeGuard, drives: ArrivalDrives, layers: readonly NeuronLayer[], task: GuardTask, events: ExampleEvents | TaskInputs, check: boolean): GuardOutcome {
  // In this thread the example's own arrays; in a helper the ones sent by name.
  const read = (key: string, fromEvents: (e: ExampleEvents) => Float64Array): Float64Array => ('topU' in events ? fromEvents(events as ExampleEvents) : (events as TaskInputs)[key]);
  const l = task.layer;
  const L = layers.length - 1;
  try {
    if (task.kind === 'forward') {
      const input = read(arrivedKey(l), (e) => arrived(e, l));
      let drive = drives.drive(l, input);
      if (drive === null) drive = guard.forward(l, input, check);
      else if (check) guard.checkDrive(l, drive);
      return { value: l === L ? 0 : perNeuron(drive, layers[l].theta) };
    }
    const errors = read(errorKey(l), (e) => e.backward[l]);
    if (task.kind === 'increments') return { value: guard.increments(l, errors, read(belowKey(l), (e) => below(e, l))) };
    return { value: perNeuron(guard.backward(l, errors, check), layers[l - 1].thetaBp) };
  } catch (e) {
    if (e instanceof RangeGuardError) return { refusal: e.message };
    throw e;
  }
}

/** The share of non-zero values in `a`. */
function nonZeroShare(a: Float64Array): number {
  let n = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== 0) n++;
  return a.length === 0 ? 0 : n / a.length;
}

/**
 * What each task costs, in synapses visited. The kernels scatter from non-zero values only, so a
 * task visits its layer's synapses times the share of non-zero values it reads (events that arrived
 * forward, error events backward and for increments): counting every synapse handed the helper the
 * error tasks, most of whose values are zero, as if they cost what the forward ones do. The rows of
 * a convolution's drives visit a synapse about 4 times faster than the integer ANN's kernels, which
 * serve every other task, and an increments task also reads every weight (CIFAR-10, measured).
 */
function estimatedCosts(layers: readonly NeuronLayer[], tasks: readonly GuardTask[], events: ExampleEvents): number[] {
  return tasks.map((t) => {
    const layer = layers[t.layer];
    const visited = connectionCount(layer) * nonZeroShare(t.kind === 'forward' ? arrived(events, t.layer) : events.backward[t.layer]);
    if (t.kind === 'forward' && layer.kind === 'conv2d') return visited;
    return 4 * visited + (t.kind === 'increments' && layer.kind !== 'avgpool' ? 5 * layer.weights.length : 0);
  });
}

/** Which tasks go to the helper: about half of the cost, the largest first. */
function balance(cost: readonly number[]): boolean[] {
  const order = cost.map((_, k) => k).sort((a, b) => cost[b] - cost[a]);
  const theirs = cost.map(() => false);
  let ours = 0, helpers = 0;
  for (const k of order) {
    if (helpers < ours) {
      theirs[k] = true;
      helpers += cost[k];
    } else ours += cost[k];
  }
  return theirs;
}
