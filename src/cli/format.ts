/** Human-readable printing of per-layer results. */
import type { SnnStats } from '../actors/statistics.js';
import type { LayerResult } from '../equivalence/layerResults.js';
import type { Network } from '../network/topology.js';

function shortArray(values: readonly number[], limit = 16): string {
  if (values.length <= limit) return `[${values.join(', ')}]`;
  return `[${values.slice(0, limit).join(', ')}, … ${values.length - limit} more]`;
}

function describeLayer(network: Network, i: number): string {
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


const fmt = (x: number): string => (Number.isInteger(x) ? String(x) : x.toFixed(3));

/** A table of per-layer, per-phase event statistics. */
export function formatStats(stats: SnnStats): string {
  const head = ['layer', 'phase', 'events', 'standard', 'residual', 'redundant', 'accumulations', 'rel. ops', 'best case', 'quiet at'];
  const rows: string[][] = [];
  for (const l of stats.layers) {
    for (const phase of ['forward', 'backward'] as const) {
      const p = l[phase];
      rows.push([`${l.layer} ${l.kind}`, phase, p.events, p.standardEvents, p.residualEvents, p.redundant, p.accumulations, p.relativeOps, p.bestCaseRelativeOps, p.quietAt].map((v) => (typeof v === 'number' ? fmt(v) : v)));
    }
  }
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (cells: string[]) => cells.map((cell, c) => (c < 2 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ');
  const b = stats.eventBound;
  const bounds = [
    `events ${b.measured} (input included)`,
    b.fromArrivals === null ? null : `bound from the events that arrived ${fmt(b.fromArrivals)}`,
    `worst-case bound ${b.worstCase === null ? 'over the budget (the run was counted)' : fmt(b.worstCase)}`,
  ].filter((x) => x !== null);
  return [
    `${stats.examples} example(s), ${stats.inputEvents} input events, ${stats.deliveries} packet deliveries, virtual time ${stats.virtualTime}`,
    bounds.join('; '),
    line(head),
    ...rows.map(line),
  ].join('\n');
}
