/**
 * The CLI's one validation layer: every option of every command is declared once, with its type,
 * range, default and description. From the same declarations commander registers the options, zod
 * checks their values before any work starts, and docs/cli.md is generated, so the three cannot drift.
 * A refusal names the option, what was expected and what was found.
 */
import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { InputError } from '../errors.js';

/** The most worker threads a command accepts: a few per core, past which threads only cost memory. */
export const maxWorkers = (): number => 4 * availableParallelism();

export interface OptionDef<T = unknown> {
  /** The value's placeholder in the synopsis (`<n>`), or null for a flag. */
  placeholder: string | null;
  description: string;
  /** What a valid value is, in words ("an integer from 1 to 4096"). */
  expected: string;
  /** The same for the reference, where `expected` depends on the machine. */
  expectedDoc?: string;
  /** The default as a user would type it; absent: the option is optional and has no value. */
  default?: string;
  /** The default as the reference shows it, when it depends on the machine or on other options. */
  defaultDoc?: string;
  /** May be given several times (values are collected in order). */
  repeatable?: boolean;
  /** An output file or folder: its folder is created and checked writable before any work starts. */
  output?: 'file' | 'folder';
  schema: z.ZodType<T>;
}

type Value<D> = D extends OptionDef<infer T> ? T : never;
/** An option that always has a value: it has a default, or it is a flag. */
type Always = { default: string } | { placeholder: null };
export type OptionValues<O extends Record<string, OptionDef>> = {
  [K in keyof O]: O[K] extends { repeatable: true } ? Value<O[K]>[] : O[K] extends Always ? Value<O[K]> : Value<O[K]> | undefined;
};

/** A builder's result keeps whether a default was given, so the values' types know what is always set. */
type Built<C, T> = C extends { default: string } ? OptionDef<T> & { default: string } : OptionDef<T>;
const built = <C, T>(def: OptionDef<T>): Built<C, T> => def as Built<C, T>;

const INTEGER = /^[+-]?\d+$/;
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

function range(min: number | undefined, max: number | undefined, noun: string): string {
  if (min !== undefined && max !== undefined) return `${noun} from ${min} to ${max}`;
  if (min !== undefined) return `${noun} ≥ ${min}`;
  if (max !== undefined) return `${noun} ≤ ${max}`;
  return noun;
}

interface Common {
  description: string;
  default?: string;
  defaultDoc?: string;
  placeholder?: string;
}

/**
 * A whole number (a safe integer) in [min, max]. A `max` that depends on the machine is a function
 * with a description (`maxDoc`), so the reference reads the same everywhere.
 */
export function integer<C extends Common & { min?: number; max?: number | (() => number); maxDoc?: string }>(o: C): Built<C, number> {
  const max = typeof o.max === 'function' ? o.max() : o.max;
  const words = range(o.min, max, 'an integer');
  return built<C, number>({
    placeholder: o.placeholder ?? '<n>',
    description: o.description,
    default: o.default,
    defaultDoc: o.defaultDoc,
    expected: o.maxDoc ? `${words} (${o.maxDoc})` : words,
    expectedDoc: o.maxDoc ? `${range(o.min, undefined, 'an integer')}, at most ${o.maxDoc}` : undefined,
    schema: z
      .string()
      .trim()
      .regex(INTEGER)
      .transform(Number)
      .pipe(z.number().int().min(o.min ?? Number.MIN_SAFE_INTEGER).max(max ?? Number.MAX_SAFE_INTEGER)),
  });
}

/** A finite decimal number in [min, max] (or (min, max] with `above`). */
export function number<C extends Common & { min?: number; above?: number; max?: number; below?: number }>(o: C): Built<C, number> {
  let n = z.number().finite();
  if (o.min !== undefined) n = n.min(o.min);
  if (o.above !== undefined) n = n.gt(o.above);
  if (o.max !== undefined) n = n.max(o.max);
  if (o.below !== undefined) n = n.lt(o.below);
  const low = o.above !== undefined ? `> ${o.above}` : o.min !== undefined ? `≥ ${o.min}` : null;
  const high = o.below !== undefined ? `< ${o.below}` : o.max !== undefined ? `≤ ${o.max}` : null;
  return built<C, number>({
    placeholder: o.placeholder ?? '<x>',
    description: o.description,
    default: o.default,
    defaultDoc: o.defaultDoc,
    expected: `a number${low ? ` ${low}` : ''}${low && high ? ' and' : ''}${high ? ` ${high}` : ''}`,
    schema: z.string().trim().regex(NUMBER).transform(Number).pipe(n),
  });
}

