/**
 * Rebuild the final state and the statistics of a run from its event log alone: every logged input
 * event, spike, top error and error spike is applied, in log order, to fresh neuron kernels (the same
 * rule as the live run, without firing: the log says who fired), and events, accumulations and quiet
 * times are counted from the records and phase marks. Both must equal the live run's; a log whose final
 * state is not quiet (a neuron that would still fire) or whose last example has no end is refused.
 */
import { InputError } from '../errors.js';
import { shapeLayerResults, type LayerResult } from '../equivalence/layerResults.js';
import { argmax } from '../equivalence/topError.js';
import { parseCase } from '../network/caseFile.js';
import { neuronLayerIndices, sizeOf, type NeuronLayer } from '../network/topology.js';
import { LogKind, PhaseMark, type EventLog } from '../streams/eventLog.js';
import { layerKernel } from './kernels/neuronLayer.js';
import { residualSpike } from './kernels/spikeFunctions.js';
import type { Direction } from './layerMachine.js';
import { DEFAULT_EVENT_BUDGET, EventBudgetCache } from './eventBudget.js';
import { SnnRangeGuard } from './snnRangeGuard.js';
import { emptyPhaseStats, SnnStatistics, type PhaseStats, type SnnStats } from './statistics.js';

export interface ReplayResult {
  layers: LayerResult[];
  predicted: number;
  stats: SnnStats;
  examples: number;
  records: number;
}

/** A one-event packet, re-used for every record. */
const one = { index: new Int32Array(1), value: new Float64Array(1), length: 1 };
function event(neuron: number, value: number) {
  one.index[0] = neuron;
  one.value[0] = value;
  return one;
}

