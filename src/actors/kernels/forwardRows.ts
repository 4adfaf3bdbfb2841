/**
 * How a spike (or input event) of source j reaches the neurons [lo, hi) of the layer above: as
 * rows of targets and weights, laid out once per layer so that integrating an event does no index
 * arithmetic the row could hold. Dense: the column of W, stored as a row. Convolution: per input
 * position the (output position, kernel tap) pairs, and the weights laid out [c][tap][o] so that the
 * innermost loop runs over contiguous weights of all output channels. Pooling: the one target of
 * each source.
 *
 * `accumulate` adds x·w to V for every target of j and records the targets whose potential reached
 * Θ, or fell to their lower firing bound, in `crossings`, in increasing neuron index (so that a layer
 * split into shards emits the same spikes in the same order as the whole layer); it returns how many.
 * Dense and convolution rows of a layer that is not small keep their weights and the layer's
 * compartments in a memory of their own (wasm/rowMemory.ts), where the loops of wasm/rows.wat add them
 * without bounds checks (RowPlacement); otherwise, or given other arrays, the same arithmetic runs as
 * JavaScript. A wide convolution's memory keeps the compartments channels last (`storage` says where
 * each neuron's lies); the crossings are neuron indices whatever the layout.
 */
import type { AvgPoolLayer, Conv2dLayer, DenseLayer, NeuronLayer } from '../../network/topology.js';
import { sizeOf } from '../../network/topology.js';
import { RowMemory, type RowLoops } from './wasm/rowMemory.js';

/** A compartment array: float64, or int32 where the rows' narrow compartments hold it. */
export type Compartment = Float64Array | Int32Array;

export interface ForwardRows {
  /** Longest row (for the crossings buffer). */
  readonly maxRow: number;
  /** Synapses from each source into our neurons (the accumulations an event costs). */
  readonly rowLengths: Int32Array;
  /**
   * `lowerFire[i]`: the potential at or below which neuron i may fire −1 (−Θ, or −∞ for a relu neuron
   * whose count is 0, so that inactive neurons sitting far below −Θ cost no call per event). One
   * array read instead of testing S: which neurons are inactive is data, and a branch on it mispredicts
   * (2.9 against 2.05 ns per accumulation on conv2 of the MNIST topology).
   *
   * Both bounds are tested at once: v is outside (lowerFire, θ) exactly when (v − lowerFire)·(θ − v)
   * is not positive. The signs are exact (a correctly rounded difference of integers has the sign of
   * the exact one, and products of integers ≥ 1 do not underflow); ∞·0 = NaN at v = θ with an
   * infinite bound, and NaN is not positive either. One branch instead of two: 3.7 → 3.4 ns per
   * accumulation on conv2 while it fires.
   */
  accumulate(j: number, x: number, V: Compartment, lowerFire: Compartment, theta: number, crossings: Int32Array): number;
  /** The layer's weights may have changed (on-line training): lay them out again. */
  refresh(): void;
  /**
   * The compartment V of our neurons and their lower firing bounds, where `accumulate` is fastest:
   * neuron i's at `storage[i]`, or at i where `storage` is null (crossings are neuron indices either way).
   */
  readonly V: Float64Array;
  readonly lowerFire: Float64Array;
  /** All −∞, for integrating without firing: pass it as `lowerFire` (with θ = ∞). */
  readonly neverFires: Float64Array;
  readonly storage: Int32Array | null;
  /** The same compartments as int32, where the rows have a faster loop for them (else null): see NarrowCompartments. */
  readonly narrow: NarrowCompartments | null;
}

/** The largest |V| of int32 compartments: −2^31 stands for a lower bound of −∞ and 2^31 − 1 for θ = ∞. */
export const NARROW_MAX = 2 ** 31 - 2;
/** lowerFire of int32 compartments where the neuron may not fire −1 (−∞ in float64 ones). */
export const NARROW_NO_LOWER = -(2 ** 31);

/**
 * V, lowerFire and neverFires as int32, laid out as the float64 ones (`storage`), which `accumulate`
 * adds to in four lanes instead of two. Exact while every |V| stays within NARROW_MAX: a potential
 * is at most |b| + Σ|x·w| over the events that reached it, plus a Θ of its own firing, so whoever
 * integrates keeps Σ|x| over an example's events (integers) within `allowance` and moves to the
 * float64 compartments (copying V and lowerFire) before it would pass it.
 */
