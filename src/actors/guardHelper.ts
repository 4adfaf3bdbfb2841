/**
 * A thread that shares each counted example's range guard with this one (snnRangeGuard.ts): started
 * at the first example that needs it (networks whose worst case holds never do), given the network
 * once, then half of every example's guard work. While it runs, the shard workers are waiting for
 * the next example, so it has their core.
 */
import type { NetworkSpec } from '../network/build.js';
import { WorkerPool } from '../workers/pool.js';
import { workerModule } from '../workers/spawn.js';
import type { GuardApi } from './guardWorker.js';
import type { GuardHelper, GuardOutcome, GuardTask, TaskInputs } from './snnRangeGuard.js';

const GUARD_WORKER = workerModule(import.meta.url, 'guardWorker');

export class GuardThread implements GuardHelper {
  private pool: WorkerPool<GuardApi> | null = null;
  private ready: Promise<void> | null = null;
  private started = false;

  constructor(private readonly spec: NetworkSpec) {}

  /** Starts the thread and hands it the network, without waiting (its start-up overlaps the example). */
  prepare(): void {
    if (this.ready) return;
    const pool = (this.pool = new WorkerPool<GuardApi>('guard', GUARD_WORKER, 1));
    this.ready = pool.handles[0].call('range guard start-up', (api) => api.init(this.spec)).then(() => {
      this.started = true;
    });
    // Its failure is reported by the compute that awaits it, not as an unhandled rejection meanwhile.
    this.ready.catch(() => {});
  }

  compute(tasks: GuardTask[], inputs: TaskInputs, check: boolean): Promise<GuardOutcome[]> {
    const post = () => this.pool!.handles[0].call('the range guard of an example', (api) => api.compute(tasks, inputs, check));
    // Once started, posted now: the caller computes its own share synchronously right after this
    // returns, and a post behind an await would only leave once that share is done.
    if (this.started) return post();
    this.prepare();
    return this.ready!.then(post);
  }

  async close(): Promise<void> {
    await this.pool?.close();
  }
}