export function replayEventLog(log: EventLog, file = 'event log'): ReplayResult {
  const c = parseCase(log.header.case, `${file} (header)`);
  const indices = neuronLayerIndices(c.network);
  const position = new Map(indices.map((li, p) => [li, p]));
  const layers = indices.map((i) => c.network.layers[i] as NeuronLayer);
  const L = layers.length - 1;
  // The policy only decides when a neuron fires; replay never fires, so either will do.
  const kernels = layers.map((_, l) => layerKernel(layers, l, 'single'));
  const input = new Float64Array(sizeOf(layers[0].inShape));
  const statistics = new SnnStatistics(layers, indices);
  // The same event bounds as the live run: its worst case against the logged budget, and the bound from what arrived.
  const budget = new EventBudgetCache(c.network, typeof log.header.budget === 'number' ? log.header.budget : DEFAULT_EVENT_BUDGET);
  const range = new SnnRangeGuard(c.network, layers, indices, 'auto');
  const counts = layers.map((layer) => ({ forward: new Float64Array(sizeOf(layer.outShape)), backward: new Float64Array(sizeOf(layer.outShape)) }));
  const topU = new Float64Array(sizeOf(layers[L].outShape));
  const phases: Record<Direction, PhaseStats>[] = layers.map(() => ({ forward: emptyPhaseStats(), backward: emptyPhaseStats() }));
  /** Accumulations counted per event as it is applied, so that late arrivals (imperfect barriers, after a layer went quiet) count as in the live run. */
  const counted = (l: number, direction: Direction, apply: () => void) => {
    const before = kernels[l].accumulations;
    apply();
    phases[l][direction].accumulations += kernels[l].accumulations - before;
  };
  const accumulate = (l: number, direction: Direction, neuron: number, value: number) =>
    counted(l, direction, () => (direction === 'forward' ? kernels[l].accumulateForward(event(neuron, value)) : kernels[l].accumulateBackward(event(neuron, value))));
  let deliveries = 0;
  let inputEvents = 0;
  let ended = true;
  let backward = false;
  const reset = () => {
    input.fill(0);
    for (const k of kernels) k.resetForward();
    for (const n of counts) {
      n.forward.fill(0);
      n.backward.fill(0);
    }
    backward = false;
  };
  reset();
  const fail = (k: number, why: string): never => {
    throw new InputError(`${file}: record ${k}: ${why}`);
  };
  const r = log.records;
  let examples = 0;
  for (let k = 0; k < r.count; k++) {
    const kind = r.kind[k];
    const neuron = r.neuron[k];
    const value = r.value[k];
    if (kind === LogKind.Phase) {
      const p = position.get(r.layer[k]) ?? 0;
      const direction: Direction = neuron >= PhaseMark.BackwardStart ? 'backward' : 'forward';
      switch (neuron) {
        case PhaseMark.ExampleStart:
          if (!ended) fail(k, 'an example starts before the previous one ended');
          reset();
          examples++;
          ended = false;
          break;
        case PhaseMark.ExampleEnd:
          statistics.addExample(input, kernels, r.time[k], {
            worstCase: budget.check(input, c.alpha)?.total ?? null,
            fromArrivals: range.afterExample({ input, forward: counts.map((n) => n.forward), backward: counts.map((n) => n.backward), states: kernels, topU }).total,
          });
          deliveries += value;
          ended = true;
          break;
        case PhaseMark.ForwardQuiet:
        case PhaseMark.BackwardQuiet:
          phases[p][direction].quietAt = Math.max(phases[p][direction].quietAt, r.time[k]);
          break;
      }
      continue;
    }
    if (kind === LogKind.Input) {
      if (neuron < 0 || neuron >= input.length) fail(k, `input neuron ${neuron} out of range`);
      inputEvents++;
      input[neuron] = value;
      accumulate(0, 'forward', neuron, value);
      continue;
    }
    const p = position.get(r.layer[k]);
    if (p === undefined) fail(k, `layer ${r.layer[k]} is not a neuron layer`);
    const kernel = kernels[p!];
    if (neuron < 0 || neuron >= kernel.V.length) fail(k, `neuron ${neuron} out of range for layer ${r.layer[k]}`);
    if (kind === LogKind.Spike || kind === LogKind.ResidualSpike) {
      if (p === L) fail(k, 'the classification layer never emits forward spikes');
      phases[p!].forward[kind === LogKind.Spike ? 'standardEvents' : 'residualEvents']++;
      counts[p!].forward[neuron]++;
      counted(p!, 'forward', () => kernel.applyForwardSpike(neuron, value));
      accumulate(p! + 1, 'forward', neuron, value);
    } else if (kind === LogKind.TopError) {
      if (p !== L) fail(k, 'a top error record outside the classification layer');
      // The forward pass is over: surrogate derivatives from the final states, as the live run takes them.
      if (!backward) kernels.forEach((kl, l) => counted(l, 'backward', () => kl.startBackward(l === 0 ? input : kernels[l - 1].S)));
      backward = true;
      kernel.U[neuron] = value;
      topU[neuron] = value;
    } else if (kind === LogKind.ErrorSpike || kind === LogKind.ResidualErrorSpike) {
      if (!backward) fail(k, 'an error spike before the top error');
      phases[p!].backward[kind === LogKind.ErrorSpike ? 'standardEvents' : 'residualEvents']++;
      counts[p!].backward[neuron]++;
      counted(p!, 'backward', () => kernel.applyErrorSpike(neuron, value));
      if (p! > 0) accumulate(p! - 1, 'backward', neuron, value);
    } else {
      fail(k, `unknown record kind ${kind}`);
    }
  }
  if (examples === 0) throw new InputError(`${file}: no example in the log`);
  if (!ended) throw new InputError(`${file}: incomplete log: example ${examples} has no end mark (the run stopped before it finished)`);
  statistics.countInputEvents(inputEvents);
  // The last example must have ended quiet: no neuron may still have a residual spike to fire (with an
  // imperfect barrier a neuron may be left unrounded on purpose, so only the exact barrier is checked).
  const exact = log.header.barrier === undefined || log.header.barrier === 'exact';
  layers.forEach((layer, p) => {
    if (!exact) return;
    const s = kernels[p];
    const relu = p < L && layer.activation === 'relu';
    for (let i = 0; i < s.V.length; i++) {
      if (p < L && residualSpike(s.V[i], layer.theta, s.S[i], relu) !== 0) {
        throw new InputError(`${file}: incomplete log: neuron ${i} of layer ${indices[p]} would still fire a forward spike (V = ${s.V[i]}, S = ${s.S[i]})`);
      }
      if (s.fPrime[i] === 1 && residualSpike(s.U[i], layer.thetaBp, s.E[i], false) !== 0) {
        throw new InputError(`${file}: incomplete log: neuron ${i} of layer ${indices[p]} would still fire an error spike (U = ${s.U[i]}, E = ${s.E[i]})`);
      }
    }
  });
  const values = kernels.map((s, p) => ({ output: p === L ? s.V : s.S, E: s.E, increments: s }));
  return { layers: shapeLayerResults(c.network, values), predicted: argmax(kernels[L].V), stats: statistics.report(phases, deliveries), examples, records: r.count };
}