export interface NarrowCompartments {
  readonly V: Int32Array;
  readonly lowerFire: Int32Array;
  readonly neverFires: Int32Array;
  /** Σ|x| over one example's events that the int32 compartments take (−1: none; the weights or biases are too large). */
  readonly allowance: number;
}

/** The allowance of int32 compartments for a layer with these weights, biases and threshold. */
function narrowAllowance(weights: ArrayLike<number>, bias: ArrayLike<number>, theta: number): number {
  let maxW = 0, maxB = 0;
  for (let i = 0; i < weights.length; i++) maxW = Math.max(maxW, Math.abs(weights[i]));
  for (let i = 0; i < bias.length; i++) maxB = Math.max(maxB, Math.abs(bias[i]));
  const room = NARROW_MAX - maxB - theta - 1;
  return maxW > 2 ** 30 || room < 0 ? -1 : Math.floor(room / Math.max(maxW, 1));
}

/**
 * Where rows keep their arrays: `memory`, a row memory with its wasm loops; `heap`, the JavaScript
 * heap; `auto`, a row memory for layers of at least ROW_MEMORY_FROM bytes (a memory and its instance
 * cost some 70 µs to make: more than a small layer ever gains, and property runs build thousands).
 * Arrays too big for one memory stay on the heap whatever is asked.
 */
export type RowPlacement = 'auto' | 'memory' | 'heap';

const ROW_MEMORY_FROM = 64 * 1024;

class RowArrays {
  readonly memory: RowMemory | null;
  readonly loops: RowLoops | null;

  constructor(float64s: readonly number[], int32s: readonly number[], placement: RowPlacement) {
    const bytes = [...float64s.map((n) => n * 8), ...int32s.map((n) => n * 4)];
    const wanted = placement === 'memory' || (placement === 'auto' && bytes.reduce((t, n) => t + n, 0) >= ROW_MEMORY_FROM);
    this.memory = wanted ? RowMemory.forArrays(bytes) : null;
    this.loops = this.memory?.loops ?? null;
  }

  float64(length: number): Float64Array {
    return this.memory?.float64(length) ?? new Float64Array(length);
  }

  int32(length: number): Int32Array {
    return this.memory?.int32(length) ?? new Int32Array(length);
  }
}

/** The compartments of `neurons` targets in `arrays`: V, lowerFire and neverFires. */
function compartments(arrays: RowArrays, neurons: number) {
  return { V: arrays.float64(neurons), lowerFire: arrays.float64(neurons), neverFires: arrays.float64(neurons).fill(-Infinity) };
}

/** Dense: source j feeds every unit; the weights of column j, contiguous. Targets are local indices. */
class DenseRows implements ForwardRows {
  readonly storage = null;
  readonly narrow = null;
  readonly maxRow: number;
  readonly rowLengths: Int32Array;
  readonly V: Float64Array;
  readonly lowerFire: Float64Array;
  readonly neverFires: Float64Array;
  private readonly columns: Float64Array;
  private readonly inputs: number;
  private readonly loops: RowLoops | null;
  /** Where the wasm loop writes crossings (in its memory). */
  private readonly found: Int32Array;

  constructor(
    private readonly layer: DenseLayer,
    private readonly lo: number,
    private readonly hi: number,
    placement: RowPlacement,
  ) {
    this.inputs = sizeOf(layer.inShape);
    this.maxRow = hi - lo;
    this.rowLengths = new Int32Array(this.inputs).fill(this.maxRow);
    const m = this.maxRow;
    const arrays = new RowArrays([this.inputs * m, 3 * m], [m], placement);
    this.loops = arrays.loops;
    this.columns = arrays.float64(this.inputs * m);
    ({ V: this.V, lowerFire: this.lowerFire, neverFires: this.neverFires } = compartments(arrays, m));
    this.found = arrays.int32(m);
    this.refresh();
  }

  refresh(): void {
    const { weights } = this.layer;
    const n = this.inputs, m = this.maxRow, t = this.columns;
    for (let i = 0; i < m; i++) {
      const row = (this.lo + i) * n;
      for (let j = 0; j < n; j++) t[j * m + i] = weights[row + j];
    }
  }

