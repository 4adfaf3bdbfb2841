/**
 * The properties that tie the event-driven SNN to the integer ANN (docs/algorithm.md §5). Each is a function of the
 * number of runs, used by the bounded vitest run and by `npm run properties -- --runs N`. A failure
 * is reported as a shrunk case in the case format with the `spikegrad check` line that reproduces it.
 */
import fc from 'fast-check';
import { computeEventBound } from '../../actors/eventBudget.js';
import type { ShardWorkers } from '../../actors/openNetwork.js';
import type { SpikePolicy } from '../../actors/kernels/neuronLayer.js';
import { replayEventLog } from '../../actors/replay.js';
import { logHeader, simulateBatch, simulateCase } from '../../actors/simulateCase.js';
import { runAnnBatch, runAnnCase } from '../../equivalence/layerResults.js';
import { compareResults, describeMismatch } from '../../equivalence/compare.js';
import { EventBudgetError, InputError, QuiescenceError } from '../../errors.js';
import { parseBarrier } from '../../actors/barrier.js';
import { caseToJson, type SpikeCase } from '../../network/caseFile.js';
import { decodeEventLog, EventLogWriter, LogKind, PhaseMark, type EventRecords } from '../../streams/eventLog.js';
import { ConcurrentNetwork } from '../../actors/concurrent/concurrentNetwork.js';
import { withIncrements } from '../../equivalence/compare.js';
import { createHash } from 'node:crypto';
import { neuronRule, PAPER_RULE, type NeuronRule, type VariantName } from '../../actors/kernels/neuronRule.js';
import { fifo, parseOrders } from '../../streams/orders/index.js';
import { trimSchedule, type ScheduleChoice } from '../../streams/schedule.js';
import { scheduleToJson } from '../../streams/scheduleFile.js';
import { parseInputTiming } from '../../streams/timing/inputTiming.js';
import { parseLatency } from '../../streams/timing/latency.js';
import { spikeCaseArbitrary, type CaseConstraints } from './arbitraries.js';

/** Small enough that the default test run stays fast; refusals under it are checked to be justified. */
export const PROPERTY_BUDGET = 20_000;
const RERUN_LIMIT = 400_000;

export const ORDER_SPECS = ['fifo', 'reverse', 'shuffle', 'split', 'delay', 'split,delay', 'split,shuffle', 'reverse,split'];

/** Latency models (docs/timing.md) the properties run under, with the exact barrier. */
export const LATENCY_SPECS = ['const:1', 'exp:1', 'uniform:0-3', 'lognormal:0,1', 'exp:2;axon=uniform:0-5;processing=exp:0.5', 'forward=exp:1;backward=const:2'];

export interface RunChoice {
  /** Orders composed left to right, or `scripted` when `schedule` decides every delivery. */
  order: string;
  policy: SpikePolicy;
  seed: number;
  /** A scripted run (streams/schedule.ts): shrinks to the fewest choices that still fail. */
  schedule?: ScheduleChoice[];
  /** A latency model instead of the order (then the order is fifo). */
  latency?: string;
  inputTiming?: string;
  /** With a latency model: the barrier (default exact). */
  barrier?: string;
}

/**
 * A scripted run's choices: picks among what is in flight, now and then a packet cut short. Shrinking
 * drops choices and lowers picks toward 0 (the oldest in flight, fifo).
 */
export const scheduleArbitrary: fc.Arbitrary<ScheduleChoice[]> = fc.array(
  fc.oneof({ weight: 4, arbitrary: fc.nat({ max: 12 }) }, { weight: 1, arbitrary: fc.tuple(fc.nat({ max: 12 }), fc.integer({ min: 1, max: 6 })) }),
  { maxLength: 60 },
);

/** Barriers (docs/timing.md), for runs under a latency model: only `exact` guarantees equality; the others are what is measured. */
export const BARRIER_SPECS = ['exact', 'timeout:1', 'timeout:4', 'timeout:1000', 'none'];

