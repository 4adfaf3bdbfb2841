/**
 * The neuron rule of SpikeGrad (docs/algorithm.md §3–§4) for the neurons [lo, hi) of one layer, on typed arrays.
 * It integrates packets, fires through the standard and residual functions, runs the error compartment
 * and accumulates weight increments. It knows nothing of actors, streams or workers: spikes leave
 * through a SpikeSink, and whoever calls it decides when each phase runs.
 */
import { biasIndex, fanIn, fanOut, weightsOf, type Synapses } from '../../network/connectivity.js';
import { sizeOf, type Conv2dLayer, type NeuronLayer } from '../../network/topology.js';
import type { PacketView, SpikeSink } from '../../streams/packet.js';
import { residualSpike, standardSpike } from './spikeFunctions.js';

/** A sink for calls that never fire. */
const DISCARD: SpikeSink = { push: () => {} };

/** `single`: one evaluation of the standard function per incoming event (the paper); `burst`: fire until quiet. */
export type SpikePolicy = 'single' | 'burst';

export interface NeuronLayerOptions {
  policy: SpikePolicy;
  /** The classification layer integrates but never emits forward spikes. */
  isTop: boolean;
  /** The layer above (whose error spikes this layer receives), or null for the top layer. */
  upper: NeuronLayer | null;
  /** Owned neurons [lo, hi) (default: the whole layer). */
  lo?: number;
  hi?: number;
}

export class NeuronLayerKernel {
  readonly lo: number;
  readonly hi: number;
  /**
   * Forward compartment V, accumulated output S, error compartment U, and the transmitted error E: the
   * net count of error spikes (a neuron with f' = 0 never fires, so it is the gated count too).
   */
  readonly V: Float64Array;
  readonly S: Float64Array;
  readonly U: Float64Array;
  readonly E: Float64Array;
  readonly fPrime: Uint8Array;
  /** Increments of the weights and biases, summed over this kernel's neurons and examples. */
  readonly dW: Float64Array;
  readonly db: Float64Array;
  /** Synaptic accumulations performed (forward: into V here; backward: by this layer's error spikes). */
  accumulations = 0;

  private readonly theta: number;
  private readonly thetaBp: number;
  private readonly relu: boolean;
  private readonly burst: boolean;
  private readonly isTop: boolean;
  private readonly weights: Float64Array;
  private readonly hasParams: boolean;
  /** Rows by input j: targets among our neurons. */
  readonly inbound: Synapses;
  /** Rows by our neuron (global index): its inputs, for increments. */
  readonly ownFanIn: Synapses;
  /** Rows by upper neuron k: our neurons it feeds back into, and the upper weights. */
  private readonly errorInbound: Synapses | null;
  private readonly upperWeights: Float64Array | null;
  /** Values feeding this layer (input or S below), needed for increments. */
  private lowerS: Float64Array = new Float64Array(0);
  /** Convolutions owning whole output channels integrate by index arithmetic instead of synapse lists. */
  private readonly conv: ConvFanOut | null;

  constructor(
    readonly layer: NeuronLayer,
    options: NeuronLayerOptions,
  ) {
    const size = sizeOf(layer.outShape);
    this.lo = options.lo ?? 0;
    this.hi = options.hi ?? size;
    const n = this.hi - this.lo;
    this.V = new Float64Array(n);
    this.S = new Float64Array(n);
    this.U = new Float64Array(n);
    this.E = new Float64Array(n);
    this.fPrime = new Uint8Array(n);
    this.theta = layer.theta;
    this.thetaBp = layer.thetaBp;
    this.relu = layer.activation === 'relu' && !options.isTop;
    this.burst = options.policy === 'burst';
    this.isTop = options.isTop;
    this.weights = weightsOf(layer);
    this.hasParams = layer.kind !== 'avgpool';
    this.dW = new Float64Array(this.hasParams ? this.weights.length : 0);
    this.db = new Float64Array(layer.kind === 'avgpool' ? 0 : layer.bias.length);
    this.inbound = fanOut(layer, this.lo, this.hi);
    this.ownFanIn = fanIn(layer);
    this.errorInbound = options.upper ? fanIn(options.upper, this.lo, this.hi) : null;
    this.upperWeights = options.upper ? weightsOf(options.upper) : null;
    this.conv = layer.kind === 'conv2d' ? ConvFanOut.forRange(layer, this.lo, this.hi) : null;
  }

  /** Start of an example: V = b (the bias enters once, as the initial potential), S = U = E = 0. */
  resetForward(): void {
    // Weights may have changed since the last example (on-line training).
    this.conv?.refreshWeights();
    for (let i = 0; i < this.V.length; i++) {
      const b = biasIndex(this.layer, this.lo + i);
      this.V[i] = b < 0 ? 0 : (this.layer as { bias: Float64Array }).bias[b];
    }
    this.S.fill(0);
    this.U.fill(0);
    this.E.fill(0);
    this.fPrime.fill(0);
  }

  clearIncrements(): void {
    this.dW.fill(0);
    this.db.fill(0);
  }

