/**
 * `drop`: fault injection for tests of the quiescence detection: silently lose the n-th packet
 * (0-based) of the channel. Never part of a normal order.
 */
import { filter } from 'rxjs';
import type { Order } from './context.js';

export const drop = (n: number): Order => (ctx) => {
  let seen = 0;
  return filter((e) => {
    if (e.packet === null || seen++ !== n) return true;
    ctx.pool.release(e.packet);
    return false;
  });
};
