/**
 * The equivalence property under a variant of the neuron rule: what goes wrong without each of the
 * paper's choices. A finding is a mismatch with the integer ANN or a phase that never becomes quiet;
 * fast-check shrinks the case and the run (order, seed, policy) to a small counterexample.
 */
import fc from 'fast-check';
import { neuronRule, type VariantName } from '../../actors/kernels/neuronRule.js';
import { simulateCase } from '../../actors/simulateCase.js';
import { compareResults, describeMismatch } from '../../equivalence/compare.js';
import { runAnnCase } from '../../equivalence/layerResults.js';
import { EventBudgetError, QuiescenceError } from '../../errors.js';
import { caseToJson, type SpikeCase } from '../../network/caseFile.js';
import { neuronLayers, sizeOf } from '../../network/topology.js';
import { parseOrders } from '../../streams/orders/index.js';
import { spikeCaseArbitrary } from './arbitraries.js';
import { ORDER_SPECS, PROPERTY_BUDGET, type RunChoice } from './equivalence.js';

export type Finding = 'mismatch' | 'no-quiescence';

export class VariantFinding extends Error {
  constructor(
    readonly found: Finding,
    message: string,
  ) {
    super(message);
  }
}

const busRun: fc.Arbitrary<RunChoice> = fc.record({
  order: fc.constantFrom(...ORDER_SPECS),
  policy: fc.constantFrom('single' as const, 'burst' as const),
  seed: fc.integer({ min: 0, max: 1_000_000 }),
});

/** The SNN under `variant` equals the integer ANN (with the paper's rule it always does). */
export function variantEqualsAnn(variant: VariantName): fc.IAsyncPropertyWithHooks<[SpikeCase, RunChoice]> {
  const rule = neuronRule(variant);
  return fc.asyncProperty(spikeCaseArbitrary(), busRun, async (c, run) => {
    const ann = runAnnCase(c);
    let snn;
    try {
      snn = await simulateCase(c, { orders: parseOrders(run.order), seed: run.seed, policy: run.policy, eventBudget: PROPERTY_BUDGET, workers: 1, rule });
    } catch (e) {
      if (e instanceof EventBudgetError) return;
      if (e instanceof QuiescenceError) throw new VariantFinding('no-quiescence', e.message);
      throw e;
    }
    const mismatches = compareResults(ann.layers, snn.layers, 3);
    if (mismatches.length > 0) throw new VariantFinding('mismatch', mismatches.map(describeMismatch).join('; '));
  });
}

export interface ExploreReport {
  variant: VariantName;
  runs: number;
  seed: number;
  found: Finding | null;
  /** The shrunk case (spikegrad-case/1) and run, when something was found. */
  case: ReturnType<typeof caseToJson> | null;
  run: RunChoice | null;
  neurons: number | null;
  message: string | null;
  shrinks: number;
}

/** Run the variant's property; report the first finding, shrunk. */
export async function exploreVariant(variant: VariantName, runs: number, seed: number): Promise<ExploreReport> {
  const details = await fc.check(variantEqualsAnn(variant), { numRuns: runs, seed, endOnFailure: false });
  const base = { variant, runs: details.numRuns, seed, shrinks: details.numShrinks };
  if (!details.failed || !details.counterexample) return { ...base, found: null, case: null, run: null, neurons: null, message: null };
  const [c, run] = details.counterexample;
  const error = details.errorInstance;
  if (!(error instanceof VariantFinding)) throw error instanceof Error ? error : new Error(String(error));
  const neurons = neuronLayers(c.network).reduce((n, l) => n + sizeOf(l.outShape), 0);
  return { ...base, found: error.found, case: caseToJson(c), run, neurons, message: error.message };
}
