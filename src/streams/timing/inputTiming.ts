/**
 * When input events reach the first layer: `zero` (all at time 0), `latency:T` (latency coding: a
 * value x arrives at T·(1 − |x|/255), so a brighter pixel arrives earlier; |x| ≥ 255 at 0), or
 * `spread:DIST` (each event at a seeded draw from a delay distribution). The choice changes when the
 * network can decide, never what it ends with under the exact barrier.
 */
import { InputError } from '../../errors.js';
import type { Rng } from '../../random.js';
import { describeDistribution, DISTRIBUTION_GRAMMAR, parseDistribution, sample, type Distribution } from './distributions.js';

export type InputTiming = { kind: 'zero' } | { kind: 'latency'; horizon: number } | { kind: 'spread'; delay: Distribution };

export const INPUT_TIMING_GRAMMAR = `zero, latency:T (T ≥ 0) or spread:DIST with DIST ${DISTRIBUTION_GRAMMAR}`;

export function parseInputTiming(text: string, option = '--input-timing'): InputTiming {
  const t = text.trim();
  if (t === 'zero') return { kind: 'zero' };
  const fail = (why: string): never => {
    throw new InputError(`${option}: ${why} (expected ${INPUT_TIMING_GRAMMAR})`);
  };
  if (t.startsWith('latency:')) {
    const horizon = Number(t.slice(8));
    if (t.slice(8).trim() === '' || !Number.isFinite(horizon) || horizon < 0) fail(`"${t}": T must be a number ≥ 0`);
    return { kind: 'latency', horizon };
  }
  if (t.startsWith('spread:')) {
    const delay = parseDistribution(t.slice(7));
    if (typeof delay === 'string') fail(`in "${t}": ${delay}`);
    return { kind: 'spread', delay: delay as Distribution };
  }
  return fail(`unknown input timing "${t}"`);
}

export function describeInputTiming(timing: InputTiming): string {
  if (timing.kind === 'zero') return 'zero';
  if (timing.kind === 'latency') return `latency:${timing.horizon}`;
  return `spread:${describeDistribution(timing.delay)}`;
}

/** The arrival time of an input event of value x. */
export function inputTime(timing: InputTiming, x: number, rng: Rng): number {
  if (timing.kind === 'zero') return 0;
  if (timing.kind === 'latency') return timing.horizon * (1 - Math.min(Math.abs(x), 255) / 255);
  return sample(timing.delay, rng);
}