  /** Forward standard phase: add w·value for every event and let the receivers fire. */
  integrateForward(p: PacketView, out: SpikeSink): void {
    this.integrate(p, out, !this.isTop);
  }

  /** Add w·value for every event without firing (replaying spikes that a log says were sent). */
  accumulateForward(p: PacketView): void {
    this.integrate(p, DISCARD, false);
  }

  private integrate(p: PacketView, out: SpikeSink, fire: boolean): void {
    if (this.conv) return this.integrateConv(this.conv, p, out, fire);
    const { start, pairs } = this.inbound;
    const w = this.weights, V = this.V;
    const theta = this.theta;
    for (let e = 0; e < p.length; e++) {
      const j = p.index[e];
      const x = p.value[e];
      this.accumulations += start[j + 1] - start[j];
      const end = 2 * start[j + 1];
      for (let k = 2 * start[j]; k < end; k += 2) {
        const i = pairs[k];
        const v = (V[i] += x * w[pairs[k + 1]]);
        // Only a potential at or past ±Θ can fire: test that inline, call out only then.
        if ((v >= theta || v <= -theta) && fire) this.fireForward(i, out);
      }
    }
  }

  /** The same accumulations as the synapse lists give, found from the input's position. */
  private integrateConv(cv: ConvFanOut, p: PacketView, out: SpikeSink, fire: boolean): void {
    const V = this.V, wt = cv.transposed, theta = this.theta, start = this.inbound.start;
    const { k, stride, padding, inH, inW, outH, outW, channels } = cv;
    const plane = outH * outW, inPlane = inH * inW;
    for (let e = 0; e < p.length; e++) {
      const j = p.index[e];
      const x = p.value[e];
      this.accumulations += start[j + 1] - start[j];
      const c = Math.floor(j / inPlane);
      const iy = Math.floor((j - c * inPlane) / inW);
      const ix = j - c * inPlane - iy * inW;
      for (let ky = 0; ky < k; ky++) {
        const ty = iy + padding - ky;
        if (ty < 0 || ty % stride !== 0 || ty / stride >= outH) continue;
        for (let kx = 0; kx < k; kx++) {
          const tx = ix + padding - kx;
          if (tx < 0 || tx % stride !== 0 || tx / stride >= outW) continue;
          const at = (ty / stride) * outW + tx / stride;
          const wBase = ((c * k + ky) * k + kx) * channels;
          for (let q = 0; q < channels; q++) {
            const i = q * plane + at;
            const v = (V[i] += x * wt[wBase + q]);
            if ((v >= theta || v <= -theta) && fire) this.fireForward(i, out);
          }
        }
      }
    }
  }

  private fireForward(i: number, out: SpikeSink): void {
    const V = this.V, S = this.S, theta = this.theta;
    do {
      const s = standardSpike(V[i], theta, S[i], this.relu);
      if (s === 0) return;
      V[i] -= s * theta;
      S[i] += s;
      out.push(this.lo + i, s);
    } while (this.burst);
  }

  /** A forward spike s of our neuron `neuron` (global index) taken from a log: V −= s·Θ, S += s. */
  applyForwardSpike(neuron: number, s: number): void {
    const i = neuron - this.lo;
    this.V[i] -= s * this.theta;
    this.S[i] += s;
  }

  /** Forward residual phase: fire each neuron through the residual function until it returns 0. */
  residualForward(out: SpikeSink): void {
    if (this.isTop) return;
    const V = this.V, S = this.S, theta = this.theta;
    for (let i = 0; i < V.length; i++) {
      for (let s = residualSpike(V[i], theta, S[i], this.relu); s !== 0; s = residualSpike(V[i], theta, S[i], this.relu)) {
        V[i] -= s * theta;
        S[i] += s;
        out.push(this.lo + i, s);
      }
    }
  }

  /** After the forward pass: surrogate derivatives f' from final states, and the values below for increments. */
  startBackward(lowerS: Float64Array): void {
    this.lowerS = lowerS;
    for (let i = 0; i < this.V.length; i++) {
      // relu: f' = 1 when the total integrated input a = V + Θ·S is positive.
      this.fPrime[i] = !this.relu || this.V[i] + this.theta * this.S[i] > 0 ? 1 : 0;
    }
  }

  /** The classification layer's error compartment starts at U^L; it then fires like any error neuron. */
  startTopError(U0: ArrayLike<number>, out: SpikeSink): void {
    this.loadTopError(U0);
    for (let i = 0; i < this.U.length; i++) this.fireError(i, out);
  }

  /** U = U^L without firing (replaying a log, whose error spikes follow). */
  loadTopError(U0: ArrayLike<number>): void {
    for (let i = 0; i < this.U.length; i++) this.U[i] = U0[this.lo + i];
  }

  /** Backward standard phase: error spikes δ from neuron k above add w_kj·δ to U_j. */
  integrateBackward(p: PacketView, out: SpikeSink): void {
    this.integrateErrors(p, out, true);
  }

