/** Public API. */
export * from './errors.js';
export * from './network/topology.js';
export * from './network/architecture.js';
export * from './network/build.js';
export * from './network/caseFile.js';
export * from './network/modelFile.js';
export * from './network/safetensors.js';
export * from './network/rounding.js';
export * from './network/init.js';
export * from './network/presets.js';
export * from './equivalence/integerAnn.js';
export * from './equivalence/annResult.js';
export * from './equivalence/rangeGuard.js';
export * from './equivalence/topError.js';
export * from './train/data/dataset.js';
export * from './train/data/sources.js';
export { Rng } from './random.js';