/** Which runs to draw. */
export interface RunConstraints {
  /** Delivery orders on the bus (default ORDER_SPECS; [] for none). */
  orders?: readonly string[];
  /** Scripted runs, whose schedules shrink (default true). */
  scripted?: boolean;
  /** Latency models (default LATENCY_SPECS; [] for none); their runs take the barriers below. */
  latencies?: readonly string[];
  /** Barriers of the latency-model runs (default exact only). */
  barriers?: readonly string[];
  policies?: readonly SpikePolicy[];
  /** When input events arrive in latency-model runs (default zero, latency:6, spread:exp:2). */
  inputTimings?: readonly string[];
}

/**
 * Runs: scripted, ordered on the bus, or timed by a latency model (with a barrier). Cross-shrinking: a
 * counterexample under any run first tries the simplest scripted run (fifo), then shrinks its schedule.
 */
export function runChoiceArbitrary(constraints: RunConstraints = {}): fc.Arbitrary<RunChoice> {
  const policy = fc.constantFrom<SpikePolicy>(...(constraints.policies ?? ['single', 'burst']));
  const seed = fc.integer({ min: 0, max: 1_000_000 });
  const orders = constraints.orders ?? ORDER_SPECS;
  const latencies = constraints.latencies ?? LATENCY_SPECS;
  const barriers = constraints.barriers ?? ['exact'];
  const branches: { weight: number; arbitrary: fc.Arbitrary<RunChoice> }[] = [];
  if (constraints.scripted ?? true) branches.push({ weight: 1, arbitrary: fc.record({ order: fc.constant('scripted'), policy, seed: fc.constant(0), schedule: scheduleArbitrary }) });
  if (orders.length > 0) branches.push({ weight: 3, arbitrary: fc.record({ order: fc.constantFrom(...orders), policy, seed }) });
  if (latencies.length > 0) {
    branches.push({
      weight: 1,
      arbitrary: fc.record({
        order: fc.constant('fifo'), policy, seed,
        latency: fc.constantFrom(...latencies),
        inputTiming: fc.constantFrom(...(constraints.inputTimings ?? ['zero', 'latency:6', 'spread:exp:2'])),
        barrier: fc.constantFrom(...barriers),
      }).map(({ barrier, ...run }) => (barrier === 'exact' ? run : { ...run, barrier })),
    });
  }
  if (branches.length === 0) throw new InputError('runChoiceArbitrary: no kind of run left (scripted, orders and latencies all turned off)');
  return fc.oneof({ withCrossShrink: true }, ...branches);
}

export const scriptedRun: fc.Arbitrary<RunChoice> = runChoiceArbitrary({ orders: [], latencies: [] });

/** Every kind of run under the exact barrier: what the equivalence properties draw. */
export const runChoice: fc.Arbitrary<RunChoice> = runChoiceArbitrary();

/** Every kind of run, the imperfect barriers included: a log must replay whatever the run did. */
export const anyBarrierRun: fc.Arbitrary<RunChoice> = runChoiceArbitrary({ barriers: BARRIER_SPECS });

/** A property's counterexample: what failed, the case (spikegrad-case/1) and the run, with the command that reproduces it. */
export class PropertyFailure extends Error {
  constructor(
    message: string,
    readonly why: string = message,
    readonly caseJson: Record<string, unknown> | null = null,
    readonly run: RunChoice | null = null,
    readonly variant: VariantName = 'paper',
  ) {
    super(message);
  }
}

/** The `spikegrad check` arguments that replay a run of case.json (and schedule.json, when scripted). */
export function reproduceArguments(run: RunChoice, variant: VariantName = 'paper', caseFile = 'case.json', scheduleFile = 'schedule.json'): string {
  const rule = variant === 'paper' ? '' : ` --variant ${variant}`;
  if (run.schedule) return `check ${caseFile}${rule} --schedule ${scheduleFile}`;
  return `check ${caseFile}${rule} --order ${run.order} --seed ${run.seed} --policy ${run.policy}${run.latency ? ` --latency "${run.latency}" --input-timing ${run.inputTiming}` : ''}${run.barrier ? ` --barrier ${run.barrier}` : ''}`;
}

