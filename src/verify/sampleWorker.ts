/** Worker side of sample-parallel verification: a whole in-thread SNN and integer ANN per worker. */
import { exposeWorker } from '../workers/expose.js';
import { sampleService } from './sampleVerifier.js';

exposeWorker(sampleService());
