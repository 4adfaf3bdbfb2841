/**
 * How a layer decides that its input is complete and enters its residual phase: `exact` (markers that
 * carry the event count; results equal the integer ANN), `timeout:T` (after T time units without an
 * input event, as hardware without global termination detection does), or `none` (no residual
 * phase: a plain integrate-and-fire network, each pass ending when nothing is in flight).
 */
import { InputError } from '../errors.js';

export type Barrier = { kind: 'exact' } | { kind: 'timeout'; after: number } | { kind: 'none' };

export const BARRIER_GRAMMAR = 'exact, timeout:T (T > 0) or none';

export function parseBarrier(text: string, option = '--barrier'): Barrier {
  const t = text.trim();
  if (t === 'exact' || t === 'none') return { kind: t };
  if (t.startsWith('timeout:')) {
    const raw = t.slice(8).trim();
    const after = Number(raw);
    if (raw === '' || !Number.isFinite(after) || after <= 0) throw new InputError(`${option}: in "${t}": T must be a number > 0 (expected ${BARRIER_GRAMMAR})`);
    return { kind: 'timeout', after };
  }
  throw new InputError(`${option}: unknown barrier "${t}" (expected ${BARRIER_GRAMMAR})`);
}

export function describeBarrier(b: Barrier): string {
  return b.kind === 'timeout' ? `timeout:${b.after}` : b.kind;
}

export const EXACT: Barrier = { kind: 'exact' };
