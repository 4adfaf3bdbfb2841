/**
 * Timing studies on the MNIST topology (seeded weights): seconds per image and configuration for four
 * configurations, against `verify`'s time per image measured in the same run (target: the exact
 * barrier within 3× of it), and the projection to 1,000 images × 4 configurations with 2 workers.
 */
import { timingStudy } from '../src/verify/timing/study.js';
import { verifySamples } from '../src/verify/verifySamples.js';
import { mnistFixture } from './mnistFixture.js';

const IMAGES = Number(process.env.BENCH_TIMING_IMAGES ?? 60);
const CONFIGS = [
  { latency: 'const:1', barrier: 'exact', policy: 'single' as const, inputTiming: 'zero' },
  { latency: 'exp:1', barrier: 'exact', policy: 'single' as const, inputTiming: 'zero' },
  { latency: 'exp:1', barrier: 'timeout:5', policy: 'single' as const, inputTiming: 'zero' },
  { latency: 'const:1', barrier: 'none', policy: 'single' as const, inputTiming: 'latency:20' },
];

export async function benchTiming(): Promise<void> {
  const { network, test, image } = mnistFixture();
  const samples = Array.from({ length: IMAGES }, (_, i) => ({ input: image(i), target: test.labels[i] }));
  console.log(`\ntiming studies, MNIST topology, seeded integer weights, ${IMAGES} images`);
  for (const workers of [1, 2]) {
    let start = performance.now();
    await verifySamples(network, samples, 50, { workers, order: 'fifo' });
    const verifyMs = (performance.now() - start) / IMAGES;
    console.log(`  ${workers} worker${workers > 1 ? 's' : ''}: verify ${verifyMs.toFixed(1)} ms/image`);
    let total = 0;
    for (const config of CONFIGS) {
      start = performance.now();
      await timingStudy(network, samples, 50, { configs: [config], seed: 1, workers });
      const ms = (performance.now() - start) / IMAGES;
      total += ms;
      console.log(`    ${`${config.latency} ${config.barrier} ${config.inputTiming}`.padEnd(28)} ${ms.toFixed(1).padStart(6)} ms/image  ${(ms / verifyMs).toFixed(2)}× verify`);
    }
    console.log(`    → 1,000 images × ${CONFIGS.length} configurations: ${((total * 1000) / 1000 / 60).toFixed(1)} min`);
  }
}