  accumulate(j: number, x: number, V: Compartment, lowerFire: Compartment, theta: number, crossings: Int32Array): number {
    const m = this.maxRow;
    if (this.loops !== null && V === this.V && (lowerFire === this.lowerFire || lowerFire === this.neverFires)) {
      if (m === 0) return 0;
      const vPtr = V.byteOffset, found = this.found;
      const n = this.loops.row(this.columns.byteOffset + j * m * 8, vPtr, m, lowerFire.byteOffset - vPtr, vPtr, found.byteOffset, x, theta);
      for (let k = 0; k < n; k++) crossings[k] = found[k];
      return n;
    }
    const w = this.columns, base = j * m;
    let n = 0;
    for (let i = 0; i < m; i++) {
      const v = (V[i] += x * w[base + i]);
      if (!((v - lowerFire[i]) * (theta - v) > 0)) crossings[n++] = i;
    }
    return n;
  }
}

/**
 * Output positions and kernel taps each input position reaches (padding and stride resolved once),
 * in increasing output position.
 */
function positionTaps(inH: number, inW: number, outH: number, outW: number, k: number, stride: number, padding: number) {
  const start = new Int32Array(inH * inW + 1);
  const at: number[] = [];
  const tap: number[] = [];
  for (let iy = 0; iy < inH; iy++) {
    for (let ix = 0; ix < inW; ix++) {
      // Larger ky, kx reach smaller output positions: walk them downwards.
      for (let ky = k - 1; ky >= 0; ky--) {
        const ty = iy + padding - ky;
        if (ty < 0 || ty % stride !== 0 || ty / stride >= outH) continue;
        for (let kx = k - 1; kx >= 0; kx--) {
          const tx = ix + padding - kx;
          if (tx < 0 || tx % stride !== 0 || tx / stride >= outW) continue;
          at.push((ty / stride) * outW + tx / stride);
          tap.push(ky * k + kx);
        }
      }
      start[iy * inW + ix + 1] = at.length;
    }
  }
  return { start, at: Int32Array.from(at), tap: Int32Array.from(tap) };
}

/**
 * The rows of each input position as runs for the wasm loop: rows that reach consecutive output
 * positions (at + 1) with consecutive taps (t − 1), as (first position, first tap's place among the
 * taps in reverse, length). Runs keep the rows' increasing output positions.
 */
function positionRuns({ start, at, tap }: ReturnType<typeof positionTaps>, taps: number) {
  const runStart = new Int32Array(start.length);
  const runAt: number[] = [], runTap: number[] = [], runLength: number[] = [];
  for (let p = 0; p + 1 < start.length; p++) {
    for (let r = start[p]; r < start[p + 1]; r++) {
      const k = runAt.length - 1;
      if (r > start[p] && at[r] === at[r - 1] + 1 && tap[r] === tap[r - 1] - 1) runLength[k]++;
      else {
        runAt.push(at[r]);
        runTap.push(taps - 1 - tap[r]);
        runLength.push(1);
      }
    }
    runStart[p + 1] = runAt.length;
  }
  return { runStart, runAt: Int32Array.from(runAt), runTap: Int32Array.from(runTap), runLength: Int32Array.from(runLength) };
}

/**
 * Sort the first n entries in place. Crossings are few per event and come in runs that are already
 * increasing (one per output channel): insertion sort, with no allocation.
 */
function insertionSort(a: Int32Array, n: number): void {
  for (let k = 1; k < n; k++) {
    const x = a[k];
    let m = k - 1;
    while (m >= 0 && a[m] > x) {
      a[m + 1] = a[m];
      m--;
    }
    a[m + 1] = x;
  }
}

/** Above this many crossings per event the counting sort by channel beats insertion sort. */
const BY_CHANNEL_FROM = 24;

/**
 * A convolution keeps its compartments channels last where it has at least this many channels per
 * kernel width: its runs of targets are then this many times longer than in channel planes, which
 * repays sorting the crossings back into neuron order. On the MNIST topology's second convolution (40
 * channels, 5 wide) the forward pass went from 3.7 to 2.7 ms per image; on the first (15 channels,
 * fed pixels, so most targets cross), planes were faster: 0.72 against 0.88 ms.
 */
const CHANNELS_LAST_PER_KERNEL_WIDTH = 4;

/** How a convolution in a row memory lays out its compartments: `auto` by CHANNELS_LAST_PER_KERNEL_WIDTH, or as asked. */
export type ConvLayout = 'auto' | 'channels-last' | 'planes';

/**
 * Convolution over whole output channels [cLo, cHi): neuron (q, at) is local index q·plane + at.
 * Channels last (in a row memory, CHANNELS_LAST_PER_KERNEL_WIDTH): the compartments lie at at·n + q
 * (`storage`) and the weights [c][tap][q], so that each (output position, tap) of an event is one
 * contiguous run of all n channels for the wasm loop. Otherwise channel planes, weights [c][q][tap,
 * last first], so that a run of rows (positionRuns) reads its weights in order.
 */
