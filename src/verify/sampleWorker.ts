/** Worker side of sample-parallel verification: a whole in-thread SNN and integer ANN per worker. */
import * as Comlink from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import { parentPort } from 'node:worker_threads';
import { sampleService } from './sampleVerifier.js';

if (parentPort) Comlink.expose(sampleService(), nodeEndpoint(parentPort));
