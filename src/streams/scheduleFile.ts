/** The `spikegrad-schedule/1` file: a scripted run's choices and spike policy, for `check --schedule`. */
import { InputError, inFile } from '../errors.js';
import { readInputFile } from '../files.js';
import type { ScheduleChoice } from './schedule.js';

export const SCHEDULE_FORMAT = 'spikegrad-schedule/1';

export interface ScheduleFile {
  choices: ScheduleChoice[];
  /** The spike policy the schedule was found with (it changes what is in flight). */
  policy: 'single' | 'burst';
}

export function scheduleToJson(s: ScheduleFile): Record<string, unknown> {
  return { format: SCHEDULE_FORMAT, policy: s.policy, choices: s.choices };
}

const describe = (v: unknown): string => (v === undefined ? 'nothing' : JSON.stringify(v));
const isIndex = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

export function parseSchedule(value: unknown, file?: string): ScheduleFile {
  const fail = (message: string): never => {
    throw new InputError(inFile(file, message));
  };
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return fail(`expected a ${SCHEDULE_FORMAT} object, found ${describe(value)}`);
  const v = value as Record<string, unknown>;
  if (v.format !== SCHEDULE_FORMAT) fail(`format: expected "${SCHEDULE_FORMAT}", found ${describe(v.format)}`);
  if (v.policy !== 'single' && v.policy !== 'burst') fail(`policy: expected "single" or "burst", found ${describe(v.policy)}`);
  if (!Array.isArray(v.choices)) return fail(`choices: expected an array of picks k or [k, cut], found ${describe(v.choices)}`);
  const choices = v.choices.map((c: unknown, i): ScheduleChoice => {
    if (isIndex(c)) return c;
    if (Array.isArray(c) && c.length === 2 && isIndex(c[0]) && isIndex(c[1]) && c[1] >= 1) return [c[0], c[1]];
    return fail(`choices[${i}]: expected a pick (an integer ≥ 0) or [pick, cut] with cut ≥ 1, found ${describe(c)}`);
  });
  return { choices, policy: v.policy as ScheduleFile['policy'] };
}

/** A schedule file's bytes, read or refused naming `file`. */
export function decodeScheduleFile(bytes: Uint8Array, file: string): ScheduleFile {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(bytes));
  } catch (e) {
    throw new InputError(`${file}: not JSON (${(e as Error).message})`);
  }
  return parseSchedule(value, file);
}

export function readScheduleFile(path: string): ScheduleFile {
  return decodeScheduleFile(readInputFile(path, 'schedule'), path);
}