class ConvRows implements ForwardRows {
  readonly maxRow: number;
  readonly rowLengths: Int32Array;
  readonly V: Float64Array;
  readonly lowerFire: Float64Array;
  readonly neverFires: Float64Array;
  readonly storage: Int32Array | null;
  readonly narrow: (NarrowCompartments & { allowance: number }) | null;
  private readonly weights: Float64Array;
  /** The weights as int32 for the narrow compartments (channels last only; else empty). */
  private readonly weights32: Int32Array;
  /** Byte offsets of the narrow loop's arrays, read once (the memory never grows): at, tap, weights32, found. */
  private readonly narrowPtrs: Int32Array;
  private readonly channels: number;
  private readonly cLo: number;
  private readonly plane: number;
  private readonly inPlane: number;
  private readonly taps: number;
  private readonly positions: ReturnType<typeof positionTaps>;
  private readonly loops: RowLoops | null;
  /**
   * For the wasm loops, in the row memory: channels last, positions.at and positions.tap; in planes,
   * the runs of rows per input position (positionRuns, runStart on the heap). Where they write crossings.
   */
  private readonly at: Int32Array;
  private readonly tap: Int32Array;
  private readonly runStart: Int32Array;
  private readonly runAt: Int32Array;
  private readonly runTap: Int32Array;
  private readonly runLength: Int32Array;
  private readonly found: Int32Array;
  /** Scratch of the counting sort: crossings per channel, and the sorted crossings. */
  private readonly perChannel: Int32Array;
  private readonly sorted: Int32Array;

  constructor(
    private readonly layer: Conv2dLayer,
    lo: number,
    hi: number,
    placement: RowPlacement,
    layout: ConvLayout,
  ) {
    const [, inH, inW] = layer.inShape;
    const [, outH, outW] = layer.outShape;
    this.plane = outH * outW;
    if (lo % this.plane !== 0 || hi % this.plane !== 0) throw new Error(`a convolution's neurons are owned by whole channels, found [${lo}, ${hi}) with ${this.plane} per channel`);
    this.cLo = lo / this.plane;
    this.channels = (hi - lo) / this.plane;
    this.inPlane = inH * inW;
    this.taps = layer.kernel * layer.kernel;
    this.positions = positionTaps(inH, inW, outH, outW, layer.kernel, layer.stride, layer.padding);
    this.rowLengths = new Int32Array(layer.inShape[0] * this.inPlane);
    for (let j = 0; j < this.rowLengths.length; j++) {
      const p = j % this.inPlane;
      this.rowLengths[j] = (this.positions.start[p + 1] - this.positions.start[p]) * this.channels;
    }
    this.maxRow = this.rowLengths.reduce((m, n) => Math.max(m, n), 0);
    this.perChannel = new Int32Array(this.channels + 1);
    this.sorted = new Int32Array(this.maxRow);
    const weights = layer.inShape[0] * this.taps * this.channels, neurons = hi - lo;
    const channelsLast = layout === 'auto' ? this.channels >= CHANNELS_LAST_PER_KERNEL_WIDTH * layer.kernel : layout === 'channels-last';
    const pairs = channelsLast ? this.positions.at.length : 0;
    const runs = positionRuns(this.positions, this.taps), count = channelsLast ? 0 : runs.runAt.length;
    const arrays = new RowArrays([weights, 3 * neurons], [pairs, pairs, count, count, count, this.maxRow, channelsLast ? weights + 3 * neurons : 0], placement);
    this.loops = arrays.loops;
    this.weights = arrays.float64(weights);
    ({ V: this.V, lowerFire: this.lowerFire, neverFires: this.neverFires } = compartments(arrays, neurons));
    this.at = arrays.int32(pairs);
    this.at.set(this.positions.at.subarray(0, pairs));
    this.tap = arrays.int32(pairs);
    this.tap.set(this.positions.tap.subarray(0, pairs));
    this.runStart = runs.runStart;
    this.runAt = arrays.int32(count);
    this.runAt.set(runs.runAt.subarray(0, count));
    this.runTap = arrays.int32(count);
    this.runTap.set(runs.runTap.subarray(0, count));
    this.runLength = arrays.int32(count);
    this.runLength.set(runs.runLength.subarray(0, count));
    this.found = arrays.int32(this.maxRow);
    if (this.loops === null || !channelsLast) {
      this.storage = null;
      this.narrow = null;
      this.weights32 = new Int32Array(0);
    } else {
      const n = this.channels, plane = this.plane;
      this.storage = Int32Array.from({ length: neurons }, (_, i) => (i % plane) * n + Math.floor(i / plane));
      this.weights32 = arrays.int32(weights);
      this.narrow = { V: arrays.int32(neurons), lowerFire: arrays.int32(neurons), neverFires: arrays.int32(neurons).fill(NARROW_NO_LOWER), allowance: -1 };
    }
    this.narrowPtrs = Int32Array.of(this.at.byteOffset, this.tap.byteOffset, this.weights32.byteOffset, this.found.byteOffset);
    this.refresh();
  }

