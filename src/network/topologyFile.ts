/**
 * `--topology mnist|cifar10|FILE`: a preset, or a topology file: JSON with `inputShape` and `layers`
 * (the case format's layers without weights or biases; see the README).
 */
import { z } from 'zod';
import { InputError } from '../errors.js';
import { readInputFile } from '../files.js';
import { inputShapeSchema, layerArchSchema, parseWith, type Architecture } from './architecture.js';
import { buildNetwork } from './build.js';
import { cifar10Architecture, mnistArchitecture } from './presets.js';

const topologySchema = z.strictObject({ inputShape: inputShapeSchema, layers: z.array(layerArchSchema).min(1) });

/** A preset (with Θ of its weighted layers) or a topology file, its shapes checked. */
export function resolveTopology(name: string, theta?: number): Architecture {
  if (name === 'mnist') return mnistArchitecture(theta);
  if (name === 'cifar10') return cifar10Architecture(theta);
  const text = readInputFile(name, 'topology file (--topology takes mnist, cifar10 or a JSON file)').toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new InputError(`${name}: not valid JSON (${(e as Error).message})`);
  }
  const arch = parseWith(topologySchema, value, name);
  buildNetwork(arch, undefined, name);
  return arch;
}
