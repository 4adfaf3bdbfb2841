/** Read integer arrays from parsed JSON (flat or nested), reporting the exact element that is wrong. */
import { InputError, inFile } from '../errors.js';
import { describeValue } from './architecture.js';

/** Flatten a (possibly nested) array of safe integers into a Float64Array, row-major. */
export function readIntArray(value: unknown, field: string, file?: string): Float64Array {
  if (!Array.isArray(value)) {
    throw new InputError(inFile(file, `${field}: expected an array of integers, found ${describeValue(value)}`));
  }
  const out: number[] = [];
  const walk = (v: unknown, path: string): void => {
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) walk(v[i], `${path}[${i}]`);
    } else if (typeof v === 'number' && Number.isSafeInteger(v)) {
      out.push(v);
    } else {
      const why = typeof v === 'number' ? 'expected a safe integer' : 'expected an integer';
      throw new InputError(inFile(file, `${path}: ${why}, found ${describeValue(v)}`));
    }
  };
  walk(value, field);
  return Float64Array.from(out);
}
