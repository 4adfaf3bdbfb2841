// A vitest file: spikegrad's own generators and properties on networks of your choosing.
import fc from 'fast-check';
import { expect, test } from 'vitest';
import { snnEqualsAnn, spikeCaseArbitrary, variantEqualsAnn } from 'spikegrad/properties';

test('dense networks, up to two hidden layers, Θ ≤ 8: the SNN equals the integer ANN', async () => {
  await fc.assert(snnEqualsAnn({ kinds: ['dense'], maxHidden: 2, maxTheta: 8 }), { numRuns: 50, seed: 1 });
});

test('the generator: convolutions and pooling only, inputs up to 20', () => {
  fc.assert(fc.property(spikeCaseArbitrary({ kinds: ['conv2d', 'avgpool'], maxInput: 20 }), (c) => c.input.every((x) => Math.abs(x) <= 20)));
});

test('without the residual phase the equivalence breaks: fast-check finds and shrinks a counterexample', async () => {
  const details = await fc.check(variantEqualsAnn('residual=off'), { numRuns: 300, seed: 1 });
  expect(details.failed).toBe(true);
  const [smallest] = details.counterexample;
  expect(smallest.network.layers.length).toBeLessThanOrEqual(3);
});