/** The schedule file of a scripted run (null for an ordered one). */
export const scheduleOf = (run: RunChoice): Record<string, unknown> | null => (run.schedule ? scheduleToJson({ choices: trimSchedule(run.schedule), policy: run.policy }) : null);

function fail(c: SpikeCase, run: RunChoice, why: string, variant: VariantName = 'paper'): never {
  const caseJson = caseToJson(c);
  const schedule = scheduleOf(run);
  throw new PropertyFailure(
    `${why}\nreproduce: save the case below as case.json${schedule ? ' and the schedule as schedule.json' : ''} and run\n  spikegrad ${reproduceArguments(run, variant)}\n` +
      JSON.stringify(caseJson) + (schedule ? `\n${JSON.stringify(schedule)}` : ''),
    why, caseJson, run, variant,
  );
}

/** A run that never becomes quiet (possible under a variant of the rule) is a counterexample like any other. */
async function quietOrFail<T>(c: SpikeCase, run: RunChoice, variant: VariantName, simulate: () => Promise<T>): Promise<T> {
  try {
    return await simulate();
  } catch (e) {
    if (e instanceof QuiescenceError) fail(c, run, `no quiescence: ${e.message}`, variant);
    throw e;
  }
}

/** In this thread: the sharded runs have their own property with pools reused across cases. */
const snnOptions = (run: RunChoice, budget = PROPERTY_BUDGET, rule: NeuronRule = PAPER_RULE) => ({
  rule,
  orders: run.schedule ? [fifo()] : parseOrders(run.order), schedule: run.schedule ?? null, seed: run.seed, policy: run.policy, eventBudget: budget, workers: 1,
  latency: run.latency ? parseLatency(run.latency) : null, inputTiming: run.inputTiming ? parseInputTiming(run.inputTiming) : undefined,
  barrier: run.barrier ? parseBarrier(run.barrier) : undefined,
});

/** What the properties on the bus take besides the case constraints. */
export interface PropertyOptions {
  /** The spiking neurons under a variant of the rule (mutation testing); default the paper's. */
  variant?: VariantName;
  /** The runs to draw (default `runChoice`: every kind under the exact barrier). */
  runs?: fc.Arbitrary<RunChoice>;
}

/** Statistics gathered by the properties (how many cases ran, were refused, re-checked). */
export const tally = { ran: 0, refused: 0, refusalsRechecked: 0 };

/**
 * S, V, E, dW, db of the SNN equal the ANN's for every order and policy; the events stay within the
 * worst-case bound and the bound from what arrived; budget refusals are justified (the run, repeated
 * without the budget, sends more events than it).
 */
export function snnEqualsAnn(constraints: CaseConstraints = {}, { variant = 'paper', runs = runChoice }: PropertyOptions = {}): fc.IAsyncPropertyWithHooks<[SpikeCase, RunChoice]> {
  const rule = neuronRule(variant);
  return fc.asyncProperty(spikeCaseArbitrary(constraints), runs, async (c, run) => {
    const ann = runAnnCase(c);
    const bound = computeEventBound(c.network, c.input, c.alpha);
    let snn;
    try {
      snn = await simulateCase(c, snnOptions(run, PROPERTY_BUDGET, rule));
    } catch (e) {
      if (e instanceof QuiescenceError) fail(c, run, `no quiescence: ${e.message}`, variant);
      if (!(e instanceof EventBudgetError)) throw e;
      tally.refused++;
      if (!(bound.total > PROPERTY_BUDGET)) fail(c, run, `refused by the budget although its worst-case bound ${bound.total} is within ${PROPERTY_BUDGET}`, variant);
      if (bound.total > RERUN_LIMIT) return;
      // Justified only if the run really sends more: run it without the budget and count.
      tally.refusalsRechecked++;
      snn = await simulateCase(c, snnOptions(run, Infinity, rule));
      if (!(snn.stats.eventBound.measured > PROPERTY_BUDGET)) fail(c, run, `refused by the budget of ${PROPERTY_BUDGET} events, but the run sends only ${snn.stats.eventBound.measured}`, variant);
    }
    tally.ran++;
    const { measured, fromArrivals } = snn.stats.eventBound;
    if (fromArrivals === null || measured > fromArrivals || fromArrivals > bound.total) fail(c, run, `events ${measured}, bound from what arrived ${fromArrivals}, worst-case bound ${bound.total}: not in order`, variant);
    const mismatches = compareResults(ann.layers, snn.layers, 5);
    if (mismatches.length > 0) fail(c, run, `SNN differs from the integer ANN: ${mismatches.map(describeMismatch).join('; ')}`, variant);
    snn.stats.layers.forEach((l, p) => {
      const b = bound.layers[p];
      if (l.forward.events > b.forward || l.backward.events > b.backward) {
        fail(c, run, `layer ${l.layer} emitted ${l.forward.events}/${l.backward.events} events, over its bound ${b.forward}/${b.backward}`, variant);
      }
    });
  });
}

