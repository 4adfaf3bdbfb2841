/** `--topology mnist|cifar10|FILE`: a preset, or a JSON file with `inputShape` and `layers` (no weights). */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { InputError } from '../errors.js';
import { inputShapeSchema, layerArchSchema, parseWith, type Architecture } from './architecture.js';
import { cifar10Architecture, mnistArchitecture } from './presets.js';

export function resolveTopology(name: string, theta?: number): Architecture {
  if (name === 'mnist') return mnistArchitecture(theta);
  if (name === 'cifar10') return cifar10Architecture(theta);
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(name, 'utf8'));
  } catch (e) {
    throw new InputError(`--topology: "${name}" is neither mnist, cifar10 nor a readable JSON file (${(e as Error).message})`);
  }
  return parseWith(z.object({ inputShape: inputShapeSchema, layers: z.array(layerArchSchema) }), value, name);
}
