/**
 * The shared-memory channel between the main thread and one shard worker: a control word that the two
 * sides hand back and forth with Atomics (wait and notify, no messages), a broadcast input that the
 * main thread writes once for every shard (a packet, or an array such as the values below), and the
 * worker's outputs (spikes with the incoming event each answers, and floats: states, increments),
 * streamed in chunks when they do not fit. Comlink is left for setting up.
 *
 * A call: the main thread writes the op and its arguments, sets REQUEST and notifies; the worker runs
 * it, sets PARTIAL whenever an output buffer is full (the main thread takes the chunk and sets
 * CONTINUE) and DONE at the end, or FAILED with a message; a worker thread that exits sets DEAD on its
 * way out, so the main thread never waits for a thread that is gone.
 */
import { sharedArray } from '../../workers/shared.js';

export enum State {
  Idle = 0,
  Request = 1,
  Partial = 2,
  Continue = 3,
  Done = 4,
  Failed = 5,
  Dead = 6,
}

export enum Op {
  ResetForward = 1,
  IntegrateForward = 2,
  ResidualForward = 3,
  StartBackward = 4,
  StartTopError = 5,
  IntegrateBackward = 6,
  ResidualBackward = 7,
  State = 8,
  Increments = 9,
  ClearIncrements = 10,
  Stop = 11,
}

/** Control words. */
export enum Word {
  State = 0,
  Op = 1,
  Layer = 2,
  /** Events in the broadcast packet, or values in the broadcast array. */
  Count = 3,
  /** Spikes and floats written in the current chunk. */
  Spikes = 4,
  Floats = 5,
  MessageLength = 6,
}

/** Spikes a worker writes before it must wait for the main thread to take them (16 bytes each). */
export const SPIKE_CHUNK = 1 << 19;
export const FLOAT_CHUNK = 1 << 18;
const MESSAGE_BYTES = 4096;

/** The broadcast input, shared by every shard of a pool. */
export interface BroadcastBuffers {
  index: Int32Array;
  value: Float64Array;
  /** lowerS, U^L: as long as the largest layer. */
  array: Float64Array;
}

/** One worker's side of the channel (plain shared arrays: they cross to the worker as they are). */
export interface ChannelBuffers {
  control: Int32Array;
  accumulations: Float64Array;
  spikeIndex: Int32Array;
  spikeValue: Float64Array;
  spikeEvent: Int32Array;
  floats: Float64Array;
  message: Uint8Array;
}

export function broadcastBuffers(packetCapacity: number, largestLayer: number): BroadcastBuffers {
  return { index: sharedArray(Int32Array, packetCapacity), value: sharedArray(Float64Array, packetCapacity), array: sharedArray(Float64Array, Math.max(1, largestLayer)) };
}

export function channelBuffers(): ChannelBuffers {
  return {
    control: sharedArray(Int32Array, 8),
    accumulations: sharedArray(Float64Array, 1),
    spikeIndex: sharedArray(Int32Array, SPIKE_CHUNK),
    spikeValue: sharedArray(Float64Array, SPIKE_CHUNK),
    spikeEvent: sharedArray(Int32Array, SPIKE_CHUNK),
    floats: sharedArray(Float64Array, FLOAT_CHUNK),
    message: sharedArray(Uint8Array, MESSAGE_BYTES),
  };
}

export function writeMessage(c: ChannelBuffers, text: string): void {
  const bytes = new TextEncoder().encode(text).subarray(0, MESSAGE_BYTES);
  c.message.set(bytes);
  Atomics.store(c.control, Word.MessageLength, bytes.length);
}

export function readMessage(c: ChannelBuffers): string {
  return new TextDecoder().decode(c.message.slice(0, Atomics.load(c.control, Word.MessageLength)));
}

/** Set a state and wake whoever waits on it. */
export function signal(c: ChannelBuffers, state: State): void {
  Atomics.store(c.control, Word.State, state);
  Atomics.notify(c.control, Word.State);
}
