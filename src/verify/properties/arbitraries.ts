/**
 * fast-check arbitrary of random integer cases (docs/algorithm.md §2): 1–4 neuron layers of dense, conv2d (stride,
 * padding), avgpool (any integer weight) and flatten; relu and linear; thresholds odd and even from 1;
 * weights from −Θ to beyond +Θ; negative, zero and positive inputs and biases; random target and α.
 * The case is built from a small "recipe" so that shrinking removes layers and shrinks shapes.
 */
import fc from 'fast-check';
import type { LayerArch } from '../../network/architecture.js';
import { buildNetwork, paramCounts, toShape3, type LayerParams } from '../../network/build.js';
import type { SpikeCase } from '../../network/caseFile.js';
import { sizeOf, type Network, type Shape3 } from '../../network/topology.js';
import type { BatchSample } from '../../equivalence/layerResults.js';
import { Rng } from '../../random.js';

export interface CaseConstraints {
  /** Most hidden neuron layers (default 3, so 4 neuron layers with the top). */
  maxHidden?: number;
  /** Largest |input| (default 12). */
  maxInput?: number;
  /** Largest Θ and Θbp (default 12). */
  maxTheta?: number;
  /** Largest weight as a multiple of the layer's Θ (default 2: "beyond +Θ"). */
  maxWeightOverTheta?: number;
  /** Restrict layer kinds (default all). */
  kinds?: readonly ('dense' | 'conv2d' | 'avgpool')[];
  /** Θ and Θbp powers of two only (so w/Θ is exact in float32, for the tfjs mirror). */
  powerOfTwoThetas?: boolean;
}

const thetaArbitrary = (maxTheta: number, powerOfTwo: boolean) =>
  powerOfTwo ? fc.integer({ min: 0, max: Math.floor(Math.log2(maxTheta)) }).map((k) => 2 ** k) : fc.integer({ min: 1, max: maxTheta });

const layerRecipe = (maxTheta: number, kinds: readonly string[], powerOfTwo = false) =>
  fc.record({
    kind: fc.constantFrom(...kinds),
    flattenBefore: fc.nat({ max: 3 }).map((n) => n === 0),
    units: fc.integer({ min: 1, max: 5 }),
    channels: fc.integer({ min: 1, max: 3 }),
    kernel: fc.integer({ min: 1, max: 3 }),
    stride: fc.integer({ min: 1, max: 2 }),
    padding: fc.integer({ min: 0, max: 2 }),
    size: fc.integer({ min: 1, max: 3 }),
    poolWeight: fc.integer({ min: -3, max: 3 }),
    relu: fc.boolean(),
    theta: thetaArbitrary(maxTheta, powerOfTwo),
    thetaBp: thetaArbitrary(maxTheta, powerOfTwo),
    weightRange: fc.nat({ max: 100 }),
    biasRange: fc.nat({ max: 100 }),
  });

export type LayerRecipe = ReturnType<typeof layerRecipe> extends fc.Arbitrary<infer T> ? T : never;

