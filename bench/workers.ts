/**
 * Worker threads on the MNIST topology: neuron-sharded single images (accumulations/s with 1 and 2
 * workers, same run) and sample-parallel verification (images/s, target ≥ 1.6× from 2 workers).
 */
import { openSpikingNetwork } from '../src/actors/openNetwork.js';
import { verifySamples } from '../src/verify/verifySamples.js';
import { mnistFixture } from './mnistFixture.js';

const SHARD_IMAGES = 8;
const VERIFY_IMAGES = Number(process.env.BENCH_VERIFY_IMAGES ?? 240);

export async function benchWorkers(): Promise<void> {
  const { network, test, image } = mnistFixture();
  const alpha = 50;
  console.log(`\nworker threads, MNIST topology (${SHARD_IMAGES} images neuron-sharded, ${VERIFY_IMAGES} images verified)`);
  const sharded: number[] = [];
  for (const workers of [1, 2]) {
    const { snn, close } = await openSpikingNetwork(network, { workers });
    try {
      await snn.runExample(image(0), test.labels[0], alpha);
      const start = performance.now();
      for (let i = 1; i <= SHARD_IMAGES; i++) await snn.runExample(image(i), test.labels[i], alpha);
      const seconds = (performance.now() - start) / 1000;
      const s = snn.stats();
      const acc = (s.layers.reduce((t, l) => t + l.forward.accumulations + l.backward.accumulations, 0) * SHARD_IMAGES) / s.examples;
      sharded.push(acc / seconds);
      console.log(`  neuron-sharded, ${workers} worker${workers > 1 ? 's' : ' (this thread)'}: ${(acc / seconds).toExponential(2)} accumulations/s, ${(SHARD_IMAGES / seconds).toFixed(1)} images/s`);
    } finally {
      await close();
    }
  }
  console.log(`  neuron-sharded speed-up from 2 workers: ${(sharded[1] / sharded[0]).toFixed(2)}×`);
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
  console.log(`  sample-parallel speed-up from 2 workers: ${(rates[1] / rates[0]).toFixed(2)}× (target ≥ 1.6×)`);
}
