/**
 * A run's event log as test vectors in NIR's event-data layout, one node per NIR graph node that
 * `spikegrad export` writes: the input events (`input`, value = the input value), each layer's forward
 * spikes (`layerN_neurons`, observable `spikes`, value ±1, residual spikes included) and its error
 * spikes (observable `error_spikes`). Times are the run's virtual times.
 */
import { nodeNames } from '../network/nir/export.js';
import type { NirEvents } from '../network/nir/nirFile.js';
import { sizeOf, type Network } from '../network/topology.js';
import { LogKind, type EventRecords } from './eventLog.js';

export function nirEventData(network: Network, records: EventRecords): Map<string, Map<string, NirEvents>> {
  const collect = new Map<string, { idx: number[]; time: number[]; value: number[]; nNeurons: number }>();
  const at = (node: string, obs: string, nNeurons: number) => {
    const key = `${node}\u0000${obs}`;
    let c = collect.get(key);
    if (!c) collect.set(key, (c = { idx: [], time: [], value: [], nNeurons }));
    return c;
  };
  const inputs = sizeOf(network.layers[0].inShape);
  let tMax = 0;
  for (let k = 0; k < records.count; k++) {
    const kind = records.kind[k];
    let target: ReturnType<typeof at> | null = null;
    if (kind === LogKind.Input) target = at(nodeNames.input, 'spikes', inputs);
    else if (kind === LogKind.Spike || kind === LogKind.ResidualSpike || kind === LogKind.ErrorSpike || kind === LogKind.ResidualErrorSpike) {
      const layer = network.layers[records.layer[k]];
      const obs = kind === LogKind.Spike || kind === LogKind.ResidualSpike ? 'spikes' : 'error_spikes';
      target = at(nodeNames.neurons(records.layer[k]), obs, sizeOf(layer.outShape));
    }
    if (!target) continue;
    target.idx.push(records.neuron[k]);
    target.time.push(records.time[k]);
    target.value.push(records.value[k]);
    tMax = Math.max(tMax, records.time[k]);
  }
  const out = new Map<string, Map<string, NirEvents>>();
  for (const [key, c] of collect) {
    const [node, obs] = key.split('\u0000');
    if (!out.has(node)) out.set(node, new Map());
    out.get(node)!.set(obs, { ...c, tMax });
  }
  return out;
}
