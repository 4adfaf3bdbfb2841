/**
 * `fifo`: deliver in the order sent (over all channels).
 * @example spikegrad check case.json --order fifo
 */
import { identity } from 'rxjs';
import type { Order } from './context.js';

/** One instance, so that "only fifo" can be recognised (a latency model allows no other order). */
const FIFO: Order = () => identity;

export const fifo = (): Order => FIFO;
