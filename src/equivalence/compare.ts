/** Exact comparison of two per-layer results (integer equality, element by element). */
import type { LayerResult } from './layerResults.js';

export interface Mismatch {
  layer: number;
  field: keyof LayerResult;
  index: number;
  expected: number | undefined;
  found: number | undefined;
}

const FIELDS: (keyof LayerResult)[] = ['S', 'V', 'E', 'dW', 'db'];

/** Every difference (up to `limit`) between `expected` and `found`; empty when identical. */
export function compareResults(expected: readonly LayerResult[], found: readonly LayerResult[], limit = 20): Mismatch[] {
  const out: Mismatch[] = [];
  const layers = Math.max(expected.length, found.length);
  for (let l = 0; l < layers; l++) {
    for (const field of FIELDS) {
      const a = expected[l]?.[field];
      const b = found[l]?.[field];
      if (a === undefined && b === undefined) continue;
      const n = Math.max(a?.length ?? 0, b?.length ?? 0);
      if (a === undefined || b === undefined || a.length !== b.length) {
        out.push({ layer: l, field, index: -1, expected: a?.length, found: b?.length });
        if (out.length >= limit) return out;
        continue;
      }
      for (let i = 0; i < n; i++) {
        if (a[i] !== b[i]) {
          out.push({ layer: l, field, index: i, expected: a[i], found: b[i] });
          if (out.length >= limit) return out;
        }
      }
    }
  }
  return out;
}

export function describeMismatch(m: Mismatch): string {
  if (m.index < 0) return `layer ${m.layer} ${m.field}: length ${m.expected ?? 'missing'} vs ${m.found ?? 'missing'}`;
  return `layer ${m.layer} ${m.field}[${m.index}]: ANN ${m.expected}, SNN ${m.found}`;
}

/** Merge per-example results with increments into the `spikegrad ann` shape. */
export function withIncrements(layers: readonly LayerResult[], increments: readonly LayerResult[]): LayerResult[] {
  return layers.map((r, i) => ({ ...r, ...increments[i] }));
}

/** Compare two typed arrays element by element, appending differences to `out` (up to `limit`). */
export function compareArrays(layer: number, field: keyof LayerResult, expected: ArrayLike<number>, found: ArrayLike<number>, out: Mismatch[], limit: number): void {
  if (expected.length !== found.length) {
    if (out.length < limit) out.push({ layer, field, index: -1, expected: expected.length, found: found.length });
    return;
  }
  for (let i = 0; i < expected.length && out.length < limit; i++) {
    if (expected[i] !== found[i]) out.push({ layer, field, index: i, expected: expected[i], found: found[i] });
  }
}
