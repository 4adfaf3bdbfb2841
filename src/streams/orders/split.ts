/**
 * `split`: cut packets at seeded random points and regroup the pieces across packet boundaries; the
 * events keep their order on the channel, the packets carrying them change. Whatever is still held
 * when the end-of-phase marker passes is flushed ahead of it.
 * @example spikegrad check case.json --order split,shuffle
 */
import { Observable, type OperatorFunction } from 'rxjs';
import type { Envelope } from '../envelope.js';
import type { Packet } from '../packet.js';
import type { Order } from './context.js';

export const split = (): Order => (ctx) => (source: Observable<Envelope>): Observable<Envelope> =>
  new Observable<Envelope>((subscriber) => {
    let held: Packet | null = null;
    let template: Envelope | null = null;
    // Cut sizes are drawn around the size of the packets coming in, so pieces stay comparable.
    let typical = 1;
    let cut = 1;
    const newCut = () => (cut = ctx.rng.int(1, Math.min(ctx.pool.capacity, 2 * typical)));
    const emitHeld = () => {
      if (held && held.length > 0) subscriber.next({ ...template!, packet: held });
      else if (held) ctx.pool.release(held);
      held = null;
      newCut();
    };
    return source.subscribe({
      next(e) {
        if (e.packet === null) {
          emitHeld();
          subscriber.next(e);
          return;
        }
        template = e;
        const p = e.packet;
        // Around this packet's size, not the first one's of the phase: a short first packet (the
        // tail of a layer's burst) would otherwise cut everything after it as short.
        typical = p.length;
        if (held === null) newCut();
        // Up to the next cut at a time: the same pieces as event by event, copied as runs.
        for (let k = 0; k < p.length; ) {
          held ??= ctx.pool.acquire();
          const take = Math.min(cut - held.length, p.length - k);
          held.pushFrom(p, k, take);
          k += take;
          if (held.length >= cut) emitHeld();
        }
        ctx.pool.release(p);
      },
      error: (err) => subscriber.error(err),
      complete: () => {
        emitHeld();
        subscriber.complete();
      },
    });
  }) as ReturnType<OperatorFunction<Envelope, Envelope>>;
