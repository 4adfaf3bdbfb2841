/**
 * A layer whose neurons are split into shards: every packet for the layer goes to each shard through
 * shared memory (a shard integrates only the targets it owns), phases run in all shards at once, and
 * the spikes come back merged into the order the whole layer would have emitted them in (by incoming
 * event, then shard: shards own increasing neuron ranges), so a sharded run is the in-thread run.
 * Calls block until every shard has answered: the layer is called like one in this thread.
 *
 * Deliveries are batched where the bus can say what comes next (fifo): the packets already in
 * flight to this layer go to the shards in one call, as one long packet (events are integrated one
 * by one either way), and each delivery then takes its own spikes from the answer.
 */
import { sizeOf, type NeuronLayer } from '../../network/topology.js';
import type { SpikeBus } from '../../streams/bus.js';
import type { Envelope } from '../../streams/envelope.js';
import type { SpikeSink } from '../../streams/packet.js';
import type { LayerCompute, LayerState } from '../compute.js';
import { Op } from './shardChannel.js';
import { ShardAnswer, type ShardGroup } from './shardGroup.js';

/** Deliveries integrated ahead of time: their envelopes and where their events start in the batch. */
interface Batch {
  answer: ShardAnswer;
  seqs: number[];
  starts: number[];
  next: number;
}

const TASKS: Record<Op, string> = {
  [Op.ResetForward]: 'forward phase (reset)',
  [Op.IntegrateForward]: 'forward standard phase',
  [Op.ResidualForward]: 'forward residual phase',
  [Op.StartBackward]: 'backward phase (start)',
  [Op.StartTopError]: 'backward phase (top error)',
  [Op.IntegrateBackward]: 'backward standard phase',
  [Op.ResidualBackward]: 'backward residual phase',
  [Op.State]: 'collecting the final state',
  [Op.Increments]: 'collecting increments',
  [Op.ClearIncrements]: 'clearing increments',
  [Op.Stop]: 'stopping',
};

export class ShardedCompute implements LayerCompute {
  /** The shards that own neurons of this layer, in increasing neuron order. */
  private readonly workers: number[];

  constructor(
    private readonly position: number,
    private readonly layerIndex: number,
    private readonly layer: NeuronLayer,
    private readonly group: ShardGroup,
    /** [lo, hi) owned by shard k (null: none). */
    private readonly ranges: readonly (readonly [number, number] | null)[],
    private readonly bus: SpikeBus,
  ) {
    this.workers = ranges.flatMap((r, k) => (r ? [k] : []));
    const n = sizeOf(layer.outShape);
    this.gathered = { V: new Float64Array(n), S: new Float64Array(n), E: new Float64Array(n) };
  }

  private readonly batch: Batch = { answer: new ShardAnswer(), seqs: [], starts: [], next: 0 };
  private readonly gathered: LayerState;

  private call(op: Op, count = 0): number {
    return this.group.call(op, this.position, count, this.workers, `layer ${this.layerIndex} (${this.layer.kind}), ${TASKS[op]}`);
  }

  /** Deliver an envelope: from the batch it was integrated in, or in a new batch with what follows it. */
  private deliver(op: Op, e: Envelope, out: SpikeSink): number {
    const b = this.batch;
    if (b.next < b.seqs.length) {
      if (b.seqs[b.next] !== e.seq) throw new Error(`layer ${this.layerIndex}: delivery ${e.seq} came instead of ${b.seqs[b.next]}, which was integrated ahead`);
      b.next++;
      b.answer.readUpTo(out, b.starts[b.next]);
      return 0;
    }
    const { index, value } = this.group.broadcast;
    const p = e.packet!;
    if (p.length > index.length) return this.deliverInPieces(op, e, out);
    const ahead = this.bus.upcoming(e.channel, index.length - p.length);
    if (ahead.length === 0) {
      index.set(p.index.subarray(0, p.length));
      value.set(p.value.subarray(0, p.length));
      const accumulations = this.call(op, p.length);
      this.group.mergeSpikes(this.workers, out);
      return accumulations;
    }
    b.seqs = [e.seq];
    b.starts = [0];
    let events = 0;
    for (const next of [e, ...ahead]) {
      const q = next.packet!;
      index.set(q.index.subarray(0, q.length), events);
      value.set(q.value.subarray(0, q.length), events);
      events += q.length;
      if (next !== e) b.seqs.push(next.seq);
      b.starts.push(events);
    }
    const accumulations = this.call(op, events);
    b.answer.clear();
    this.group.mergeSpikes(this.workers, b.answer);
    b.next = 1;
    b.answer.readUpTo(out, b.starts[1]);
    return accumulations;
  }

