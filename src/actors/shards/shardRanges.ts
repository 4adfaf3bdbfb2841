/**
 * How a layer's neurons are split into shards: contiguous ranges, whole output channels for
 * convolutions and pooling (their rows are laid out per channel), any units for dense layers. Empty
 * shards are dropped, so a layer with fewer channels than workers uses fewer workers.
 */
import { nonEmptyParts } from '../../workers/partition.js';
import { connectionCount, sizeOf, type NeuronLayer } from '../../network/topology.js';

export function shardRanges(layer: NeuronLayer, parts: number): [number, number][] {
  if (layer.kind === 'dense') return nonEmptyParts(sizeOf(layer.outShape), parts);
  const plane = layer.outShape[1] * layer.outShape[2];
  return nonEmptyParts(layer.outShape[0], parts).map(([lo, hi]) => [lo * plane, hi * plane]);
}

/**
 * Layers with fewer synapses than this stay whole in the calling thread: the calls across threads,
 * the waking of a worker and the merge of its spikes cost more than the halved accumulations save.
 * On MNIST's topology, splitting its second convolution (960,000 synapses) and its 300-unit layer
 * (192,000) made an image slower, not faster (0.77–0.92× with 2 threads, `npm run bench -- workers`).
 */
export const DEFAULT_SHARD_THRESHOLD = 1 << 20;

/**
 * Synapses per neuron below which a layer stays whole all the same: each of its spikes costs more to
 * hand back and merge than the few accumulations it saves (MNIST's first convolution, 25 per neuron,
 * ran no faster in two shards than in one).
 */
export const MIN_SHARD_FAN_IN = 64;

/** Does splitting this layer pay: enough synapses in all, and enough per neuron? */
function worthSharding(layer: NeuronLayer, threshold: number): boolean {
  const synapses = connectionCount(layer);
  return synapses >= threshold && synapses >= MIN_SHARD_FAN_IN * sizeOf(layer.outShape);
}

/**
 * owned[l][k]: the neurons [lo, hi) of layer l in shard k, or null where it has none (a layer with
 * fewer channels than shards uses fewer; a layer not worth splitting is shard 0's whole). Threshold
 * 0 splits every layer.
 */
export function shardLayout(layers: readonly NeuronLayer[], shards: number, threshold: number): ([number, number] | null)[][] {
  return layers.map((layer) => {
    const ranges = threshold > 0 && !worthSharding(layer, threshold) ? [[0, sizeOf(layer.outShape)] as [number, number]] : shardRanges(layer, shards);
    return Array.from({ length: shards }, (_, k) => ranges[k] ?? null);
  });
}

/** Does shard 0 own the whole layer (so that it can run unsharded)? */
export const ownedWhole = (owned: readonly ([number, number] | null)[]): boolean => owned.every((range, k) => (k === 0) === (range !== null));