  /** Add w_kj·δ for every error spike without firing (replaying a log). */
  accumulateBackward(p: PacketView): void {
    this.integrateErrors(p, DISCARD, false);
  }

  private integrateErrors(p: PacketView, out: SpikeSink, fire: boolean): void {
    const { start, pairs } = this.errorInbound!;
    const w = this.upperWeights!, U = this.U, fPrime = this.fPrime;
    const thetaBp = this.thetaBp;
    for (let e = 0; e < p.length; e++) {
      const k = p.index[e];
      const delta = p.value[e];
      const end = 2 * start[k + 1];
      for (let r = 2 * start[k]; r < end; r += 2) {
        const j = pairs[r];
        const u = (U[j] += w[pairs[r + 1]] * delta);
        if ((u >= thetaBp || u <= -thetaBp) && fire && fPrime[j] === 1) this.fireError(j, out);
      }
    }
  }

  private fireError(i: number, out: SpikeSink): void {
    if (this.fPrime[i] === 0) return;
    const U = this.U, E = this.E, thetaBp = this.thetaBp;
    do {
      const z = standardSpike(U[i], thetaBp, E[i], false);
      if (z === 0) return;
      this.emitError(i, z, out);
    } while (this.burst);
  }

  /** Backward residual phase (top-down, once everything above is quiet). */
  residualBackward(out: SpikeSink): void {
    const U = this.U, E = this.E, thetaBp = this.thetaBp;
    for (let i = 0; i < U.length; i++) {
      if (this.fPrime[i] === 0) continue;
      for (let z = residualSpike(U[i], thetaBp, E[i], false); z !== 0; z = residualSpike(U[i], thetaBp, E[i], false)) {
        this.emitError(i, z, out);
      }
    }
  }

  /** U −= z·Θbp, E += z, send δ = z down, and add −δ·S_j to Δw_ij for every input j, −δ to Δb_i. */
  private emitError(i: number, z: number, out: SpikeSink): void {
    this.applyErrorSpike(this.lo + i, z);
    out.push(this.lo + i, z);
  }

  /** An error spike z of our neuron `neuron` (global index): U −= z·Θbp, E += z, and its increments. */
  applyErrorSpike(neuron: number, z: number): void {
    const i = neuron - this.lo;
    this.U[i] -= z * this.thetaBp;
    this.E[i] += z;
    const g = neuron;
    const { start, pairs } = this.ownFanIn;
    this.accumulations += start[g + 1] - start[g];
    if (!this.hasParams) return;
    const dW = this.dW, x = this.lowerS;
    const end = 2 * start[g + 1];
    for (let r = 2 * start[g]; r < end; r += 2) dW[pairs[r + 1]] -= z * x[pairs[r]];
    this.db[biasIndex(this.layer, g)] -= z;
  }
}

/**
 * The kernel of neuron layer `l` of `layers` (bottom to top) for its neurons [lo, hi) (default: all):
 * the one place a kernel is built, in this thread or in a shard.
 */
export function layerKernel(layers: readonly NeuronLayer[], l: number, policy: SpikePolicy, range?: readonly [number, number]): NeuronLayerKernel {
  const L = layers.length - 1;
  return new NeuronLayerKernel(layers[l], { policy, isTop: l === L, upper: l < L ? layers[l + 1] : null, lo: range?.[0], hi: range?.[1] });
}

/**
 * Forward fan-out of a convolution for the output channels [oLo, oHi): the input's position gives its
 * targets directly, and a copy of the weights laid out [c][ky][kx][o] makes the innermost loop run over
 * contiguous weights.
 */
class ConvFanOut {
  readonly k: number;
  readonly stride: number;
  readonly padding: number;
  readonly inH: number;
  readonly inW: number;
  readonly outH: number;
  readonly outW: number;
  readonly channels: number;
  readonly transposed: Float64Array;

  private constructor(
    private readonly layer: Conv2dLayer,
    private readonly oLo: number,
    oHi: number,
  ) {
    this.k = layer.kernel;
    this.stride = layer.stride;
    this.padding = layer.padding;
    [, this.inH, this.inW] = layer.inShape;
    [, this.outH, this.outW] = layer.outShape;
    this.channels = oHi - oLo;
    this.transposed = new Float64Array(layer.inShape[0] * this.k * this.k * this.channels);
    this.refreshWeights();
  }

  /** Only for neuron ranges made of whole output channels. */
  static forRange(layer: Conv2dLayer, lo: number, hi: number): ConvFanOut | null {
    const plane = layer.outShape[1] * layer.outShape[2];
    if (lo % plane !== 0 || hi % plane !== 0) return null;
    return new ConvFanOut(layer, lo / plane, hi / plane);
  }

  refreshWeights(): void {
    const w = this.layer.weights, t = this.transposed, n = this.channels;
    const taps = this.layer.inShape[0] * this.k * this.k;
    for (let q = 0; q < n; q++) {
      const row = (this.oLo + q) * taps;
      for (let tap = 0; tap < taps; tap++) t[tap * n + q] = w[row + tap];
    }
  }
}
