/** `npm run bench`: every benchmark, figures printed as rates and ratios measured in one run. */
import { benchAnn } from './ann.js';
import { benchSnn } from './snn.js';
import { benchTraining } from './training.js';
import { benchWorkers } from './workers.js';
import { benchTiming } from './timing.js';
import { benchCifar } from './cifar.js';
import { ceilingText, measureCeiling } from './ceiling.js';
import { benchProperties } from './properties.js';

const only = process.argv[2];
// The machine's limits once, first: every rate and parallel figure below is held against them.
const ceiling = await measureCeiling();
console.log(`machine: plain accumulate loop ${ceiling.oneThread.toExponential(2)}/s in one thread; two independent threads ${ceilingText(ceiling)} one`);
const sections: Record<string, () => void | Promise<void>> = {
  ann: benchAnn,
  snn: () => benchSnn(ceiling),
  workers: () => benchWorkers(ceiling),
  cifar: () => benchCifar(ceiling),
  training: benchTraining,
  timing: benchTiming,
  properties: () => benchProperties(ceiling),
};
for (const [name, run] of Object.entries(sections)) {
  if (only && only !== name) continue;
  await run();
}
