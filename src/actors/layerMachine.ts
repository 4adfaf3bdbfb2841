/**
 * The phases of one layer as an XState machine (docs/algorithm.md §7): forward standard → forward residual → wait →
 * backward standard → backward residual → done, once per example. The machine only sequences; all it
 * knows of the layer is the LayerPorts it was given (integrate, residual, …), so it is testable with a
 * fake, and the arithmetic is testable without it.
 */
import { setup } from 'xstate';
import type { Envelope } from '../streams/envelope.js';

export type Direction = 'forward' | 'backward';

/** The machine's states, in the order an example visits them. */
export const LAYER_STATES = ['idle', 'forwardStandard', 'forwardResidual', 'awaitBackward', 'backwardStandard', 'backwardResidual', 'done'] as const;
export type LayerStateName = (typeof LAYER_STATES)[number];

/** The pass a state belongs to (waiting for the backward pass counts as backward: forward is over). */
export function directionOf(state: LayerStateName): Direction {
  return LAYER_STATES.indexOf(state) >= LAYER_STATES.indexOf('awaitBackward') ? 'backward' : 'forward';
}

/** What the layer machine asks of its layer. */
export interface LayerPorts {
  /** Prepare a phase (forward: reset; backward: f', top error). */
  begin(direction: Direction): void;
  integrate(direction: Direction, envelope: Envelope): void;
  expectEnd(direction: Direction, count: number): void;
  /** Has the layer received, and finished integrating, every event announced on its input channel? */
  inputComplete(direction: Direction): boolean;
  /** Start the residual phase; the layer answers RESIDUAL_DONE when it is over. */
  residual(direction: Direction): void;
  /** Send the end-of-phase marker on; report the phase quiet. */
  end(direction: Direction): void;
  /** An envelope arrived when the layer expected none. */
  unexpected(state: string, envelope: Envelope | null): void;
  /**
   * The backward pass began while this layer's forward pass had not ended (a timeout barrier: the
   * top gave up waiting first); remember it, and go on to it once the forward pass ends.
   */
  requestBackward(): void;
  /** Was the backward pass requested early? */
  backwardRequested(): boolean;
}

export type LayerEvent =
  | { type: 'START' }
  | { type: 'BACKWARD' }
  | { type: 'PACKET'; envelope: Envelope }
  | { type: 'END'; count: number }
  /** Work handed off (to a worker) has come back: completion may have changed. */
  | { type: 'SETTLED' }
  | { type: 'RESIDUAL_DONE' };

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
    backwardRequested: ({ context }) => context.ports.backwardRequested(),
  },
}).createMachine({
  id: 'layer',
  context: ({ input }) => ({ ports: input.ports }),
  initial: 'idle',
  states: {
    idle: {
      on: { START: 'forwardStandard', SETTLED: {}, PACKET: stray('idle'), END: stray('idle') },
    },
    forwardStandard: {
      entry: ({ context }) => context.ports.begin('forward'),
      on: {
        PACKET: { actions: ({ context, event }) => context.ports.integrate('forward', event.envelope) },
        END: { actions: ({ context, event }) => context.ports.expectEnd('forward', event.count) },
        BACKWARD: { actions: ({ context }) => context.ports.requestBackward() },
        SETTLED: {},
      },
      always: { guard: 'forwardInputComplete', target: 'forwardResidual' },
    },
    forwardResidual: {
      entry: ({ context }) => context.ports.residual('forward'),
      on: {
        RESIDUAL_DONE: { target: 'awaitBackward', actions: ({ context }) => context.ports.end('forward') },
        BACKWARD: { actions: ({ context }) => context.ports.requestBackward() },
        SETTLED: {},
        PACKET: stray('forwardResidual'),
        END: stray('forwardResidual'),
      },
    },
    awaitBackward: {
      on: { BACKWARD: 'backwardStandard', SETTLED: {}, PACKET: stray('awaitBackward'), END: stray('awaitBackward') },
      always: { guard: 'backwardRequested', target: 'backwardStandard' },
    },
    backwardStandard: {
      entry: ({ context }) => context.ports.begin('backward'),
      on: {
        PACKET: { actions: ({ context, event }) => context.ports.integrate('backward', event.envelope) },
        END: { actions: ({ context, event }) => context.ports.expectEnd('backward', event.count) },
        SETTLED: {},
      },
      always: { guard: 'backwardInputComplete', target: 'backwardResidual' },
    },
    backwardResidual: {
      entry: ({ context }) => context.ports.residual('backward'),
      on: {
        RESIDUAL_DONE: { target: 'done', actions: ({ context }) => context.ports.end('backward') },
        SETTLED: {},
        PACKET: stray('backwardResidual'),
        END: stray('backwardResidual'),
      },
    },
    done: {
      on: { START: 'forwardStandard', SETTLED: {}, PACKET: stray('done'), END: stray('done') },
    },
  },
});

/** A state as messages name it: "forward standard phase", "waiting for the backward pass". */
export function describeState(state: string): string {
  const names: Record<string, string> = {
    idle: 'idle, between examples',
    forwardStandard: 'forward standard phase',
    forwardResidual: 'forward residual phase',
    awaitBackward: 'waiting for the backward pass',
    backwardStandard: 'backward standard phase',
    backwardResidual: 'backward residual phase',
    done: 'done with its example',
  };
  return names[state] ?? state;
}
