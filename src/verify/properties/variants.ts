/**
 * The equivalence property under a variant of the neuron rule: what goes wrong without each of the
 * paper's choices. A finding is a mismatch with the integer ANN or a phase that never becomes quiet;
 * every run is scripted, so fast-check shrinks the case and the schedule (its choices, its policy)
 * together to a small counterexample.
 */
import fc from 'fast-check';
import { neuronRule, type VariantName } from '../../actors/kernels/neuronRule.js';
import { simulateCase } from '../../actors/simulateCase.js';
import { compareResults, describeMismatch } from '../../equivalence/compare.js';
import { runAnnCase } from '../../equivalence/layerResults.js';
import { EventBudgetError, QuiescenceError } from '../../errors.js';
import { caseToJson, type SpikeCase } from '../../network/caseFile.js';
import { neuronLayers, sizeOf } from '../../network/topology.js';
import { spikeCaseArbitrary } from './arbitraries.js';
import { PROPERTY_BUDGET, scheduleOf, scriptedRun, type RunChoice } from './equivalence.js';

export type Finding = 'mismatch' | 'no-quiescence';

export class VariantFinding extends Error {
  constructor(
    readonly found: Finding,
    message: string,
  ) {
    super(message);
  }
}


/** The SNN under `variant` equals the integer ANN (with the paper's rule it always does). */
export function variantEqualsAnn(variant: VariantName): fc.IAsyncPropertyWithHooks<[SpikeCase, RunChoice]> {
  const rule = neuronRule(variant);
  return fc.asyncProperty(spikeCaseArbitrary(), scriptedRun, async (c, run) => {
    const ann = runAnnCase(c);
    let snn;
    try {
      snn = await simulateCase(c, { schedule: run.schedule, policy: run.policy, eventBudget: PROPERTY_BUDGET, workers: 1, rule });
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
  /** The shrunk case (spikegrad-case/1) and its schedule (spikegrad-schedule/1), when something was found. */
  case: ReturnType<typeof caseToJson> | null;
  schedule: Record<string, unknown> | null;
  neurons: number | null;
  message: string | null;
  shrinks: number;
}

/** Run the variant's property; report the first finding, shrunk. */
export async function exploreVariant(variant: VariantName, runs: number, seed: number): Promise<ExploreReport> {
  const details = await fc.check(variantEqualsAnn(variant), { numRuns: runs, seed, endOnFailure: false });
  const base = { variant, runs: details.numRuns, seed, shrinks: details.numShrinks };
  if (!details.failed || !details.counterexample) return { ...base, found: null, case: null, schedule: null, neurons: null, message: null };
  const [c, run] = details.counterexample;
  const error = details.errorInstance;
  if (!(error instanceof VariantFinding)) throw error instanceof Error ? error : new Error(String(error));
  const neurons = neuronLayers(c.network).reduce((n, l) => n + sizeOf(l.outShape), 0);
  return { ...base, found: error.found, case: caseToJson(c), schedule: scheduleOf(run), neurons, message: error.message };
}
