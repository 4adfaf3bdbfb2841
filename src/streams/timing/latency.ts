/**
 * The latency model of a run: how long each spike takes from its neuron to the next layer, in virtual
 * time. Its text (the CLI's `--latency`) is a list of `;`-separated items, the most specific winning:
 *
 *   DIST                      every spike, forward and backward (default const:1)
 *   forward=DIST | backward=DIST            one direction
 *   layerN=DIST | layerN.forward=DIST | layerN.backward=DIST
 *                             spikes sent by neuron layer N (its index in `layers`)
 *   processing=DIST           a neuron's processing time, from receiving an event to its spike leaving
 *   axon=DIST                 a fixed delay per neuron and direction, drawn once per network
 *
 * with DIST one of const:D, uniform:A-B, exp:MEAN, lognormal:MU,SIGMA.
 */
import { InputError } from '../../errors.js';
import { Rng } from '../../random.js';
import { describeDistribution, DISTRIBUTION_GRAMMAR, minimum, parseDistribution, sample, type Distribution } from './distributions.js';

export type Direction = 'forward' | 'backward';

export const LATENCY_GRAMMAR = `items separated by ";": DIST, forward=DIST, backward=DIST, layerN=DIST, layerN.forward=DIST, layerN.backward=DIST, processing=DIST, axon=DIST; DIST is ${DISTRIBUTION_GRAMMAR}`;

export interface LatencySpec {
  all?: Distribution;
  direction: Partial<Record<Direction, Distribution>>;
  /** Per neuron layer index: both directions, or one. */
  layers: Map<number, { both?: Distribution } & Partial<Record<Direction, Distribution>>>;
  processing?: Distribution;
  axon?: Distribution;
}

const DEFAULT_DELAY: Distribution = { kind: 'const', value: 1 };

/** Parse the latency text; an InputError names the token and the grammar. */
export function parseLatency(text: string, option = '--latency'): LatencySpec {
  const spec: LatencySpec = { direction: {}, layers: new Map() };
  const items = text.split(';').map((s) => s.trim()).filter((s) => s.length > 0);
  if (items.length === 0) throw new InputError(`${option}: expected ${LATENCY_GRAMMAR}, found nothing`);
  for (const item of items) {
    const eq = item.indexOf('=');
    const scope = eq < 0 ? '' : item.slice(0, eq).trim();
    const dist = parseDistribution(eq < 0 ? item : item.slice(eq + 1).trim());
    if (typeof dist === 'string') throw new InputError(`${option}: in "${item}": ${dist}`);
    const layer = /^layer(\d+)(?:\.(forward|backward))?$/.exec(scope);
    if (scope === '') spec.all = dist;
    else if (scope === 'forward' || scope === 'backward') spec.direction[scope] = dist;
    else if (scope === 'processing') spec.processing = dist;
    else if (scope === 'axon') spec.axon = dist;
    else if (layer) {
      const entry = spec.layers.get(Number(layer[1])) ?? {};
      if (layer[2]) entry[layer[2] as Direction] = dist;
      else entry.both = dist;
      spec.layers.set(Number(layer[1]), entry);
    } else {
      throw new InputError(`${option}: unknown scope "${scope}" in "${item}" (expected ${LATENCY_GRAMMAR})`);
    }
  }
  return spec;
}

/** The canonical text of a latency spec (in logs and reports). */
export function describeLatency(spec: LatencySpec): string {
  const parts: string[] = [];
  if (spec.all) parts.push(describeDistribution(spec.all));
  for (const d of ['forward', 'backward'] as const) if (spec.direction[d]) parts.push(`${d}=${describeDistribution(spec.direction[d]!)}`);
  for (const [l, e] of [...spec.layers].sort((a, b) => a[0] - b[0])) {
    if (e.both) parts.push(`layer${l}=${describeDistribution(e.both)}`);
    for (const d of ['forward', 'backward'] as const) if (e[d]) parts.push(`layer${l}.${d}=${describeDistribution(e[d]!)}`);
  }
  if (spec.processing) parts.push(`processing=${describeDistribution(spec.processing)}`);
  if (spec.axon) parts.push(`axon=${describeDistribution(spec.axon)}`);
  return parts.join(';');
}

/**
 * A latency spec bound to a network: the distribution of every (layer, direction), the axonal delays
 * drawn once from the seed, and the processing time.
 */
export class LatencyModel {
  /** Per neuron layer (by index into `layers`) and direction: the transmission delay. */
  private readonly delays = new Map<number, Record<Direction, Distribution>>();
  /** Per neuron layer and direction: each neuron's fixed axonal delay (absent: none). */
  private readonly axons = new Map<number, Record<Direction, Float64Array>>();
  readonly processing: Distribution | null;

  constructor(
    readonly spec: LatencySpec,
    /** Neuron layers: index into `layers` and neuron count. */
    neuronLayers: readonly { index: number; size: number }[],
    seed: number,
    option = '--latency',
  ) {
    const known = new Set(neuronLayers.map((l) => l.index));
    for (const l of spec.layers.keys()) {
      if (!known.has(l)) throw new InputError(`${option}: layer${l} is not a neuron layer of this network (its neuron layers are ${[...known].map((i) => `layer${i}`).join(', ')})`);
    }
    const rng = new Rng((seed * 2654435761) | 0);
    for (const { index, size } of neuronLayers) {
      const entry = spec.layers.get(index);
      const pick = (d: Direction) => entry?.[d] ?? entry?.both ?? spec.direction[d] ?? spec.all ?? DEFAULT_DELAY;
      this.delays.set(index, { forward: pick('forward'), backward: pick('backward') });
      if (spec.axon) {
        const draw = () => Float64Array.from({ length: size }, () => sample(spec.axon!, rng));
        this.axons.set(index, { forward: draw(), backward: draw() });
      }
    }
    this.processing = spec.processing ?? null;
  }

  /** The transmission distribution of spikes sent by neuron layer `layer` in `direction`. */
  delayOf(layer: number, direction: Direction): Distribution {
    return this.delays.get(layer)![direction];
  }

  /** The fixed axonal delays of a layer and direction, or null. */
  axonsOf(layer: number, direction: Direction): Float64Array | null {
    return this.axons.get(layer)?.[direction] ?? null;
  }

  /** The least any spike can take, processing included: how far ahead deliveries are safe. */
  get lookahead(): number {
    let least = Infinity;
    for (const d of this.delays.values()) least = Math.min(least, minimum(d.forward), minimum(d.backward));
    return least + (this.processing ? minimum(this.processing) : 0);
  }

  draw(d: Distribution, rng: Rng): number {
    return sample(d, rng);
  }
}
