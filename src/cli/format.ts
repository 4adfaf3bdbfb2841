/** Human-readable printing of per-layer results. */
import type { LayerResult } from '../equivalence/annResult.js';
import type { Network } from '../network/topology.js';

export function shortArray(values: readonly number[], limit = 16): string {
  if (values.length <= limit) return `[${values.join(', ')}]`;
  return `[${values.slice(0, limit).join(', ')}, … ${values.length - limit} more]`;
}

export function describeLayer(network: Network, i: number): string {
  const layer = network.layers[i];
  const shape = `${layer.outShape[0]}x${layer.outShape[1]}x${layer.outShape[2]}`;
  const top = i === network.layers.length - 1 ? ' (classification)' : '';
  return `layer ${i} ${layer.kind} → ${shape}${top}`;
}

export function formatLayerResults(network: Network, layers: readonly LayerResult[]): string {
  const lines: string[] = [];
  layers.forEach((r, i) => {
    lines.push(describeLayer(network, i));
    for (const key of ['S', 'V', 'E', 'dW', 'db'] as const) {
      const v = r[key];
      if (v) lines.push(`  ${key.padEnd(2)} ${shortArray(v)}`);
    }
  });
  return lines.join('\n');
}
