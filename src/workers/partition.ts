/** How work is split between workers everywhere: contiguous, nearly equal parts, in order. */

/** Part k of n items split into `parts`: [floor(k·n/parts), floor((k+1)·n/parts)). */
export function partRange(n: number, parts: number, k: number): [number, number] {
  return [Math.floor((k * n) / parts), Math.floor(((k + 1) * n) / parts)];
}

/** All `parts` parts of n items, empty ones included, in order. */
export function partition(n: number, parts: number): [number, number][] {
  return Array.from({ length: parts }, (_, k) => partRange(n, parts, k));
}

/** The non-empty parts only (shards of a layer with fewer neurons than workers). */
export function nonEmptyParts(n: number, parts: number): [number, number][] {
  return partition(n, parts).filter(([lo, hi]) => hi > lo);
}
