/**
 * Scripted delivery: a run's choices as a list that fast-check can shrink. Before each delivery the
 * bus holds the envelopes in flight in send order; the next choice `k` delivers the k-th of them
 * (k mod their number), and `[k, cut]` delivers only the first `cut` events of its packet and leaves
 * the rest in flight in its place. Once the choices run out every delivery takes the oldest (fifo),
 * so a shorter list and smaller numbers mean a run closer to fifo. Picks and cuts reach every delivery
 * order the bus allows without a latency model: any envelope in flight may go next, and a packet may
 * arrive in pieces.
 */
import type { Envelope } from './envelope.js';
import type { PacketPool } from './packet.js';

/** One delivery: the position in send order of the envelope that goes next, optionally cut after `cut` events. */
export type ScheduleChoice = number | readonly [pick: number, cut: number];

/** The choices without the trailing fifo picks, which change nothing. */
export function trimSchedule(choices: readonly ScheduleChoice[]): ScheduleChoice[] {
  let end = choices.length;
  while (end > 0 && choices[end - 1] === 0) end--;
  return choices.slice(0, end);
}

/** The envelopes in flight in send order, delivered as the choices say. */
export class ScriptedInFlight {
  private readonly items: Envelope[] = [];
  private step = 0;

  constructor(
    private readonly choices: readonly ScheduleChoice[],
    private readonly pool: PacketPool,
  ) {}

  get size(): number {
    return this.items.length;
  }

  /** The schedule starts again (each example is scripted by the same choices). */
  restart(): void {
    this.step = 0;
  }

  /** Envelopes arrive in send order (a send always gets the next sequence number). */
  push(e: Envelope): void {
    this.items.push(e);
  }

  pop(): Envelope | undefined {
    const n = this.items.length;
    if (n === 0) return undefined;
    const choice = this.step < this.choices.length ? this.choices[this.step] : 0;
    this.step++;
    const [pick, cut] = typeof choice === 'number' ? [choice, 0] : choice;
    const i = pick % n;
    const e = this.items[i];
    const p = e.packet;
    if (cut > 0 && p !== null && p.length > cut) {
      // The rest keeps the envelope's place (and sequence number) among those in flight.
      const rest = this.pool.acquire();
      for (let k = cut; k < p.length; k++) rest.push(p.index[k], p.value[k]);
      p.length = cut;
      this.items[i] = { ...e, packet: rest };
      return e;
    }
    this.items.splice(i, 1);
    return e;
  }
}