  /** A packet longer than the shared input goes in pieces: events are integrated one by one, in order, either way. */
  private deliverInPieces(op: Op, e: Envelope, out: SpikeSink): number {
    const { index, value } = this.group.broadcast;
    const p = e.packet!;
    let accumulations = 0;
    for (let at = 0; at < p.length; at += index.length) {
      const n = Math.min(index.length, p.length - at);
      index.set(p.index.subarray(at, at + n));
      value.set(p.value.subarray(at, at + n));
      accumulations += this.call(op, n);
      this.group.mergeSpikes(this.workers, out);
    }
    return accumulations;
  }

  private withArray(op: Op, values: ArrayLike<number>): number {
    this.group.broadcast.array.set(values);
    return this.call(op, values.length);
  }

  resetForward(): number {
    this.batch.seqs = [];
    this.batch.next = 0;
    return this.call(Op.ResetForward);
  }

  integrateForward(e: Envelope, out: SpikeSink): number {
    return this.deliver(Op.IntegrateForward, e, out);
  }

  residualForward(out: SpikeSink): number {
    const accumulations = this.call(Op.ResidualForward);
    this.group.mergeSpikes(this.workers, out);
    return accumulations;
  }

  startBackward(lowerS: Float64Array): number {
    return this.withArray(Op.StartBackward, lowerS);
  }

  startTopError(U0: Float64Array, out: SpikeSink): number {
    const accumulations = this.withArray(Op.StartTopError, U0);
    this.group.mergeSpikes(this.workers, out);
    return accumulations;
  }

  integrateBackward(e: Envelope, out: SpikeSink): number {
    return this.deliver(Op.IntegrateBackward, e, out);
  }

  residualBackward(out: SpikeSink): number {
    const accumulations = this.call(Op.ResidualBackward);
    this.group.mergeSpikes(this.workers, out);
    return accumulations;
  }

  peekPotentials(): null {
    return null;
  }

  /**
   * Each worker sends V, S, E of its own neurons, one after the other, into arrays kept for the
   * purpose: valid until the next call, as a layer in this thread hands out its live ones.
   */
  state(): LayerState {
    this.call(Op.State);
    const s = this.gathered;
    for (const k of this.workers) {
      const [lo, hi] = this.ranges[k]!;
      const floats = this.group.floatsOf(k), m = hi - lo;
      s.V.set(floats.subarray(0, m), lo);
      s.S.set(floats.subarray(m, 2 * m), lo);
      s.E.set(floats.subarray(2 * m, 3 * m), lo);
    }
    return s;
  }

  /** Shards share the layer's weights (convolutions): their increments are summed, in shard order. */
  increments(): { dW: Float64Array; db: Float64Array } {
    this.call(Op.Increments);
    const weighted = this.layer.kind !== 'avgpool';
    const dW = new Float64Array(weighted ? this.layer.weights.length : 0);
    const db = new Float64Array(weighted ? this.layer.bias.length : 0);
    for (const k of this.workers) {
      const floats = this.group.floatsOf(k);
      for (let i = 0; i < dW.length; i++) dW[i] += floats[i];
      for (let i = 0; i < db.length; i++) db[i] += floats[dW.length + i];
    }
    return { dW, db };
  }

  clearIncrements(): void {
    this.call(Op.ClearIncrements);
  }

  /** Shards hold their own copies of the weights: on-line training runs in one thread. */
  weightsChanged(): void {
    throw new Error('the weights of a sharded network cannot change: run on-line training in one thread');
  }
}
