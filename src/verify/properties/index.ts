/**
 * `spikegrad/properties`: the generators and equivalence properties spikegrad checks itself with,
 * for users' own tests (fast-check). Every property compares the event-driven SNN with the integer
 * ANN exactly; the arbitraries take constraints (layer kinds, depth, thresholds, weight and input ranges).
 */
export { inputArbitrary, miniBatchArbitrary, networkArbitrary, spikeCaseArbitrary, type CaseConstraints, type InputConstraints } from './arbitraries.js';
export {
  anyBarrierRun, BARRIER_SPECS, batchIncrementsEqual, checkProperty, concurrentEqualsAnn, eventCountsAreConsistent, LATENCY_SPECS, ORDER_SPECS, PROPERTY_BUDGET, PropertyFailure,
  replayEqualsLiveRun, reproduceArguments, runChoice, runChoiceArbitrary, scheduleArbitrary, scriptedRun, shardedEqualsAnn, snnEqualsAnn,
  type PropertyOptions, type RunChoice, type RunConstraints,
} from './equivalence.js';
export { exploreVariant, variantEqualsAnn, VariantFinding, type ExploreReport, type Finding } from './variants.js';
export { tfjsMirrorEqualsAnn } from './tfjsMirror.js';
export { neuronRule, PAPER_RULE, VARIANT_NAMES, type NeuronRule, type VariantName } from '../../actors/kernels/neuronRule.js';
export type { SpikeCase } from '../../network/caseFile.js';
export { trimSchedule, type ScheduleChoice } from '../../streams/schedule.js';
export { parseSchedule, scheduleToJson, SCHEDULE_FORMAT, type ScheduleFile } from '../../streams/scheduleFile.js';
