/** The delivery orders, and parsing `--order a,b,…` into a composition of them. */
import { InputError } from '../../errors.js';
import type { Order } from './context.js';
import { delay } from './delay.js';
import { fifo } from './fifo.js';
import { reverse } from './reverse.js';
import { shuffle } from './shuffle.js';
import { split } from './split.js';

export type { Order, OrderContext } from './context.js';
export { delay, fifo, reverse, shuffle, split };
export { drop } from './drop.js';

export const ORDER_NAMES = ['fifo', 'reverse', 'shuffle', 'split', 'delay'] as const;
export type OrderName = (typeof ORDER_NAMES)[number];

const byName: Record<OrderName, () => Order> = { fifo, reverse, shuffle, split, delay: () => delay() };

/** "split,delay" → [split(), delay()]; applied left to right on every channel. */
export function parseOrders(spec: string): Order[] {
  return spec.split(',').map((raw) => {
    const name = raw.trim() as OrderName;
    if (!(name in byName)) throw new InputError(`--order: unknown order "${raw}", expected one of ${ORDER_NAMES.join(', ')} (comma-separated to compose)`);
    return byName[name]();
  });
}
