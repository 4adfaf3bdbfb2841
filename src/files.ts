/** Reading user files: a file that cannot be read is an InputError naming it and what it was for. */
import { readFileSync } from 'node:fs';
import { InputError } from './errors.js';

export function readInputFile(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new InputError(`${path}: cannot read the ${what} (${(e as Error).message})`);
  }
}
