/** The weight-free description of a network (kinds, sizes, thresholds), validated with zod. */
import { z } from 'zod';
import { InputError, inFile } from '../errors.js';

const positiveInt = z.number().int().positive();
const thresholds = { theta: positiveInt, thetaBp: positiveInt };
const activation = z.enum(['relu', 'linear']);

export const denseArchSchema = z.strictObject({
  kind: z.literal('dense'),
  units: positiveInt,
  activation: activation.default('relu'),
  ...thresholds,
});

export const conv2dArchSchema = z.strictObject({
  kind: z.literal('conv2d'),
  channels: positiveInt,
  kernel: positiveInt,
  stride: positiveInt.default(1),
  padding: z.number().int().nonnegative().default(0),
  activation: activation.default('relu'),
  ...thresholds,
});

export const avgPoolArchSchema = z.strictObject({
  kind: z.literal('avgpool'),
  size: positiveInt,
  weight: z.number().int().default(1),
  activation: z.literal('linear').default('linear'),
  ...thresholds,
});

export const flattenArchSchema = z.strictObject({ kind: z.literal('flatten') });

export const layerArchSchema = z.discriminatedUnion('kind', [
  denseArchSchema,
  conv2dArchSchema,
  avgPoolArchSchema,
  flattenArchSchema,
]);

export const inputShapeSchema = z.union([z.tuple([positiveInt]), z.tuple([positiveInt, positiveInt, positiveInt])]);

export type LayerArch = z.infer<typeof layerArchSchema>;
export type InputShape = z.infer<typeof inputShapeSchema>;

export interface Architecture {
  inputShape: InputShape;
  layers: LayerArch[];
}

/** Render a path like ['layers', 2, 'theta'] as `layers[2].theta`. */
function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out || '(root)';
}

/** Describe a value briefly for "found …" in messages. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'object') return 'an object';
  return String(value);
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = root;
  for (const key of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}

/** Parse with a zod schema; on failure throw an InputError naming file, field, expectation and value. */
export function parseWith<T extends z.ZodType>(
  schema: T,
  value: unknown,
  file: string | undefined,
  prefix: readonly PropertyKey[] = [],
): z.infer<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const lines = result.error.issues.slice(0, 5).map((issue) => {
    const path = [...prefix, ...issue.path];
    const found = describeValue(valueAt(value, issue.path));
    return `${formatPath(path)}: ${issue.message} (found ${found})`;
  });
  const more = result.error.issues.length > 5 ? `\n  … and ${result.error.issues.length - 5} more` : '';
  throw new InputError(inFile(file, lines.join('\n  ') + more));
}
