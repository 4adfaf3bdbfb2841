/**
 * The paper's CIFAR-10 topology (32x32-128C3-256C3-P2-512C3-P2-1024C3-512C3-1024-512-10, seeded
 * integer weights) on seeded random images, event by event: the worst-case and from-arrivals event
 * bounds against the events measured, and a neuron-sharded run with 2 threads against one thread, as
 * a share of the machine's parallel ceiling measured in the same run (target ≥ 0.85).
 */
import { openSpikingNetwork } from '../src/actors/openNetwork.js';
import { IntegerAnn } from '../src/equivalence/integerAnn.js';
import { initNetwork } from '../src/network/init.js';
import { cifar10Architecture } from '../src/network/presets.js';
import { Rng } from '../src/random.js';
import { ceilingText, measureCeiling, type Ceiling } from './ceiling.js';
import type { SnnStats } from '../src/actors/statistics.js';

export async function benchCifar(ceiling?: Ceiling): Promise<void> {
  const c = ceiling ?? (await measureCeiling());
  const network = initNetwork(cifar10Architecture(), { seed: 1 });
  const rng = new Rng(5);
  const randomImage = () => Float64Array.from({ length: 3 * 32 * 32 }, () => rng.int(0, 255));
  // The first image pays the one-time costs (the range guard finding the worst case too wide, its
  // helper thread's start-up, V8 compiling); the next ones are what every further image costs, timed
  // in turns (image k on one thread, then on two) so that the machine's drifts hit both alike.
  const images = [randomImage(), randomImage(), randomImage()];
  console.log('\nCIFAR-10 topology, seeded integer weights, seeded random images: one to warm up, two timed in turns on 1 and 2 threads');
  const ann = new IntegerAnn(network);
  let start = performance.now();
  ann.run(images[1], 3, 50);
  const annSeconds = (performance.now() - start) / 1000;
  console.log(`  integer ANN: ${annSeconds.toFixed(1)} s (range guarded per example: ${ann.checksPerExample})`);
  const threads = [1, 2];
  const opened: Awaited<ReturnType<typeof openSpikingNetwork>>[] = [];
  for (const workers of threads) opened.push(await openSpikingNetwork(network, { workers, countEvents: true }));
  try {
    const first: number[] = [], steady = threads.map(() => 0), accumulations = threads.map(() => 0);
    const run = async (k: number, image: Float64Array) => {
      const { snn } = opened[k];
      const before = snn.stats();
      start = performance.now();
      // The final states as typed arrays, as verification reads them (runExample adds plain-array copies).
      await snn.runExampleStates(image, 3, 50);
      const seconds = (performance.now() - start) / 1000;
      const s = snn.stats();
      const acc = (r: SnnStats) => r.layers.reduce((t, l) => t + l.forward.accumulations + l.backward.accumulations, 0);
      if (k === 0 && image === images[1]) {
        const b = s.eventBound, b0 = before.eventBound;
        const arrivals = b.fromArrivals === null || b0.fromArrivals === null ? null : b.fromArrivals - b0.fromArrivals;
        console.log(`  events measured ${(b.measured - b0.measured).toExponential(3)}; bound from the events that arrived ${arrivals?.toExponential(3)}; worst-case bound ${b.worstCase === null ? 'over the budget (counted run)' : b.worstCase.toExponential(3)}`);
      }
      return { seconds, accumulations: acc(s) - acc(before) };
    };
    for (const k of threads.keys()) first.push((await run(k, images[0])).seconds);
    for (const image of images.slice(1)) {
      for (const k of threads.keys()) {
        const r = await run(k, image);
        steady[k] += r.seconds;
        accumulations[k] += r.accumulations;
      }
    }
    const timed = images.length - 1;
    threads.forEach((workers, k) =>
      console.log(`  neuron-sharded, ${workers} thread${workers > 1 ? 's' : ''}: first image ${first[k].toFixed(1)} s; then ${(steady[k] / timed).toFixed(1)} s per image, ${(accumulations[k] / steady[k]).toExponential(2)} accumulations/s`),
    );
    const speedUp = steady[0] / steady[1];
    console.log(`  speed-up from 2 threads: ${speedUp.toFixed(2)}× = ${(speedUp / c.twoThreads).toFixed(2)} of the ceiling (${ceilingText(c)}; target ≥ 0.85); first image ${(first[0] / first[1]).toFixed(2)}× = ${(first[0] / first[1] / c.twoThreads).toFixed(2)}`);
  } finally {
    for (const { close } of opened) await close();
  }
}
