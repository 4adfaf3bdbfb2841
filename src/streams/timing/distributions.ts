/**
 * Delay distributions of the timing models, in virtual time units, and their compact text:
 * `const:D`, `uniform:A-B`, `exp:MEAN` and `lognormal:MU,SIGMA` (of the logarithm). Draws come from
 * the run's seeded generator, so a seed fixes every delay.
 */
import type { Rng } from '../../random.js';

export type Distribution =
  | { kind: 'const'; value: number }
  | { kind: 'uniform'; low: number; high: number }
  | { kind: 'exp'; mean: number }
  | { kind: 'lognormal'; mu: number; sigma: number };

export const DISTRIBUTION_GRAMMAR = 'const:D, uniform:A-B, exp:MEAN or lognormal:MU,SIGMA (numbers ≥ 0, B ≥ A, MEAN > 0, SIGMA ≥ 0)';

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/** Parse one distribution; returns a reason instead when the text is not one. */
export function parseDistribution(text: string): Distribution | string {
  const colon = text.indexOf(':');
  if (colon < 0) return `"${text}" has no "kind:" (expected ${DISTRIBUTION_GRAMMAR})`;
  const kind = text.slice(0, colon).trim();
  const args = text.slice(colon + 1).trim();
  const num = (s: string, what: string): number | string => {
    const t = s.trim();
    if (!NUMBER.test(t)) return `${what} "${t}" is not a number`;
    const v = Number(t);
    return v < 0 ? `${what} ${t} is negative` : v;
  };
  switch (kind) {
    case 'const': {
      const v = num(args, 'D');
      return typeof v === 'string' ? v : { kind, value: v };
    }
    case 'uniform': {
      const m = /^(.+?)-(.+)$/.exec(args);
      if (!m) return `"uniform:${args}" is not uniform:A-B`;
      const low = num(m[1], 'A');
      const high = num(m[2], 'B');
      if (typeof low === 'string') return low;
      if (typeof high === 'string') return high;
      return high < low ? `uniform:${args} has B < A` : { kind, low, high };
    }
    case 'exp': {
      const mean = num(args, 'MEAN');
      if (typeof mean === 'string') return mean;
      return mean === 0 ? 'exp:0 has no mean (use const:0 for no delay)' : { kind, mean };
    }
    case 'lognormal': {
      const parts = args.split(',');
      if (parts.length !== 2) return `"lognormal:${args}" is not lognormal:MU,SIGMA`;
      const muText = parts[0].trim();
      if (!NUMBER.test(muText)) return `MU "${muText}" is not a number`;
      const sigma = num(parts[1], 'SIGMA');
      return typeof sigma === 'string' ? sigma : { kind, mu: Number(muText), sigma };
    }
    default:
      return `unknown distribution "${kind}" (expected ${DISTRIBUTION_GRAMMAR})`;
  }
}

export function sample(d: Distribution, rng: Rng): number {
  switch (d.kind) {
    case 'const':
      return d.value;
    case 'uniform':
      return d.low + (d.high - d.low) * rng.float();
    case 'exp':
      return -d.mean * Math.log(1 - rng.float());
    case 'lognormal':
      return Math.exp(d.mu + d.sigma * rng.normal());
  }
}

/** The smallest delay the distribution can draw (for the lookahead of concurrent deliveries). */
export function minimum(d: Distribution): number {
  if (d.kind === 'const') return d.value;
  if (d.kind === 'uniform') return d.low;
  return 0;
}

/** Does every draw give the same value (so spikes sent together arrive together)? */
export const isConstant = (d: Distribution): boolean => d.kind === 'const' || (d.kind === 'uniform' && d.low === d.high);

export function describeDistribution(d: Distribution): string {
  switch (d.kind) {
    case 'const':
      return `const:${d.value}`;
    case 'uniform':
      return `uniform:${d.low}-${d.high}`;
    case 'exp':
      return `exp:${d.mean}`;
    case 'lognormal':
      return `lognormal:${d.mu},${d.sigma}`;
  }
}
