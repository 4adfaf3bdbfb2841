/** Worker side of `spikegrad properties --workers N`: property jobs, one at a time. */
import { exposeWorker } from '../../workers/expose.js';
import { runJob } from './jobs.js';

exposeWorker({ run: runJob });
