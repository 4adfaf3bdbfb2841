// Under tsx/vitest a worker cannot start from a .ts file: register tsx in the worker, then load it.
import { register } from 'tsx/esm/api';
import { workerData } from 'node:worker_threads';

register();
await import(workerData.module);