  /** Where the weight of input channel c, tap t and our channel q lies (see the class). */
  private weightAt(c: number, t: number, q: number): number {
    const n = this.channels, taps = this.taps;
    return this.storage === null ? (c * n + q) * taps + taps - 1 - t : (c * taps + t) * n + q;
  }

  refresh(): void {
    // [o][c][tap] → our layout, for our channels.
    const w = this.layer.weights, cw = this.weights, n = this.channels, taps = this.taps, inChannels = this.layer.inShape[0];
    for (let q = 0; q < n; q++) {
      for (let c = 0; c < inChannels; c++) {
        const from = ((this.cLo + q) * inChannels + c) * taps;
        for (let t = 0; t < taps; t++) cw[this.weightAt(c, t, q)] = w[from + t];
      }
    }
    if (this.narrow !== null) {
      const allowance = narrowAllowance(cw, this.layer.bias, this.layer.theta);
      if (allowance >= 0) this.weights32.set(cw);
      this.narrow.allowance = allowance;
    }
  }

  accumulate(j: number, x: number, V: Compartment, lowerFire: Compartment, theta: number, crossings: Int32Array): number {
    const c = (j / this.inPlane) | 0;
    const p = j - c * this.inPlane;
    const start = this.positions.start;
    let crossed: number;
    const narrow = this.narrow;
    if (narrow !== null && V === narrow.V && (lowerFire === narrow.lowerFire || lowerFire === narrow.neverFires)) {
      const n = this.channels, ptrs = this.narrowPtrs, vPtr = V.byteOffset;
      if (n === 0) return 0;
      crossed = this.loops!.convLast32(start[p], start[p + 1], ptrs[0], ptrs[1], ptrs[2] + c * this.taps * n * 4,
        n, vPtr, lowerFire.byteOffset - vPtr, ptrs[3], x, theta > NARROW_MAX ? NARROW_MAX + 1 : theta);
      this.toNeuronIndices(crossed, crossings);
    } else if (this.loops !== null && V === this.V && (lowerFire === this.lowerFire || lowerFire === this.neverFires)) {
      const n = this.channels, taps = this.taps;
      if (n === 0) return 0;
      const vPtr = V.byteOffset, found = this.found, plane = this.plane;
      if (this.storage === null) {
        // Channel by channel, runs in increasing position: the crossings come in neuron index order.
        const runStart = this.runStart;
        crossed = this.loops.conv(runStart[p], runStart[p + 1], this.runAt.byteOffset, this.runTap.byteOffset, this.runLength.byteOffset,
          this.weights.byteOffset + c * n * taps * 8, taps * 8, vPtr, lowerFire.byteOffset - vPtr, found.byteOffset, n, plane * 8, x, theta);
        for (let k = 0; k < crossed; k++) crossings[k] = found[k];
        return crossed;
      }
      crossed = this.loops.convLast(start[p], start[p + 1], this.at.byteOffset, this.tap.byteOffset, this.weights.byteOffset + c * taps * n * 8,
        n, vPtr, lowerFire.byteOffset - vPtr, found.byteOffset, x, theta);
      this.toNeuronIndices(crossed, crossings);
    } else crossed = this.addRows(start[p], start[p + 1], c, x, V, lowerFire, theta, crossings);
    // Walked by position then channel; emitted by neuron index.
    if (crossed >= BY_CHANNEL_FROM) this.sortByChannel(crossings, crossed);
    else if (crossed > 1) insertionSort(crossings, crossed);
    return crossed;
  }