/** One of a fixed list of words. */
export function choice<const T extends string, C extends Common = Common>(values: readonly T[], o: C): Built<C, T> {
  return built<C, T>({
    placeholder: o.placeholder ?? '<name>',
    description: o.description,
    default: o.default,
    defaultDoc: o.defaultDoc,
    expected: `one of ${values.join(', ')}`,
    schema: z.enum(values as [T, ...T[]]) as unknown as z.ZodType<T>,
  });
}

/** Free text; `check` refines it (e.g. a grammar) and returns a reason when it is not valid. */
export function text<C extends Common & { expected?: string; check?: (value: string) => string | null }>(o: C): Built<C, string> {
  const check = o.check;
  return built<C, string>({
    placeholder: o.placeholder ?? '<text>',
    description: o.description,
    default: o.default,
    defaultDoc: o.defaultDoc,
    expected: o.expected ?? 'a non-empty text',
    schema: z
      .string()
      .min(1)
      .superRefine((v, ctx) => {
        const why = check?.(v);
        if (why) ctx.addIssue({ code: 'custom', message: why });
      }),
  });
}

/** A file to read (its problems are reported when it is read, naming it). */
export function inputFile<C extends Common>(o: C): Built<C, string> {
  return text({ ...o, placeholder: o.placeholder ?? '<file>', expected: 'a file name' }) as Built<C, string>;
}

/** A file to write: checked, and its folder created, before the command does any work. */
export function outputFile<C extends Common>(o: C): Built<C, string> {
  return { ...text({ ...o, placeholder: o.placeholder ?? '<file>', expected: 'a file name' }), output: 'file' } as Built<C, string>;
}

/** A folder to write into: created and checked before the command does any work. */
export function outputFolder<C extends Common>(o: C): Built<C, string> {
  return { ...text({ ...o, placeholder: o.placeholder ?? '<dir>', expected: 'a folder name' }), output: 'folder' } as Built<C, string>;
}

/** A flag: present or not. */
export function flag(o: { description: string }): OptionDef<boolean> & { placeholder: null } {
  return { placeholder: null, description: o.description, expected: 'no value', schema: z.boolean() };
}

/** The same option given several times (in order). */
export function repeatable<T>(def: OptionDef<T>): OptionDef<T> & { repeatable: true } {
  return { ...def, repeatable: true };
}

/** `epochs` → `--epochs`, `weightDecay` → `--weight-decay`. */
export const flagName = (key: string): string => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/** Describe a raw value for "found …". */
const found = (raw: unknown): string => (typeof raw === 'string' ? JSON.stringify(raw) : String(raw));

/** Parse one option's raw value; an InputError names the option, what it expects and what it found. */
export function parseOption<T>(key: string, def: OptionDef<T>, raw: unknown): T {
  const result = def.schema.safeParse(raw);
  if (result.success) return result.data;
  const custom = result.error.issues.find((i) => i.code === 'custom');
  const why = custom ? ` (${custom.message})` : '';
  throw new InputError(`${flagName(key)}: expected ${def.expected}, found ${found(raw)}${why}`);
}

/** Parse every option of a command from commander's raw values. */
export function parseOptions<O extends Record<string, OptionDef>>(defs: O, raw: Record<string, unknown>): OptionValues<O> {
  const out: Record<string, unknown> = {};
  for (const [key, def] of Object.entries(defs)) {
    const value = raw[key];
    if (def.repeatable) {
      const list = value === undefined ? (def.default === undefined ? [] : [def.default]) : (value as unknown[]);
      out[key] = list.map((v) => parseOption(key, def, v));
    } else if (value === undefined || value === false) {
      out[key] = def.placeholder === null ? false : def.default === undefined ? undefined : parseOption(key, def, def.default);
    } else {
      out[key] = parseOption(key, def, value);
    }
  }
  return out as OptionValues<O>;
}
