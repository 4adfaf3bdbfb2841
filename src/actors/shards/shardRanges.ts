/**
 * How a layer's neurons are split into shards: contiguous ranges, whole output channels for
 * convolutions and pooling (their rows are laid out per channel), any units for dense layers. Empty
 * shards are dropped, so a layer with fewer channels than workers uses fewer workers.
 */
import { nonEmptyParts } from '../../workers/partition.js';
import { sizeOf, type NeuronLayer } from '../../network/topology.js';

export function shardRanges(layer: NeuronLayer, parts: number): [number, number][] {
  if (layer.kind === 'dense') return nonEmptyParts(sizeOf(layer.outShape), parts);
  const plane = layer.outShape[1] * layer.outShape[2];
  return nonEmptyParts(layer.outShape[0], parts).map(([lo, hi]) => [lo * plane, hi * plane]);
}
