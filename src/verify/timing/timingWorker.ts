/** Worker side of a timing study: whole in-thread SNNs and an integer ANN, one SNN per configuration. */
import { exposeWorker } from '../../workers/expose.js';
import { timingService } from './timingService.js';

exposeWorker(timingService());