/** Event counts: ≥ |net| with the same parity; the classification layer never emits a forward spike. */
export function eventCountsAreConsistent(constraints: CaseConstraints = {}, { variant = 'paper', runs = runChoice }: PropertyOptions = {}): fc.IAsyncPropertyWithHooks<[SpikeCase, RunChoice]> {
  const rule = neuronRule(variant);
  return fc.asyncProperty(spikeCaseArbitrary(constraints), runs, async (c, run) => {
    fc.pre(computeEventBound(c.network, c.input, c.alpha).total <= PROPERTY_BUDGET);
    const { stats } = await quietOrFail(c, run, variant, () => simulateCase(c, snnOptions(run, PROPERTY_BUDGET, rule)));
    const top = stats.layers[stats.layers.length - 1];
    if (top.forward.events !== 0) fail(c, run, `the classification layer emitted ${top.forward.events} forward spikes`, variant);
    for (const l of stats.layers) {
      for (const phase of [l.forward, l.backward]) {
        if (phase.redundant < 0 || phase.redundant % 2 !== 0) fail(c, run, `layer ${l.layer}: ${phase.events} events vs net count ${phase.netCount}`, variant);
      }
    }
  });
}

/**
 * Replaying the log gives the live result and statistics, under every barrier (late arrivals of the
 * imperfect ones included); no relu neuron's count ever goes below zero.
 */
export function replayEqualsLiveRun(constraints: CaseConstraints = {}, { variant = 'paper', runs = anyBarrierRun }: PropertyOptions = {}): fc.IAsyncPropertyWithHooks<[SpikeCase, RunChoice]> {
  const rule = neuronRule(variant);
  return fc.asyncProperty(spikeCaseArbitrary(constraints), runs, async (c, run) => {
    fc.pre(computeEventBound(c.network, c.input, c.alpha).total <= PROPERTY_BUDGET);
    const mem = EventLogWriter.inMemory(logHeader(c, { ...run, budget: PROPERTY_BUDGET }));
    const live = await quietOrFail(c, run, variant, () => simulateCase(c, { ...snnOptions(run, PROPERTY_BUDGET, rule), log: mem.writer }));
    const bytes = mem.bytes();
    const log = decodeEventLog(bytes);
    let replayed: ReturnType<typeof replayEventLog>;
    try {
      replayed = replayEventLog(log);
    } catch (e) {
      fail(c, run, `replay refused the live run's log: ${(e as Error).message}`, variant);
    }
    const mismatches = compareResults(live.layers, replayed.layers, 5);
    if (mismatches.length > 0) fail(c, run, `replay differs from the live run: ${mismatches.map(describeMismatch).join('; ')}`, variant);
    if (JSON.stringify(replayed.stats) !== JSON.stringify(live.stats)) fail(c, run, `replayed statistics differ from the live run's: ${JSON.stringify(replayed.stats)} vs ${JSON.stringify(live.stats)}`, variant);
    // Same case, order and seed: the same log, byte for byte.
    const again = EventLogWriter.inMemory(logHeader(c, { ...run, budget: PROPERTY_BUDGET }));
    await simulateCase(c, { ...snnOptions(run, PROPERTY_BUDGET, rule), log: again.writer });
    if (Buffer.compare(Buffer.from(bytes), Buffer.from(again.bytes())) !== 0) fail(c, run, 'two runs with the same seed wrote different logs', variant);
    const relu = new Map<number, Float64Array>();
    c.network.layers.forEach((layer, i) => {
      if (layer.kind !== 'flatten' && layer.activation === 'relu' && i < c.network.layers.length - 1) relu.set(i, new Float64Array(layer.outShape[0] * layer.outShape[1] * layer.outShape[2]));
    });
    const r = log.records;
    for (let k = 0; k < r.count; k++) {
      if (r.kind[k] !== LogKind.Spike && r.kind[k] !== LogKind.ResidualSpike) continue;
      const S = relu.get(r.layer[k]);
      if (S && (S[r.neuron[k]] += r.value[k]) < 0) fail(c, run, `relu neuron ${r.neuron[k]} of layer ${r.layer[k]} went below zero at record ${k}`, variant);
    }
  });
}

