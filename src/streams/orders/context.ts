/** What an order operator may use: seeded randomness and the packet pool. Nothing else. */
import type { OperatorFunction } from 'rxjs';
import type { Rng } from '../../random.js';
import type { Envelope } from '../envelope.js';
import type { PacketPool } from '../packet.js';

export interface OrderContext {
  rng: Rng;
  pool: PacketPool;
}

/** A delivery order: builds an RxJS operator on one channel's envelopes. */
export type Order = (ctx: OrderContext) => OperatorFunction<Envelope, Envelope>;
