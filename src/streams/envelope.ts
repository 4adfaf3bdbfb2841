/**
 * What travels on a channel: a packet of spikes, the end-of-phase marker that carries the count, or a
 * timer a layer set for itself (timeout barriers).
 */
import type { Packet } from './packet.js';

export interface Envelope {
  channel: number;
  /** Spikes, or null for the end-of-phase marker. */
  packet: Packet | null;
  /** For a marker: the number of events the sender put on this channel in this phase. */
  count: number;
  /** Virtual time at which it was sent. */
  sentAt: number;
  /** Send order over all channels. */
  seq: number;
  /** Earliest virtual delivery time (set by `delay`). */
  deliverAt: number;
  /** Tie-break among envelopes due at the same time (set by `reverse`, `shuffle`, timed buses); lower first. */
  rank: number;
  /** A timer's token (packet null, not a marker). */
  timer?: number;
}
