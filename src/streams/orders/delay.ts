/**
 * `delay`: each envelope gets a seeded random latency of 1..maxDelay virtual time units and is
 * delivered in virtual-time order, so packets of different layers interleave freely.
 * @example spikegrad check case.json --order delay --seed 3
 */
import { map } from 'rxjs';
import type { Order } from './context.js';

export const delay = (maxDelay = 64): Order => (ctx) => map((e) => ({ ...e, deliverAt: e.sentAt + ctx.rng.int(1, maxDelay) }));
