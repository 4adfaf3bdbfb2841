/**
 * Testing aid: make one worker of one kind of pool fail on its n-th call (0-based, the start-up call
 * included), by throwing or by exiting its thread, so that every failure path can be tested, from the
 * library or from the command line (`SPIKEGRAD_FAULT="pool=samples,worker=1,after=3,how=exit"`).
 */
import { InputError } from '../errors.js';

export const POOL_KINDS = ['shards', 'samples', 'replicas', 'exact', 'layers', 'properties', 'guard'] as const;
export type PoolKind = (typeof POOL_KINDS)[number];

export interface FaultPlan {
  /** Which kind of pool; absent: every kind. */
  pool?: PoolKind;
  worker: number;
  afterCalls: number;
  how: 'throw' | 'exit';
}

let planned: FaultPlan | null = null;

/** Plan a fault for the pools started from now on (null: none). */
export function injectFault(plan: FaultPlan | null): void {
  planned = plan;
}

/** The fault planned for worker `worker` of a pool of this kind, if any. */
export function faultFor(pool: PoolKind, worker: number): FaultPlan | null {
  return planned && (planned.pool === undefined || planned.pool === pool) && planned.worker === worker ? planned : null;
}

/** "pool=shards,worker=1,after=5,how=exit" → a plan; every field but worker and after is optional. */
export function parseFaultPlan(spec: string): FaultPlan {
  const fail = (why: string): never => {
    throw new InputError(`SPIKEGRAD_FAULT: ${why}; expected "pool=${POOL_KINDS.join('|')},worker=N,after=N,how=throw|exit", found ${JSON.stringify(spec)}`);
  };
  const fields = new Map<string, string>();
  for (const part of spec.split(',')) {
    const [key, value, extra] = part.split('=');
    if (value === undefined || extra !== undefined) fail(`"${part}" is not key=value`);
    fields.set(key.trim(), value.trim());
  }
  for (const key of fields.keys()) if (!['pool', 'worker', 'after', 'how'].includes(key)) fail(`unknown field "${key}"`);
  const whole = (key: string): number => {
    const v = Number(fields.get(key));
    if (!fields.has(key) || !Number.isSafeInteger(v) || v < 0) fail(`${key} must be a non-negative integer`);
    return v;
  };
  const pool = fields.get('pool');
  if (pool !== undefined && !(POOL_KINDS as readonly string[]).includes(pool)) fail(`unknown pool "${pool}"`);
  const how = fields.get('how') ?? 'throw';
  if (how !== 'throw' && how !== 'exit') fail(`how must be throw or exit`);
  return { pool: pool as PoolKind | undefined, worker: whole('worker'), afterCalls: whole('after'), how: how as 'throw' | 'exit' };
}

/** Worker side: every function of `api`, counting calls, failing on the planned one. */
export function withFault<T extends object>(api: T, plan: FaultPlan | null): T {
  if (!plan) return api;
  let calls = 0;
  const wrapped: Record<string, unknown> = {};
  for (const [name, member] of Object.entries(api)) {
    wrapped[name] =
      typeof member === 'function'
        ? (...args: unknown[]) => {
            if (calls++ === plan.afterCalls) {
              if (plan.how === 'exit') process.exit(3);
              throw new Error('injected fault');
            }
            return (member as (...a: unknown[]) => unknown).apply(api, args);
          }
        : member;
  }
  return wrapped as T;
}
