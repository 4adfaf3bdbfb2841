/**
 * Worker threads behind Comlink, with failure handling: a worker that throws or exits makes every
 * call on it fail at once with an error naming the worker and what it was doing, and the whole pool
 * is terminated so no thread is left keeping Node alive.
 */
import * as Comlink from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import type { Worker } from 'node:worker_threads';
import { WorkerError } from '../errors.js';
import { faultFor, type PoolKind } from './faults.js';
import { spawnWorker } from './spawn.js';

export class WorkerHandle<Api> {
  readonly api: Comlink.Remote<Api>;
  private failure: Error | null = null;
  private readonly death: Promise<never>;
  private rejectDeath!: (e: Error) => void;

  constructor(
    readonly id: number,
    readonly worker: Worker,
    private readonly onDeath: (handle: WorkerHandle<Api>) => void,
  ) {
    this.api = Comlink.wrap<Api>(nodeEndpoint(worker));
    this.death = new Promise<never>((_, reject) => (this.rejectDeath = reject));
    this.death.catch(() => {});
    worker.on('error', (e) => this.die(`threw ${e instanceof Error ? e.message : String(e)}`));
    worker.on('exit', (code) => this.die(`exited with code ${code}`));
  }

  private die(how: string): void {
    if (this.failure) return;
    this.failure = new Error(how);
    this.rejectDeath(this.failure);
    this.onDeath(this);
  }

  get dead(): boolean {
    return this.failure !== null;
  }

  /** Call into the worker; any failure is reported as a WorkerError naming worker and task. */
  async call<T>(task: string, fn: (api: Comlink.Remote<Api>) => Promise<T>): Promise<T> {
    if (this.failure) throw new WorkerError(`worker ${this.id} is gone (${this.failure.message}); it was needed for ${task}`);
    try {
      return await Promise.race([fn(this.api), this.death]);
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      throw new WorkerError(`worker ${this.id} failed during ${task}: ${message}`);
    }
  }
}

export class WorkerPool<Api> {
  readonly handles: WorkerHandle<Api>[];
  private closed = false;

  constructor(
    readonly kind: PoolKind,
    module: URL,
    size: number,
  ) {
    this.handles = Array.from({ length: size }, (_, id) => new WorkerHandle<Api>(id, spawnWorker(module, { fault: faultFor(kind, id) }), () => void this.close()));
  }

  get size(): number {
    return this.handles.length;
  }

  /** Terminate every worker (idempotent); called on the first death and when the user is done. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(
      this.handles.map(async (h) => {
        h.api[Comlink.releaseProxy]();
        await h.worker.terminate();
      }),
    );
  }
}
