/** Integer ANN throughput on the MNIST topology (target ≥ 150 images/s forward+backward on one core). */
import { IntegerAnn } from '../src/equivalence/integerAnn.js';
import { mnistFixture, rate } from './mnistFixture.js';

export function benchAnn(): void {
  const { network, test, image } = mnistFixture();
  const ann = new IntegerAnn(network);
  const forward = rate((i) => ann.forward(image(i), 50));
  const full = rate((i) => {
    ann.run(image(i), test.labels[i % test.count], 50);
    if (i % 32 === 31) ann.clearIncrements();
  });
  console.log('integer ANN, MNIST 28x28-15C5-P2-40C5-P2-300-10, one core');
  console.log(`  forward:          ${forward.toFixed(0)} images/s`);
  console.log(`  forward+backward: ${full.toFixed(0)} images/s (target ≥ 150)`);
}
