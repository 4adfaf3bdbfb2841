/** Worker side of sample-parallel verification: a whole in-thread SNN and integer ANN per worker. */
import * as Comlink from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import { parentPort } from 'node:worker_threads';
import { createSampleService } from '../verify.js';

const service = createSampleService();
export type SampleApi = typeof service;

if (parentPort) Comlink.expose(service, nodeEndpoint(parentPort));
