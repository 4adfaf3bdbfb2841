/**
 * `fifo`: deliver in the order sent (over all channels).
 * @example spikegrad check case.json --order fifo
 */
import { identity } from 'rxjs';
import type { Order } from './context.js';

export const fifo = (): Order => () => identity;
