/**
 * The phases of one layer as an XState machine (SPEC §7): forward standard → forward residual → wait →
 * backward standard → backward residual → done, once per example. The machine only sequences; all it
 * knows of the layer is the LayerPorts it was given (integrate, residual, …), so it is testable with a
 * fake, and the arithmetic is testable without it.
 */
import { setup } from 'xstate';
import type { Envelope } from '../streams/envelope.js';

export type Direction = 'forward' | 'backward';

/** What the layer machine asks of its layer. */
export interface LayerPorts {
  /** Prepare a phase (forward: reset; backward: f', top error). */
  begin(direction: Direction): void;
  integrate(direction: Direction, envelope: Envelope): void;
  expectEnd(direction: Direction, count: number): void;
  /** Has the layer received every event announced on its input channel? */
  inputComplete(direction: Direction): boolean;
  residual(direction: Direction): void;
  /** Send the end-of-phase marker on; report the phase quiet. */
  end(direction: Direction): void;
  /** An envelope arrived when the layer expected none. */
  unexpected(state: string, envelope: Envelope | null): void;
}

export type LayerEvent =
  | { type: 'START' }
  | { type: 'BACKWARD' }
  | { type: 'PACKET'; envelope: Envelope }
  | { type: 'END'; count: number };

type Ctx = { ports: LayerPorts };

const stray = (state: string) => ({
  actions: ({ context, event }: { context: Ctx; event: LayerEvent }) =>
    context.ports.unexpected(state, event.type === 'PACKET' ? event.envelope : null),
});

export const layerMachine = setup({
  types: {
    context: {} as Ctx,
    input: {} as Ctx,
    events: {} as LayerEvent,
  },
  guards: {
    forwardInputComplete: ({ context }) => context.ports.inputComplete('forward'),
    backwardInputComplete: ({ context }) => context.ports.inputComplete('backward'),
  },
}).createMachine({
  id: 'layer',
  context: ({ input }) => ({ ports: input.ports }),
  initial: 'idle',
  states: {
    idle: {
      on: { START: 'forwardStandard', PACKET: stray('idle'), END: stray('idle') },
    },
    forwardStandard: {
      entry: ({ context }) => context.ports.begin('forward'),
      on: {
        PACKET: { actions: ({ context, event }) => context.ports.integrate('forward', event.envelope) },
        END: { actions: ({ context, event }) => context.ports.expectEnd('forward', event.count) },
      },
      always: { guard: 'forwardInputComplete', target: 'forwardResidual' },
    },
    forwardResidual: {
      entry: [({ context }) => context.ports.residual('forward'), ({ context }) => context.ports.end('forward')],
      always: 'awaitBackward',
    },
    awaitBackward: {
      on: { BACKWARD: 'backwardStandard', PACKET: stray('awaitBackward'), END: stray('awaitBackward') },
    },
    backwardStandard: {
      entry: ({ context }) => context.ports.begin('backward'),
      on: {
        PACKET: { actions: ({ context, event }) => context.ports.integrate('backward', event.envelope) },
        END: { actions: ({ context, event }) => context.ports.expectEnd('backward', event.count) },
      },
      always: { guard: 'backwardInputComplete', target: 'backwardResidual' },
    },
    backwardResidual: {
      entry: [({ context }) => context.ports.residual('backward'), ({ context }) => context.ports.end('backward')],
      always: 'done',
    },
    done: {
      on: { START: 'forwardStandard', PACKET: stray('done'), END: stray('done') },
    },
  },
});