  /** The first `crossed` crossings the channels-last loops found, storage index at·n + q, as neuron indices q·plane + at. */
  private toNeuronIndices(crossed: number, crossings: Int32Array): void {
    const found = this.found, n = this.channels, plane = this.plane;
    for (let k = 0; k < crossed; k++) {
      const s = found[k], at = (s / n) | 0;
      crossings[k] = (s - at * n) * plane + at;
    }
  }

  /** The rows of one event as JavaScript, on arrays in neuron order (compartments outside the row memory). */
  private addRows(rStart: number, rEnd: number, c: number, x: number, V: Compartment, lowerFire: Compartment, theta: number, crossings: Int32Array): number {
    const { at, tap } = this.positions, w = this.weights, n = this.channels, plane = this.plane;
    const qStride = this.storage === null ? this.taps : 1;
    let crossed = 0;
    for (let r = rStart; r < rEnd; r++) {
      const wBase = this.weightAt(c, tap[r], 0);
      for (let q = 0, i = at[r]; q < n; q++, i += plane) {
        const v = (V[i] += x * w[wBase + q * qStride]);
        if (!((v - lowerFire[i]) * (theta - v) > 0)) crossings[crossed++] = i;
      }
    }
    return crossed;
  }

  /**
   * Neuron index order is channel, then position. Within a channel the crossings came in increasing
   * position (the rows are), so a stable counting sort by channel sorts them in O(n + channels). It
   * pays where an event sends most of its targets over Θ (a pixel of up to 255 into the first layer).
   */
  private sortByChannel(crossings: Int32Array, n: number): void {
    const count = this.perChannel, sorted = this.sorted, plane = this.plane;
    count.fill(0);
    for (let k = 0; k < n; k++) count[((crossings[k] / plane) | 0) + 1]++;
    for (let q = 1; q < count.length; q++) count[q] += count[q - 1];
    for (let k = 0; k < n; k++) {
      const i = crossings[k];
      sorted[count[(i / plane) | 0]++] = i;
    }
    crossings.set(sorted.subarray(0, n));
  }
}

/** Pooling over whole channels: each source feeds one target (or none, in a dropped row or column). */
export class PoolRows implements ForwardRows {
  readonly storage = null;
  readonly narrow = null;
  readonly maxRow = 1;
  readonly rowLengths: Int32Array;
  readonly V: Float64Array;
  readonly lowerFire: Float64Array;
  readonly neverFires: Float64Array;
  /** Each source's one target among our neurons, or −1; the kernel walks these itself. */
  readonly target: Int32Array;
  /** The pool's one weight (refresh reads it again). */
  weight: number;

  constructor(
    private readonly layer: AvgPoolLayer,
    lo: number,
    hi: number,
  ) {
    const [inC, inH, inW] = layer.inShape;
    const [, outH, outW] = layer.outShape;
    const s = layer.size;
    this.weight = layer.weight;
    this.target = new Int32Array(inC * inH * inW).fill(-1);
    for (let c = 0; c < inC; c++) {
      for (let y = 0; y < outH * s; y++) {
        for (let x = 0; x < outW * s; x++) {
          const t = (c * outH + Math.floor(y / s)) * outW + Math.floor(x / s);
          if (t >= lo && t < hi) this.target[(c * inH + y) * inW + x] = t - lo;
        }
      }
    }
    this.rowLengths = Int32Array.from(this.target, (t) => (t < 0 ? 0 : 1));
    this.V = new Float64Array(hi - lo);
    this.lowerFire = new Float64Array(hi - lo);
    this.neverFires = new Float64Array(hi - lo).fill(-Infinity);
  }

  refresh(): void {
    this.weight = this.layer.weight;
  }

  accumulate(j: number, x: number, V: Compartment, lowerFire: Compartment, theta: number, crossings: Int32Array): number {
    const t = this.target[j];
    if (t < 0) return 0;
    const v = (V[t] += x * this.weight);
    if (!((v - lowerFire[t]) * (theta - v) > 0)) {
      crossings[0] = t;
      return 1;
    }
    return 0;
  }
}

/** The rows of neurons [lo, hi) of `layer`; `placement` (dense and convolution): see RowPlacement; `layout`: see ConvLayout. */
export function forwardRows(layer: NeuronLayer, lo: number, hi: number, placement: RowPlacement = 'auto', layout: ConvLayout = 'auto'): ForwardRows {
  if (layer.kind === 'dense') return new DenseRows(layer, lo, hi, placement);
  if (layer.kind === 'conv2d') return new ConvRows(layer, lo, hi, placement, layout);
  return new PoolRows(layer, lo, hi);
}
