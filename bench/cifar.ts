/**
 * The paper's CIFAR-10 topology (32x32-128C3-256C3-P2-512C3-P2-1024C3-512C3-1024-512-10, seeded
 * integer weights) on one seeded random image, event by event: the worst-case and from-arrivals event
 * bounds against the events measured, and a neuron-sharded run with 2 threads against one thread, as
 * a share of the machine's parallel ceiling measured in the same run (target ≥ 0.85).
 */
import { openSpikingNetwork } from '../src/actors/openNetwork.js';
import { IntegerAnn } from '../src/equivalence/integerAnn.js';
import { initNetwork } from '../src/network/init.js';
import { cifar10Architecture } from '../src/network/presets.js';
import { Rng } from '../src/random.js';
import { measureCeiling, type Ceiling } from './ceiling.js';

export async function benchCifar(ceiling?: Ceiling): Promise<void> {
  const c = ceiling ?? (await measureCeiling());
  const network = initNetwork(cifar10Architecture(), { seed: 1 });
  const rng = new Rng(5);
  const image = Float64Array.from({ length: 3 * 32 * 32 }, () => rng.int(0, 255));
  console.log('\nCIFAR-10 topology, seeded integer weights, one seeded random image');
  const ann = new IntegerAnn(network);
  let start = performance.now();
  ann.run(image, 3, 50);
  const annSeconds = (performance.now() - start) / 1000;
  console.log(`  integer ANN: ${annSeconds.toFixed(1)} s (range guarded per example: ${ann.checksPerExample})`);
  const seconds: number[] = [];
  for (const workers of [1, 2]) {
    const { snn, close } = await openSpikingNetwork(network, { workers, countEvents: true });
    try {
      start = performance.now();
      await snn.runExample(image, 3, 50);
      seconds.push((performance.now() - start) / 1000);
      const s = snn.stats();
      const acc = s.layers.reduce((t, l) => t + l.forward.accumulations + l.backward.accumulations, 0);
      const b = s.eventBound;
      if (workers === 1) {
        console.log(`  events measured ${b.measured.toExponential(3)}; bound from the events that arrived ${b.fromArrivals?.toExponential(3)}; worst-case bound ${b.worstCase === null ? 'over the budget (counted run)' : b.worstCase.toExponential(3)}`);
      }
      console.log(`  neuron-sharded, ${workers} thread${workers > 1 ? 's' : ''}: ${seconds[seconds.length - 1].toFixed(1)} s, ${(acc / seconds[seconds.length - 1]).toExponential(2)} accumulations/s`);
    } finally {
      await close();
    }
  }
  const speedUp = seconds[0] / seconds[1];
  console.log(`  speed-up from 2 threads: ${speedUp.toFixed(2)}× = ${(speedUp / c.twoThreads).toFixed(2)} of the ceiling (${c.twoThreads.toFixed(2)}×; target ≥ 0.85)`);
}
