/**
 * What one shard does for one call, the same in every thread: the kernels of the neurons it owns, and
 * the calls of the shard channel (shardChannel.ts) run on them. The calling thread runs its own shard
 * with this, and each worker thread its own.
 */
import { sizeOf, type NeuronLayer } from '../../network/topology.js';
import type { SpikeSink } from '../../streams/packet.js';
import { layerKernel, type NeuronLayerKernel, type SpikePolicy } from '../kernels/neuronLayer.js';
import { Op, type BroadcastBuffers } from './shardChannel.js';

/** Where a shard's answer goes: spikes tagged with the incoming event they answer, and floats. */
export interface ShardOutput extends SpikeSink {
  event: number;
  floats(values: Float64Array): void;
}

export class ShardKernels {
  private readonly kernels: (NeuronLayerKernel | null)[];
  /** Each layer's values below, copied (the broadcast array is overwritten by the next call) into an array of its own. */
  private readonly lowerS: Float64Array[];

  constructor(layers: readonly NeuronLayer[], ranges: readonly (readonly [number, number] | null)[], policy: SpikePolicy) {
    this.kernels = layers.map((_, l) => (ranges[l] ? layerKernel(layers, l, policy, ranges[l]!) : null));
    this.lowerS = layers.map((layer, l) => new Float64Array(ranges[l] ? sizeOf(layer.inShape) : 0));
  }

  private kernel(l: number): NeuronLayerKernel {
    const k = this.kernels[l];
    if (!k) throw new Error(`this shard owns no neuron of layer ${l}`);
    return k;
  }

  /** Run `op` on layer `l` with the broadcast input (`count` events or values); returns the accumulations. */
  run(op: Op, l: number, input: BroadcastBuffers, count: number, out: ShardOutput): number {
    const k = this.kernel(l);
    const before = k.accumulations;
    const packet = { index: input.index, value: input.value, length: count };
    switch (op) {
      case Op.ResetForward: k.resetForward(); break;
      case Op.IntegrateForward: k.integrateForward(packet, out); break;
      case Op.ResidualForward: k.residualForward(out); break;
      case Op.StartBackward:
        if (count !== this.lowerS[l].length) throw new Error(`layer ${l}: ${count} values below, expected ${this.lowerS[l].length}`);
        this.lowerS[l].set(input.array.subarray(0, count));
        k.startBackward(this.lowerS[l]);
        break;
      case Op.StartTopError: k.startTopError(input.array.subarray(0, count), out); break;
      case Op.IntegrateBackward: k.integrateBackward(packet, out); break;
      case Op.ResidualBackward: k.residualBackward(out); break;
      case Op.State: out.floats(k.V); out.floats(k.S); out.floats(k.E); break;
      case Op.Increments: out.floats(k.dW); out.floats(k.db); break;
      case Op.ClearIncrements: k.clearIncrements(); break;
      default: throw new Error(`unknown shard call ${op}`);
    }
    return k.accumulations - before;
  }
}