/** A mini-batch through one SNN: summed increments equal the ANN's sums. */
export function batchIncrementsEqual(constraints: CaseConstraints = {}, { variant = 'paper', runs = runChoice }: PropertyOptions = {}): fc.IAsyncPropertyWithHooks<[SpikeCase, number[], RunChoice]> {
  const rule = neuronRule(variant);
  return fc.asyncProperty(spikeCaseArbitrary(constraints), fc.array(fc.integer(), { minLength: 1, maxLength: 4 }), runs, async (c, seeds, run) => {
    const classes = c.network.layers[c.network.layers.length - 1].outShape[0];
    const samples = seeds.map((s, k) => ({ input: c.input.map((x, j) => (k === 0 ? x : ((x * (s % 5)) + j) % 13)), target: Math.abs(s) % classes }));
    fc.pre(samples.every((s) => computeEventBound(c.network, s.input, c.alpha).total <= PROPERTY_BUDGET));
    const ann = runAnnBatch(c.network, samples, c.alpha);
    const snn = await quietOrFail(c, run, variant, () => simulateBatch(c.network, samples, c.alpha, snnOptions(run, PROPERTY_BUDGET, rule)));
    const mismatches = compareResults(ann.increments, snn.increments, 5);
    if (mismatches.length > 0) fail(c, run, `batch of ${samples.length}: summed increments differ: ${mismatches.map(describeMismatch).join('; ')}`, variant);
    if (ann.predictions.join() !== snn.predictions.join()) fail(c, run, 'predictions differ', variant);
  });
}

/**
 * Sharded over 1–4 worker threads (any layout the shard ranges give) and any order or latency model:
 * the same S, V, E, dW, db as the integer ANN, and the same event log, byte for byte, as the run in
 * this thread. `pools[n]` is a ShardWorkers of n threads, reused across cases.
 */
export function shardedEqualsAnn(pools: Record<number, ShardWorkers>): fc.IAsyncPropertyWithHooks<[SpikeCase, RunChoice, number]> {
  return fc.asyncProperty(spikeCaseArbitrary(), runChoice, fc.integer({ min: 1, max: 4 }), async (c, run, workers) => {
    fc.pre(computeEventBound(c.network, c.input, c.alpha).total <= PROPERTY_BUDGET);
    const ann = runAnnCase(c);
    const sharded = EventLogWriter.inMemory(logHeader(c, run));
    const snn = await simulateCase(c, { ...snnOptions(run), workers: workers === 1 ? 1 : pools[workers], shardThreshold: 0, log: sharded.writer });
    const mismatches = compareResults(ann.layers, snn.layers, 5);
    if (mismatches.length > 0) fail(c, run, `with ${workers} workers the SNN differs from the integer ANN: ${mismatches.map(describeMismatch).join('; ')}`);
    // Shards change nothing observable but the wall time: the same events, in the same order, as in this thread.
    const local = EventLogWriter.inMemory(logHeader(c, run));
    await simulateCase(c, { ...snnOptions(run), log: local.writer });
    if (Buffer.compare(Buffer.from(sharded.bytes()), Buffer.from(local.bytes())) !== 0) fail(c, run, `with ${workers} workers the event log differs from the in-thread run's`);
  });
}

