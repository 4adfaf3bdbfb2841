/**
 * Rebuild the final state of a run from its event log alone: apply every logged input event, spike
 * and error spike to fresh compartments, in log order. The result must equal the live run's; a log
 * whose final state is not quiet (a neuron that would still fire) is refused as incomplete.
 */
import { InputError } from '../errors.js';
import type { LayerResult } from '../equivalence/annResult.js';
import { argmax } from '../equivalence/topError.js';
import { biasIndex, fanIn, fanOut, weightsOf } from '../network/connectivity.js';
import { parseCase } from '../network/caseFile.js';
import { neuronLayerIndices, sizeOf, type NeuronLayer } from '../network/topology.js';
import { LogKind, PhaseMark, type EventLog } from '../streams/eventLog.js';
import { residualSpike } from './kernels/spikeFunctions.js';

export interface ReplayResult {
  layers: LayerResult[];
  predicted: number;
  examples: number;
  records: number;
}

export function replayEventLog(log: EventLog, file = 'event log'): ReplayResult {
  const c = parseCase(log.header.case, `${file} (header)`);
  const indices = neuronLayerIndices(c.network);
  const position = new Map(indices.map((li, p) => [li, p]));
  const layers = indices.map((i) => c.network.layers[i] as NeuronLayer);
  const L = layers.length - 1;
  const state = layers.map((layer) => {
    const n = sizeOf(layer.outShape);
    return {
      V: new Float64Array(n), S: new Float64Array(n), U: new Float64Array(n), Z: new Float64Array(n),
      out: fanOut(layer), in: fanIn(layer), w: weightsOf(layer),
      dW: new Float64Array(layer.kind === 'avgpool' ? 0 : layer.weights.length),
      db: new Float64Array(layer.kind === 'avgpool' ? 0 : layer.bias.length),
    };
  });
  const input = new Float64Array(sizeOf(layers[0].inShape));
  const reset = () => {
    input.fill(0);
    layers.forEach((layer, p) => {
      const s = state[p];
      for (let i = 0; i < s.V.length; i++) {
        const b = biasIndex(layer, i);
        s.V[i] = b < 0 ? 0 : (layer as { bias: Float64Array }).bias[b];
      }
      s.S.fill(0);
      s.U.fill(0);
      s.Z.fill(0);
    });
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
      if (neuron === PhaseMark.ExampleStart) {
        reset();
        examples++;
      }
      continue;
    }
    if (kind === LogKind.Input) {
      if (neuron < 0 || neuron >= input.length) fail(k, `input neuron ${neuron} out of range`);
      input[neuron] = value;
      const t = state[0];
      for (let e = t.out.start[neuron]; e < t.out.start[neuron + 1]; e++) t.V[t.out.pairs[2 * e]] += value * t.w[t.out.pairs[2 * e + 1]];
      continue;
    }
    const p = position.get(r.layer[k]);
    if (p === undefined) fail(k, `layer ${r.layer[k]} is not a neuron layer`);
    const s = state[p!];
    const layer = layers[p!];
    if (neuron < 0 || neuron >= s.V.length) fail(k, `neuron ${neuron} out of range for layer ${r.layer[k]}`);
    if (kind === LogKind.Spike || kind === LogKind.ResidualSpike) {
      if (p === L) fail(k, 'the classification layer never emits forward spikes');
      s.S[neuron] += value;
      s.V[neuron] -= value * layer.theta;
      const up = state[p! + 1];
      for (let e = up.out.start[neuron]; e < up.out.start[neuron + 1]; e++) up.V[up.out.pairs[2 * e]] += value * up.w[up.out.pairs[2 * e + 1]];
    } else if (kind === LogKind.TopError) {
      if (p !== L) fail(k, 'a top error record outside the classification layer');
      s.U[neuron] = value;
    } else if (kind === LogKind.ErrorSpike || kind === LogKind.ResidualErrorSpike) {
      s.U[neuron] -= value * layer.thetaBp;
      s.Z[neuron] += value;
      const below = p === 0 ? input : state[p! - 1].S;
      for (let e = s.in.start[neuron]; e < s.in.start[neuron + 1]; e++) {
        const j = s.in.pairs[2 * e];
        const param = s.in.pairs[2 * e + 1];
        if (p! > 0) state[p! - 1].U[j] += s.w[param] * value;
        if (s.dW.length > 0) s.dW[param] -= value * below[j];
      }
      if (s.db.length > 0) s.db[biasIndex(layer, neuron)] -= value;
    } else {
      fail(k, `unknown record kind ${kind}`);
    }
  }
  if (examples === 0) throw new InputError(`${file}: no example in the log`);
  // The last example must have ended quiet: no neuron may still have a residual spike to fire.
  layers.forEach((layer, p) => {
    const s = state[p];
    const relu = p < L && layer.activation === 'relu';
    for (let i = 0; i < s.V.length; i++) {
      if (p < L && residualSpike(s.V[i], layer.theta, s.S[i], relu) !== 0) {
        throw new InputError(`${file}: incomplete log: neuron ${i} of layer ${indices[p]} would still fire a forward spike (V = ${s.V[i]}, S = ${s.S[i]})`);
      }
      const fPrime = !relu || s.V[i] + layer.theta * s.S[i] > 0;
      if (fPrime && residualSpike(s.U[i], layer.thetaBp, s.Z[i], false) !== 0) {
        throw new InputError(`${file}: incomplete log: neuron ${i} of layer ${indices[p]} would still fire an error spike (U = ${s.U[i]}, Z = ${s.Z[i]})`);
      }
    }
  });
  const out: LayerResult[] = c.network.layers.map(() => ({}));
  layers.forEach((layer, p) => {
    const s = state[p];
    const res: LayerResult = p === L ? { V: Array.from(s.V) } : { S: Array.from(s.S) };
    res.E = Array.from(s.Z);
    if (layer.kind !== 'avgpool') {
      res.dW = Array.from(s.dW);
      res.db = Array.from(s.db);
    }
    out[indices[p]] = res;
  });
  return { layers: out, predicted: argmax(state[L].V), examples, records: r.count };
}
