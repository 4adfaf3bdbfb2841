/**
 * `reverse`: newest first: of everything in flight, the packet sent last is delivered next.
 * @example spikegrad check case.json --order reverse
 */
import { map } from 'rxjs';
import type { Order } from './context.js';

export const reverse = (): Order => () => map((e) => ({ ...e, rank: -e.seq }));
