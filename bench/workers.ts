/**
 * Worker threads, every figure against the machine's own parallel ceiling measured in the same run
 * (two independent single-thread loops, as a ratio to one): neuron-sharded single images of the
 * MNIST topology (1 thread, and 2 with the default layout and with two layers split; rounds interleaved
 * so drifts of the machine hit all alike) and
 * sample-parallel verification (images/s, target ≥ 0.9 of the ceiling).
 */
import { openSpikingNetwork } from '../src/actors/openNetwork.js';
import { verifySamples } from '../src/verify/verifySamples.js';
import { ceilingText, measureCeiling, type Ceiling } from './ceiling.js';
import { mnistFixture } from './mnistFixture.js';

const SHARD_IMAGES = 8;
/** The former default threshold: MNIST's second convolution (960,000 synapses) and 300-unit layer (192,000) split. */
const SPLIT_THRESHOLD = 1 << 16;
const ROUNDS = 3;
/** Images each configuration runs first, untimed: V8 compiles the hot loops in every thread (as `npm run bench -- snn` warms with 10). */
const WARM_IMAGES = 10;
// As many as `verify` checks by default: the start-up of the workers and the last chunks weigh as they do there.
const VERIFY_IMAGES = Number(process.env.BENCH_VERIFY_IMAGES ?? 1000);

export async function benchWorkers(ceiling?: Ceiling): Promise<void> {
  const c = ceiling ?? (await measureCeiling());
  const { network, test, image } = mnistFixture();
  const alpha = 50;
  console.log(`\nworker threads, MNIST topology (${SHARD_IMAGES} images neuron-sharded × ${ROUNDS} rounds, ${VERIFY_IMAGES} images verified)`);
  console.log(`  machine ceiling: two independent loops reach ${ceilingText(c)} one (plain loop ${c.oneThread.toExponential(2)} accumulations/s per thread)`);
  // One thread; 2 threads as the default layout has them (the MNIST topology's layers all stay whole);
  // 2 threads with its second convolution and 300-unit layer split, as the former default did.
  const configs = [
    { workers: 1, label: '1 thread' },
    { workers: 2, label: '2 threads, default layout (no layer split)' },
    { workers: 2, shardThreshold: SPLIT_THRESHOLD, label: '2 threads, second convolution and 300-unit layer split' },
  ];
  const opened = await Promise.all(configs.map(({ workers, shardThreshold }) => openSpikingNetwork(network, { workers, shardThreshold })));
  const seconds = configs.map(() => 0);
  let accumulations = 0;
  try {
    for (const { snn } of opened) for (let i = 0; i < WARM_IMAGES; i++) await snn.runExample(image(SHARD_IMAGES + 1 + i), test.labels[SHARD_IMAGES + 1 + i], alpha);
    for (let round = 0; round < ROUNDS; round++) {
      for (let k = 0; k < opened.length; k++) {
        const snn = opened[k].snn;
        const start = performance.now();
        for (let i = 1; i <= SHARD_IMAGES; i++) await snn.runExample(image(i), test.labels[i], alpha);
        seconds[k] += (performance.now() - start) / 1000;
      }
    }
    const s = opened[0].snn.stats();
    accumulations = (s.layers.reduce((t, l) => t + l.forward.accumulations + l.backward.accumulations, 0) / s.examples) * SHARD_IMAGES * ROUNDS;
  } finally {
    await Promise.all(opened.map((o) => o.close()));
  }
  seconds.forEach((sec, k) => console.log(`  neuron-sharded, ${configs[k].label}: ${(accumulations / sec).toExponential(2)} accumulations/s, ${((SHARD_IMAGES * ROUNDS) / sec).toFixed(1)} images/s`));
  const sharded = seconds[0] / seconds[1], split = seconds[0] / seconds[2];
  console.log(`  neuron-sharded speed-up from 2 threads: ${sharded.toFixed(2)}× = ${(sharded / c.twoThreads).toFixed(2)} of the ceiling (target: no slower than one thread); with the two layers split ${split.toFixed(2)}×`);
  const samples = Array.from({ length: VERIFY_IMAGES }, (_, i) => ({ input: image(i), target: test.labels[i] }));
  const rates: number[] = [];
  for (const workers of [1, 2]) {
    const r = await verifySamples(network, samples, alpha, { workers });
    const steady = r.samples / (r.seconds - r.startupSeconds);
    rates.push(r.samples / r.seconds);
    console.log(
      `  sample-parallel verify, ${workers} worker${workers > 1 ? 's' : ' (this thread)'}: ${r.bitExact}/${r.samples} bit-exact, ` +
        `${(r.samples / r.seconds).toFixed(1)} images/s overall (${steady.toFixed(1)} after ${r.startupSeconds.toFixed(2)} s start-up)`,
    );
  }
  const parallel = rates[1] / rates[0];
  console.log(`  sample-parallel speed-up from 2 workers: ${parallel.toFixed(2)}× = ${(parallel / c.twoThreads).toFixed(2)} of the ceiling (target ≥ 0.9)`);
}
