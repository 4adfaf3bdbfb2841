// A vitest file: spikegrad's own generators and properties on networks of your choosing.
import fc from 'fast-check';
import { expect, test } from 'vitest';
import { miniBatchArbitrary, networkArbitrary, replayEqualsLiveRun, runChoiceArbitrary, snnEqualsAnn, spikeCaseArbitrary, variantEqualsAnn } from 'spikegrad/properties';

test('dense networks, up to two hidden layers, Θ ≤ 8: the SNN equals the integer ANN', async () => {
  await fc.assert(snnEqualsAnn({ kinds: ['dense'], maxHidden: 2, maxTheta: 8 }), { numRuns: 50, seed: 1 });
});

test('the generator: convolutions and pooling only, inputs up to 20', () => {
  fc.assert(fc.property(spikeCaseArbitrary({ kinds: ['conv2d', 'avgpool'], maxInput: 20 }), (c) => c.input.every((x) => Math.abs(x) <= 20)));
});

test('networks, inputs and mini-batches apart: 1–3 non-negative inputs of the right size for any dense network', () => {
  const withBatch = networkArbitrary({ kinds: ['dense'] }).chain((network) => miniBatchArbitrary(network, { nonnegative: true, maxSize: 3 }).map((batch) => ({ network, batch })));
  fc.assert(fc.property(withBatch, ({ network, batch }) => {
    const size = network.layers[0].inShape.reduce((a, b) => a * b, 1);
    return batch.length <= 3 && batch.every((s) => s.input.length === size && s.input.every((x) => x >= 0));
  }));
});

test('without the residual phase the equivalence breaks: fast-check finds and shrinks a counterexample', async () => {
  const details = await fc.check(variantEqualsAnn('residual=off'), { numRuns: 300, seed: 1 });
  expect(details.failed).toBe(true);
  const [smallest] = details.counterexample;
  expect(smallest.network.layers.length).toBeLessThanOrEqual(3);
});

test('timing runs with imperfect barriers: exactness is gone, but the event log still replays the run exactly', async () => {
  const runs = runChoiceArbitrary({ orders: [], scripted: false, latencies: ['exp:1', 'const:2'], barriers: ['timeout:2', 'none'] });
  await fc.assert(replayEqualsLiveRun({ maxHidden: 2 }, { runs }), { numRuns: 40, seed: 1 });
});

test('a failing run shrinks to a small case and a short schedule of delivery choices', async () => {
  const details = await fc.check(variantEqualsAnn('relu-negative=off'), { numRuns: 300, seed: 1 });
  const [, run] = details.counterexample;
  expect(run.schedule.length).toBeLessThanOrEqual(5);
});