export function spikeCaseArbitrary(constraints: CaseConstraints = {}): fc.Arbitrary<SpikeCase> {
  const maxTheta = constraints.maxTheta ?? 12;
  const maxInput = constraints.maxInput ?? 12;
  const overTheta = constraints.maxWeightOverTheta ?? 2;
  // Spatial kinds come first so more networks keep convolutions and pooling before flattening.
  const kinds = constraints.kinds ?? ['conv2d', 'avgpool', 'conv2d', 'dense'];
  return fc
    .record({
      spatial: fc.nat({ max: 3 }).map((n) => n > 0),
      c: fc.integer({ min: 1, max: 2 }),
      h: fc.integer({ min: 1, max: 7 }),
      w: fc.integer({ min: 1, max: 7 }),
      features: fc.integer({ min: 1, max: 8 }),
      hidden: fc.array(layerRecipe(maxTheta, kinds, constraints.powerOfTwoThetas), { maxLength: constraints.maxHidden ?? 3 }),
      top: layerRecipe(maxTheta, ['dense'], constraints.powerOfTwoThetas),
      inputRange: fc.nat({ max: maxInput }),
      inputSign: fc.constantFrom('mixed', 'nonnegative'),
      seed: fc.integer(),
      target: fc.nat(),
      alpha: fc.integer({ min: 1, max: 100 }),
    })
    .map((r): SpikeCase => {
      const rng = new Rng(r.seed);
      const inputShape: [number] | [number, number, number] = r.spatial ? [r.c, r.h, r.w] : [r.features];
      let shape: Shape3 = toShape3(inputShape);
      let spatial = r.spatial;
      const layers: LayerArch[] = [];
      const params: (LayerParams | undefined)[] = [];
      const addParams = (arch: LayerArch, recipe: LayerRecipe) => {
        const counts = paramCounts(arch, shape);
        if (!counts) return params.push(undefined);
        // weightRange percent of the allowed span, so shrinking goes towards small weights.
        const span = Math.round((recipe.weightRange / 100) * overTheta * recipe.theta);
        const bias = Math.round((recipe.biasRange / 100) * 2 * recipe.theta);
        const weights = new Float64Array(counts.weights).map(() => rng.int(-span, span));
        return params.push({ weights, bias: new Float64Array(counts.bias).map(() => rng.int(-bias, bias)) });
      };
      const recipes = [...r.hidden, r.top];
      recipes.forEach((recipe, i) => {
        const isTop = i === recipes.length - 1;
        let kind = isTop ? 'dense' : recipe.kind;
        const [, h, w] = shape;
        if (!spatial) kind = 'dense';
        // Shrink kernels and windows to fit the input rather than losing the layer kind.
        const kernel = Math.min(recipe.kernel, h + 2 * recipe.padding, w + 2 * recipe.padding);
        const size = Math.min(recipe.size, h, w);
        if (spatial && recipe.flattenBefore && kind === 'dense') {
          layers.push({ kind: 'flatten' });
          params.push(undefined);
          shape = [sizeOf(shape), 1, 1];
          spatial = false;
        }
        const activation = isTop ? 'linear' : recipe.relu ? 'relu' : 'linear';
        let arch: LayerArch;
        if (kind === 'conv2d') {
          arch = { kind, channels: recipe.channels, kernel, stride: recipe.stride, padding: recipe.padding, activation, theta: recipe.theta, thetaBp: recipe.thetaBp };
        } else if (kind === 'avgpool') {
          arch = { kind, size, weight: recipe.poolWeight, activation: 'linear', theta: recipe.theta, thetaBp: recipe.thetaBp };
        } else {
          arch = { kind: 'dense', units: isTop ? Math.max(1, recipe.units) : recipe.units, activation, theta: recipe.theta, thetaBp: recipe.thetaBp };
        }
        addParams(arch, recipe);
        layers.push(arch);
        // A placeholder top layer lets the partial stack be shape-checked.
        const probe: LayerArch = { kind: 'dense', units: 1, activation: 'linear', theta: 1, thetaBp: 1 };
        shape = buildNetwork({ inputShape, layers: [...layers, probe] }).layers[layers.length - 1].outShape;
        spatial = kind !== 'dense' && spatial;
      });
      const network = buildNetwork({ inputShape, layers }, params);
      const low = r.inputSign === 'mixed' ? -r.inputRange : 0;
      const input = new Float64Array(sizeOf(network.layers[0].inShape)).map(() => rng.int(low, r.inputRange));
      const classes = network.layers[network.layers.length - 1].outShape[0];
      return { network, input, target: r.target % classes, alpha: r.alpha };
    });
}

/** Networks alone (the networks of `spikeCaseArbitrary`, with the same constraints). */
export function networkArbitrary(constraints: CaseConstraints = {}): fc.Arbitrary<Network> {
  return spikeCaseArbitrary(constraints).map((c) => c.network);
}

export interface InputConstraints {
  /** Largest |value| (default 12). */
  maxInput?: number;
  /** Only values ≥ 0 (pixels, say). */
  nonnegative?: boolean;
}

/** Integer inputs for `network`, layout [c][y][x]; shrinking goes towards zeros. */
export function inputArbitrary(network: Network, constraints: InputConstraints = {}): fc.Arbitrary<Float64Array> {
  const max = constraints.maxInput ?? 12;
  const n = sizeOf(network.layers[0].inShape);
  return fc.array(fc.integer({ min: constraints.nonnegative ? 0 : -max, max }), { minLength: n, maxLength: n }).map((values) => Float64Array.from(values));
}

/** Mini-batches for `network`: 1 to `maxSize` (default 4) inputs, each with a target class. */
export function miniBatchArbitrary(network: Network, constraints: InputConstraints & { maxSize?: number } = {}): fc.Arbitrary<BatchSample[]> {
  const classes = network.layers[network.layers.length - 1].outShape[0];
  return fc.array(fc.record({ input: inputArbitrary(network, constraints), target: fc.nat({ max: classes - 1 }) }), { minLength: 1, maxLength: constraints.maxSize ?? 4 });
}
