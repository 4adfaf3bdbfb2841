/** The layer machine on its own: fake ports, no kernel, no bus; it only sequences the phases. */
import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import { directionOf, layerMachine, LAYER_STATES, type Direction, type LayerPorts } from '../../src/actors/layerMachine.js';
import type { Envelope } from '../../src/streams/envelope.js';
import { Packet } from '../../src/streams/packet.js';

/** Ports that record every call and complete a phase once `expected` events have been integrated. */
function fakePorts() {
  const calls: string[] = [];
  const received: Record<Direction, number> = { forward: 0, backward: 0 };
  const expected: Record<Direction, number> = { forward: -1, backward: -1 };
  const ports: LayerPorts = {
    begin: (d) => {
      calls.push(`begin ${d}`);
      received[d] = 0;
      expected[d] = -1;
    },
    integrate: (d, e) => {
      calls.push(`integrate ${d} ${e.packet!.length}`);
      received[d] += e.packet!.length;
    },
    expectEnd: (d, n) => {
      calls.push(`expectEnd ${d} ${n}`);
      expected[d] = n;
    },
    inputComplete: (d) => expected[d] >= 0 && received[d] === expected[d],
    residual: (d) => calls.push(`residual ${d}`),
    end: (d) => calls.push(`end ${d}`),
    unexpected: (state, e) => calls.push(`unexpected in ${state}: ${e ? 'packet' : 'marker'}`),
    requestBackward: () => {
      calls.push('backward requested');
      early = true;
    },
    backwardRequested: () => early,
  };
  let early = false;
  return { ports, calls };
}

function packet(n: number): Envelope {
  const p = new Packet(8);
  for (let i = 0; i < n; i++) p.push(i, 1);
  return { channel: 0, packet: p, count: 0, sentAt: 0, seq: 0, deliverAt: 0, rank: 0 };
}

describe('layer machine with fake ports', () => {
  it('runs forward standard → residual → await backward → backward standard → residual → done', () => {
    const { ports, calls } = fakePorts();
    const actor = createActor(layerMachine, { input: { ports } }).start();
    expect(actor.getSnapshot().value).toBe('idle');
    actor.send({ type: 'START' });
    expect(actor.getSnapshot().value).toBe('forwardStandard');
    actor.send({ type: 'PACKET', envelope: packet(3) });
    actor.send({ type: 'END', count: 5 });
    // Two of the five announced events are still in flight: the phase goes on.
    expect(actor.getSnapshot().value).toBe('forwardStandard');
    actor.send({ type: 'PACKET', envelope: packet(2) });
    expect(actor.getSnapshot().value).toBe('forwardResidual');
    actor.send({ type: 'RESIDUAL_DONE' });
    expect(actor.getSnapshot().value).toBe('awaitBackward');
    actor.send({ type: 'BACKWARD' });
    actor.send({ type: 'END', count: 0 });
    expect(actor.getSnapshot().value).toBe('backwardResidual');
    actor.send({ type: 'RESIDUAL_DONE' });
    expect(actor.getSnapshot().value).toBe('done');
    expect(calls).toEqual([
      'begin forward', 'integrate forward 3', 'expectEnd forward 5', 'integrate forward 2', 'residual forward', 'end forward',
      'begin backward', 'expectEnd backward 0', 'residual backward', 'end backward',
    ]);
    // The next example starts from done.
    actor.send({ type: 'START' });
    expect(actor.getSnapshot().value).toBe('forwardStandard');
    actor.stop();
  });

  it('enters the residual phase only when the marker has come and every event is integrated', () => {
    const { ports } = fakePorts();
    const actor = createActor(layerMachine, { input: { ports } }).start();
    actor.send({ type: 'START' });
    actor.send({ type: 'PACKET', envelope: packet(4) });
    expect(actor.getSnapshot().value).toBe('forwardStandard');
    actor.send({ type: 'SETTLED' });
    expect(actor.getSnapshot().value).toBe('forwardStandard');
    actor.send({ type: 'END', count: 4 });
    expect(actor.getSnapshot().value).toBe('forwardResidual');
    actor.stop();
  });

  it('reports a packet or marker that arrives after its phase ended, and stays where it is', () => {
    const { ports, calls } = fakePorts();
    const actor = createActor(layerMachine, { input: { ports } }).start();
    actor.send({ type: 'PACKET', envelope: packet(1) });
    actor.send({ type: 'START' });
    actor.send({ type: 'END', count: 0 });
    actor.send({ type: 'END', count: 0 });
    actor.send({ type: 'RESIDUAL_DONE' });
    actor.send({ type: 'PACKET', envelope: packet(2) });
    expect(calls.filter((c) => c.startsWith('unexpected'))).toEqual(['unexpected in idle: packet', 'unexpected in forwardResidual: marker', 'unexpected in awaitBackward: packet']);
    expect(actor.getSnapshot().value).toBe('awaitBackward');
    actor.stop();
  });

  it('a backward pass that begins before this layer\'s forward pass ended waits for it, then follows', () => {
    const { ports, calls } = fakePorts();
    const actor = createActor(layerMachine, { input: { ports } }).start();
    actor.send({ type: 'START' });
    actor.send({ type: 'BACKWARD' });
    expect(actor.getSnapshot().value).toBe('forwardStandard');
    actor.send({ type: 'END', count: 0 });
    expect(actor.getSnapshot().value).toBe('forwardResidual');
    actor.send({ type: 'RESIDUAL_DONE' });
    expect(actor.getSnapshot().value).toBe('backwardStandard');
    expect(calls).toEqual(['begin forward', 'backward requested', 'expectEnd forward 0', 'residual forward', 'end forward', 'begin backward']);
    actor.stop();
  });

  it('names the pass of every state, waiting for the backward pass included', () => {
    expect(LAYER_STATES.map(directionOf)).toEqual(['forward', 'forward', 'forward', 'backward', 'backward', 'backward', 'backward']);
  });
});