/** What the concurrent property saw: runs, and distinct event orders (hashes of the merged logs) per case and in all. */
export const concurrentTally = { runs: 0, cases: 0, casesWithSeveralOrders: 0, distinctOrders: 0 };

/**
 * Concurrent layer threads, each case run `repeats` times on the same threads: every result equals the
 * integer ANN, every log replays to it, and the order of events is whatever the threads did (the
 * tally counts the distinct orders seen).
 */
export function concurrentEqualsAnn(repeats = 4): fc.IAsyncPropertyWithHooks<[SpikeCase, SpikePolicy]> {
  return fc.asyncProperty(spikeCaseArbitrary(), fc.constantFrom<SpikePolicy>('single', 'burst'), async (c, policy) => {
    fc.pre(computeEventBound(c.network, c.input, c.alpha).total <= PROPERTY_BUDGET);
    const run: RunChoice = { order: 'concurrent', policy, seed: 0 };
    const ann = runAnnCase(c);
    const orders = new Set<string>();
    const mem = EventLogWriter.inMemory(logHeader(c, run));
    const net = new ConcurrentNetwork(c.network, { policy, eventBudget: PROPERTY_BUDGET, log: mem.writer });
    try {
      for (let k = 0; k < repeats; k++) {
        await net.clearIncrements();
        const live = await net.runExample(c.input, c.target, c.alpha);
        const got = withIncrements(live.layers, await net.increments());
        const mismatches = compareResults(ann.layers, got, 5);
        if (mismatches.length > 0) fail(c, run, `concurrent run ${k + 1}: the SNN differs from the integer ANN: ${mismatches.map(describeMismatch).join('; ')}`);
      }
    } finally {
      await net.close();
    }
    // One log of every repeat: split it at the example marks, replay each, and hash its order.
    const log = decodeEventLog(mem.bytes());
    const r = log.records;
    let from = 0;
    for (let k = 0; k < r.count; k++) {
      if (!(r.kind[k] === LogKind.Phase && r.neuron[k] === PhaseMark.ExampleEnd)) continue;
      const one = sliceRecords(r, from, k + 1);
      const replayed = replayEventLog({ header: log.header, records: one });
      const mismatches = compareResults(ann.layers, replayed.layers, 5);
      if (mismatches.length > 0) fail(c, run, `a concurrent run's log replays to something else: ${mismatches.map(describeMismatch).join('; ')}`);
      const h = createHash('sha1');
      for (const column of [one.kind, one.layer, one.neuron, one.value]) h.update(new Uint8Array(column.buffer, column.byteOffset, column.byteLength));
      orders.add(h.digest('hex'));
      from = k + 1;
    }
    concurrentTally.runs += repeats;
    concurrentTally.cases++;
    concurrentTally.distinctOrders += orders.size;
    if (orders.size > 1) concurrentTally.casesWithSeveralOrders++;
  });
}

function sliceRecords(r: EventRecords, from: number, to: number): EventRecords {
  return { count: to - from, kind: r.kind.slice(from, to), layer: r.layer.slice(from, to), neuron: r.neuron.slice(from, to), value: r.value.slice(from, to), time: r.time.slice(from, to) };
}

export const PROPERTIES = { snnEqualsAnn, eventCountsAreConsistent, replayEqualsLiveRun, batchIncrementsEqual };

/** Run a property; on failure throw the shrunk counterexample's own message (the case JSON). */
export async function checkProperty<Ts>(property: fc.IAsyncPropertyWithHooks<Ts>, numRuns: number, seed?: number): Promise<void> {
  const details = await fc.check(property, { numRuns, seed, endOnFailure: false });
  if (!details.failed) return;
  const cause = details.errorInstance;
  const message = cause instanceof PropertyFailure ? cause.message : `${String(cause)}\ncounterexample: ${JSON.stringify((details.counterexample as unknown[] | null)?.map((v: unknown) => (v && typeof v === 'object' && 'network' in v ? caseToJson(v as SpikeCase) : v)))}`;
  throw new Error(`property failed after ${details.numRuns} runs (seed ${details.seed}, path "${details.counterexamplePath}", ${details.numShrinks} shrinks):\n${message}`);
}
