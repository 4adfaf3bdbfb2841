/**
 * The public API of spikegrad, grouped by use. Everything not listed here is internal and may change.
 * docs/architecture.md says where each part lives.
 */

// Errors: every error raised on purpose is a SpikegradError; bad input is an InputError.
export { SpikegradError, InputError, RangeGuardError, EventBudgetError, QuiescenceError, WorkerError } from './errors.js';

// Files and networks: topologies, integer networks, the case and model files.
export type { Network, Layer, NeuronLayer, DenseLayer, Conv2dLayer, AvgPoolLayer, FlattenLayer, Activation, Shape3 } from './network/topology.js';
export type { Architecture, LayerArch, InputShape } from './network/architecture.js';
export { buildNetwork, architectureOf, cloneNetwork, type LayerParams } from './network/build.js';
export { initNetwork, type InitConstraints } from './network/init.js';
export { mnistArchitecture, cifar10Architecture } from './network/presets.js';
export { resolveTopology } from './network/topologyFile.js';
export { readCaseFile, parseCase, caseToJson, CASE_FORMAT, type SpikeCase } from './network/caseFile.js';
export { loadModel, saveModel, encodeModel, decodeModel, MODEL_FORMAT, type Model } from './network/modelFile.js';
export { roundHalfAway, roundHalfAwayReal } from './network/rounding.js';
export { Rng } from './random.js';

// The integer ANN: the exact reference the spiking network equals.
export { IntegerAnn, type AnnLayerState } from './equivalence/integerAnn.js';
export { runAnnCase, runAnnBatch, type LayerResult, type AnnCaseResult, type AnnBatchResult, type BatchSample } from './equivalence/layerResults.js';
export { compareResults, describeMismatch, type Mismatch } from './equivalence/compare.js';
export { assertExactRange, computeBounds, type LayerBounds } from './equivalence/rangeGuard.js';
export { softmax, topErrorCompartment } from './equivalence/topError.js';

// The event-driven spiking network: kernels, actors, orders, event logs, shards.
export { standardSpike, residualSpike } from './actors/kernels/spikeFunctions.js';
export { NeuronLayerKernel, layerKernel, type SpikePolicy } from './actors/kernels/neuronLayer.js';
export { SpikingNetwork, type SnnOptions, type SnnExampleResult } from './actors/spikingNetwork.js';
export type { SnnStats, LayerReport, PhaseReport } from './actors/statistics.js';
export { simulateCase, simulateBatch, logHeader, type SnnCaseResult, type SnnBatchResult } from './actors/simulateCase.js';
export { openSpikingNetwork, ShardWorkers, defaultWorkers, type ParallelOptions, type OpenNetwork } from './actors/openNetwork.js';
export { computeEventBound, assertEventBudget, DEFAULT_EVENT_BUDGET, type EventBound } from './actors/eventBudget.js';
export { replayEventLog, type ReplayResult } from './actors/replay.js';
export { parseOrders, fifo, reverse, shuffle, split, delay, ORDER_NAMES, type Order, type OrderName } from './streams/orders/index.js';
export { parseLatency, describeLatency, LatencyModel, LATENCY_GRAMMAR, type LatencySpec } from './streams/timing/latency.js';
export { parseInputTiming, type InputTiming } from './streams/timing/inputTiming.js';
export { parseDistribution, type Distribution } from './streams/timing/distributions.js';
export { parseBarrier, describeBarrier, type Barrier } from './actors/barrier.js';
export type { ExampleTimeline } from './actors/spikingNetwork.js';
export { EventLogWriter, readEventLog, decodeEventLog, LogKind, PhaseMark, type EventLog, type EventRecords } from './streams/eventLog.js';

// Training: data sets, the exact and tfjs engines, the shared optimizer, checkpoints, export.
export { loadDataset, DATASET_NAMES } from './train/data/sources.js';
export { imageAt, sliceDataset, type Dataset, type DatasetSplits } from './train/data/dataset.js';
export { trainExact, type TrainResult } from './train/exact/exactTrainer.js';
export { trainTfjs, type TfjsTrainConfig, type TfjsTrainResult } from './train/tfjs/tfjsTrainer.js';
export { epochOrder, type TrainConfig, type EpochRecord, type TrainHooks } from './train/trainingLoop.js';
export { IntegerSgd, RealSgd, DEFAULT_HYPERPARAMETERS, type OptimizerConfig } from './train/optimizer.js';
export { evaluate, type Evaluation } from './train/evaluate.js';
export { saveCheckpoint, loadCheckpoint, type Checkpoint } from './train/checkpoint.js';
export { quantiseNetwork, DEFAULT_WEIGHT_BITS } from './train/tfjs/quantise.js';
export { TfjsNetwork, type BatchGradients } from './train/tfjs/tfjsNetwork.js';
export { useBackend, BACKEND_NAMES, type BackendRequest, type BackendName } from './train/tfjs/backend.js';

// Verification: the SNN against the integer ANN, sample by sample and in on-line training.
export { verifySamples, type VerifyReport } from './verify/verifySamples.js';
export type { VerifySettings, SampleVerdict } from './verify/sampleVerifier.js';
export { trainOnlineSideBySide, type OnlineStepReport } from './verify/onlineTraining.js';
export { timingStudy, type TimingReport, type TimingStudyResult } from './verify/timing/study.js';
export type { TimingConfig, SampleTiming } from './verify/timing/sampleTiming.js';
export type { ConfigSummary } from './verify/timing/summary.js';

// Tables for analysis elsewhere (CSV, Apache Arrow).
export { writeTable, type Table, type Column } from './report/tables.js';

// Testing aid: make a worker fail on purpose.
export { injectFault, type FaultPlan } from './workers/faults.js';
