/** `npm run bench`: every benchmark, figures printed as rates and ratios measured in one run. */
import { benchAnn } from './ann.js';
import { benchSnn } from './snn.js';
import { benchTraining } from './training.js';
import { benchWorkers } from './workers.js';
import { benchTiming } from './timing.js';

const only = process.argv[2];
const sections: Record<string, () => void | Promise<void>> = { ann: benchAnn, snn: benchSnn, workers: benchWorkers, training: benchTraining, timing: benchTiming };
for (const [name, run] of Object.entries(sections)) {
  if (only && only !== name) continue;
  await run();
}
