/**
 * `shuffle`: a seeded random permutation of everything in flight (each envelope gets a random rank,
 * and the lowest rank in flight goes next).
 * @example spikegrad check case.json --order shuffle --seed 7
 */
import { map } from 'rxjs';
import type { Order } from './context.js';

export const shuffle = (): Order => (ctx) => map((e) => ({ ...e, rank: ctx.rng.float() }));
