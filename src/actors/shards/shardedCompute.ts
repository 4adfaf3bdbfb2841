/**
 * A layer whose neurons are split into shards, one per worker: every packet for the layer goes to
 * each shard (a shard integrates only the targets it owns), phases run in all shards at once, and the
 * spikes come back merged into the order the whole layer would have emitted them in (by incoming
 * event, then shard: shards own increasing neuron ranges), so a sharded run is the in-thread run.
 */
import * as Comlink from 'comlink';
import type { NeuronLayer } from '../../network/topology.js';
import { sizeOf } from '../../network/topology.js';
import type { Packet, SpikeSink } from '../../streams/packet.js';
import type { LayerCompute, LayerState } from '../compute.js';
import type { ShardApi, SpikeBatch } from './shardWorker.js';
import type { WorkerHandle } from '../../workers/pool.js';

export interface Shard {
  handle: WorkerHandle<ShardApi>;
  lo: number;
  hi: number;
}

export class ShardedCompute implements LayerCompute {
  constructor(
    private readonly position: number,
    private readonly layerIndex: number,
    private readonly layer: NeuronLayer,
    private readonly shards: Shard[],
  ) {}

  private all<T>(task: string, fn: (api: Comlink.Remote<ShardApi>, shard: Shard) => Promise<T>): Promise<T[]> {
    const what = `layer ${this.layerIndex} (${this.layer.kind}), ${task}`;
    return Promise.all(this.shards.map((s) => s.handle.call(what, (api) => fn(api, s))));
  }

  /** Merge the shards' spikes by incoming event (stable by shard); returns the accumulations. */
  private emit(batches: SpikeBatch[], out: SpikeSink | null): number {
    let accumulations = 0;
    for (const b of batches) accumulations += b.accumulations;
    if (!out) return accumulations;
    const at = batches.map(() => 0);
    for (;;) {
      let pick = -1;
      for (let s = 0; s < batches.length; s++) {
        if (at[s] < batches[s].index.length && (pick < 0 || batches[s].event[at[s]] < batches[pick].event[at[pick]])) pick = s;
      }
      if (pick < 0) return accumulations;
      const b = batches[pick];
      const event = b.event[at[pick]];
      for (; at[pick] < b.index.length && b.event[at[pick]] === event; at[pick]++) out.push(b.index[at[pick]], b.value[at[pick]]);
    }
  }

  /** The packet goes back to its pool after delivery, so each shard gets its own copy, moved not cloned. */
  private copies(p: Packet, use: (api: Comlink.Remote<ShardApi>, index: Int32Array, value: Float64Array) => Promise<SpikeBatch>) {
    return (api: Comlink.Remote<ShardApi>) => {
      const index = p.index.slice(0, p.length);
      const value = p.value.slice(0, p.length);
      return use(api, Comlink.transfer(index, [index.buffer]), Comlink.transfer(value, [value.buffer]));
    };
  }

  resetForward(): Promise<number> {
    return this.all('forward phase (reset)', (api) => api.resetForward(this.position)).then((b) => this.emit(b, null));
  }

  integrateForward(p: Packet, out: SpikeSink): Promise<number> {
    const send = this.copies(p, (api, i, v) => api.integrateForward(this.position, i, v));
    return this.all('forward standard phase', send).then((b) => this.emit(b, out));
  }

  residualForward(out: SpikeSink): Promise<number> {
    return this.all('forward residual phase', (api) => api.residualForward(this.position)).then((b) => this.emit(b, out));
  }

  startBackward(lowerS: Float64Array): Promise<number> {
    return this.all('backward phase (start)', (api) => api.startBackward(this.position, lowerS)).then((b) => this.emit(b, null));
  }

  startTopError(U0: Float64Array, out: SpikeSink): Promise<number> {
    return this.all('backward phase (top error)', (api) => api.startTopError(this.position, U0)).then((b) => this.emit(b, out));
  }

  integrateBackward(p: Packet, out: SpikeSink): Promise<number> {
    const send = this.copies(p, (api, i, v) => api.integrateBackward(this.position, i, v));
    return this.all('backward standard phase', send).then((b) => this.emit(b, out));
  }

  residualBackward(out: SpikeSink): Promise<number> {
    return this.all('backward residual phase', (api) => api.residualBackward(this.position)).then((b) => this.emit(b, out));
  }

  peekPotentials(): null {
    return null;
  }

  async state(): Promise<LayerState> {
    const parts = await this.all('collecting the final state', (api) => api.state(this.position));
    const n = sizeOf(this.layer.outShape);
    const s: LayerState = { V: new Float64Array(n), S: new Float64Array(n), E: new Float64Array(n) };
    parts.forEach((part, k) => {
      const lo = this.shards[k].lo;
      s.V.set(part.V, lo);
      s.S.set(part.S, lo);
      s.E.set(part.E, lo);
    });
    return s;
  }

  /** Shards share the layer's weights (convolutions): their increments are summed, in shard order. */
  async increments(): Promise<{ dW: Float64Array; db: Float64Array }> {
    const parts = await this.all('collecting increments', (api) => api.increments(this.position));
    const dW = new Float64Array(parts[0].dW.length);
    const db = new Float64Array(parts[0].db.length);
    for (const part of parts) {
      for (let i = 0; i < dW.length; i++) dW[i] += part.dW[i];
      for (let i = 0; i < db.length; i++) db[i] += part.db[i];
    }
    return { dW, db };
  }

  async clearIncrements(): Promise<void> {
    await this.all('clearing increments', (api) => api.clearIncrements(this.position));
  }
}
