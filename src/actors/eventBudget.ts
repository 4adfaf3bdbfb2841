/**
 * The complexity bound (docs/algorithm.md §8): before a run, bound the spike events each layer can emit, and refuse
 * a case over the budget. Per neuron: N_i ≤ ⌊(|b_i| + Σ_j |w_ij|·N_j) / Θ⌋ + 2 (each standard spike
 * lowers |V| by Θ; the residual phase adds at most one sub-Θ spike and one tie spike), with N_0 = |x|;
 * downwards from |U^L| ≤ α·Θbp the same recursion with Θbp.
 */
import { EventBudgetError } from '../errors.js';
import { layerBackward } from '../equivalence/kernels/index.js';
import { absLayer, magnitudeForward } from '../equivalence/kernels/magnitudes.js';
import { roundHalfAwayReal } from '../network/rounding.js';
import { neuronLayerIndices, sizeOf, type Network, type NeuronLayer } from '../network/topology.js';

export const DEFAULT_EVENT_BUDGET = 2e9;

export interface LayerEventBound {
  /** Index into network.layers. */
  layer: number;
  forward: number;
  backward: number;
}

export interface EventBound {
  /** Input events (one per non-zero input value). */
  input: number;
  layers: LayerEventBound[];
  total: number;
  /** Per-neuron bounds, per neuron layer (for run-time checks). */
  forwardPerNeuron: Float64Array[];
  backwardPerNeuron: Float64Array[];
}

const sum = (v: Float64Array): number => v.reduce((a, b) => a + b, 0);

export function computeEventBound(network: Network, input: ArrayLike<number>, alpha: number): EventBound;
/** The same, or null as soon as the events bounded so far pass `stopAbove` (the total would too). */
export function computeEventBound(network: Network, input: ArrayLike<number>, alpha: number, stopAbove: number): EventBound | null;
export function computeEventBound(network: Network, input: ArrayLike<number>, alpha: number, stopAbove = Infinity): EventBound | null {
  const indices = neuronLayerIndices(network);
  const layers = indices.map((i) => network.layers[i] as NeuronLayer);
  const L = layers.length - 1;
  const forward: Float64Array[] = [];
  let N = Float64Array.from(input, Math.abs);
  let inputEvents = 0;
  for (let j = 0; j < input.length; j++) if (input[j] !== 0) inputEvents++;
  let sofar = inputEvents;
  for (let l = 0; l <= L; l++) {
    const drive = new Float64Array(sizeOf(layers[l].outShape));
    // The cached bounds start from a uniform input: most rows and columns stay alike.
    magnitudeForward(layers[l], N, drive);
    const theta = layers[l].theta;
    N = l === L ? new Float64Array(drive.length) : drive.map((d) => Math.floor(d / theta) + 2);
    forward.push(N);
    sofar += sum(N);
    // Exact integers below 2^53: the total, a sum of more non-negative terms, is larger still.
    if (sofar > stopAbove && sofar <= Number.MAX_SAFE_INTEGER) return null;
  }
  const backward: Float64Array[] = new Array(L + 1);
  const top = layers[L];
  let drive = new Float64Array(sizeOf(top.outShape)).fill(roundHalfAwayReal(alpha * top.thetaBp));
  for (let l = L; l >= 0; l--) {
    const thetaBp = layers[l].thetaBp;
    backward[l] = drive.map((d) => Math.floor(d / thetaBp) + 2);
    sofar += sum(backward[l]);
    if (sofar > stopAbove && sofar <= Number.MAX_SAFE_INTEGER) return null;
    if (l > 0) {
      drive = new Float64Array(sizeOf(layers[l].inShape));
      layerBackward(absLayer(layers[l]), backward[l], drive);
    }
  }
  const perLayer = indices.map((layer, l) => ({ layer, forward: sum(forward[l]), backward: sum(backward[l]) }));
  const total = inputEvents + perLayer.reduce((t, b) => t + b.forward + b.backward, 0);
  return { input: inputEvents, layers: perLayer, total, forwardPerNeuron: forward, backwardPerNeuron: backward };
}

/** Refuse a case whose event bound exceeds the budget, naming the layer that contributes most. */
export function assertEventBudget(network: Network, input: ArrayLike<number>, alpha: number, budget = DEFAULT_EVENT_BUDGET): EventBound {
  const bound = computeEventBound(network, input, alpha);
  if (bound.total > budget) {
    const worst = bound.layers.reduce((a, b) => (Math.max(b.forward, b.backward) > Math.max(a.forward, a.backward) ? b : a));
    const phase = worst.forward >= worst.backward ? 'forward' : 'backward';
    throw new EventBudgetError(
      `the event bound ${bound.total.toExponential(3)} exceeds the budget ${budget.toExponential(3)}; ` +
        `layer ${worst.layer} (${network.layers[worst.layer].kind}) alone may emit ${Math.max(worst.forward, worst.backward).toExponential(3)} ${phase} events. ` +
        `Raise the thresholds, lower the weights or α, or raise --budget`,
    );
  }
  return bound;
}

/**
 * The event bound of each example against a budget, cached: the bound for a uniform input of magnitude
 * M bounds every input with max|x| ≤ M, so it is computed again only when α changes or a larger
 * magnitude comes. When it is over the budget (deep networks: the worst case compounds through every
 * layer), the example is not refused for it: it runs with its events counted, and stops once they
 * pass the budget (see LayerRuntime).
 */
export class EventBudgetCache {
  /**
   * Bounds by the input's largest magnitude and α. Keyed exactly, so that an example's bound depends on
   * that example alone, never on which examples the same network ran before (the reports of sharded,
   * sample-parallel and queued runs must not depend on how the samples were split).
   */
  private readonly cached = new Map<string, EventBound | 'over'>();

  constructor(
    private readonly network: Network,
    readonly budget: number = DEFAULT_EVENT_BUDGET,
  ) {}

  /** The worst-case bound of this example, or null when it is over the budget (the run is counted instead). */
  check(input: ArrayLike<number>, alpha: number): EventBound | null {
    let magnitude = 0;
    for (let j = 0; j < input.length; j++) magnitude = Math.max(magnitude, Math.abs(input[j]));
    const key = `${magnitude}:${alpha}`;
    let bound = this.cached.get(key);
    if (!bound) {
      // Few distinct keys in practice (pixel maxima); a runaway set is simply started again.
      if (this.cached.size >= 1024) this.cached.clear();
      // Deep networks pass the budget a few layers in: the rest of the bound would not be used.
      bound = computeEventBound(this.network, new Float64Array(input.length).fill(magnitude), alpha, this.budget) ?? 'over';
      this.cached.set(key, bound);
    }
    return bound !== 'over' && bound.total <= this.budget ? bound : null;
  }

  /** The weights changed in place (on-line training): the cached bound no longer holds. */
  invalidate(): void {
    this.cached.clear();
  }
}
