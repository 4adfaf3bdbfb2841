/**
 * The weight gradient of an NHWC convolution from a sparse output error, on typed arrays:
 * dW[ky,kx,ci,co] = Σ_{b,oy,ox} dy[b,oy,ox,co] · x[b, oy·s + ky − top, ox·s + kx − left, ci], visiting
 * only the non-zero dy. The spike gradient's errors are integers and mostly zero (well under 5 % of
 * them are not, docs: "The paper's figures"), and its inputs are integer spike counts or pixels, so
 * every product is an integer: summed in float64 they are exact, and so is the dense kernel's float32
 * sum in whatever order it adds while Σ|terms| stays below 2^24 (then every partial sum does) — the
 * same bits either way. Where that cannot be promised (a value that is not an integer, Σ|terms|
 * reaching 2^24, or too many non-zero errors for skipping to pay) it answers null and the dense kernel
 * runs, as before. Where Σ|e|·max|x| is below 2^24 (nearly always) that bound covers every sum at once,
 * float32 sums are exact as well, and the inner loop checks nothing and runs in wasm four lanes at a
 * time (wasm/sparseConv.wat); otherwise each product is checked here, in float64.
 */
import type { ConvGeometry } from './convGeometry.js';
import { regions, sparseConvMemory } from './sparseConvMemory.js';

export interface FilterGeometry extends ConvGeometry {
  strideY: number;
  strideX: number;
}

/** Beyond this share of the dense work the dense kernel is faster. */
const WORTH_IT = 0.12;
const EXACT_LIMIT = 2 ** 24;

/** dW (layout [KH][KW][CI][CO]) or null where the dense kernel must run. */
export function sparseFilterGradient(x: Float32Array, dy: Float32Array, g: FilterGeometry, nonZero: Int32Array): Float32Array | null {
  const { batch, height: H, width: W, inChannels: CI, outHeight: OH, outWidth: OW, outChannels: CO, kernelHeight: KH, kernelWidth: KW, strideY, strideX, padTop, padLeft } = g;
  // The non-zero errors, as long as there are few enough; each must be an integer.
  const limit = Math.min(nonZero.length, Math.floor((WORTH_IT * batch * OH * OW * CO)));
  // Scanned as bits, four at a time: ±0 is all bits but the sign clear.
  const bits = new Int32Array(dy.buffer, dy.byteOffset, dy.length);
  const whole = dy.length & ~3;
  let count = 0;
  let errorMass = 0;
  for (let i = 0; i < dy.length; i += 4) {
    if (i < whole && ((bits[i] | bits[i + 1] | bits[i + 2] | bits[i + 3]) & 0x7fffffff) === 0) continue;
    for (let j = i; j < Math.min(i + 4, dy.length); j++) {
      const e = dy[j];
      if (e === 0) continue;
      if (count === limit || !Number.isInteger(e)) return null;
      nonZero[count++] = j;
      errorMass += Math.abs(e);
    }
  }
  // Summed as [CO][KH][KW][CI]: for one error the window's row of taps (kx, ci) is then contiguous in
  // both the sums and the input (the kernel's layout [KH][KW][CI][CO] would step by CO), and it is
  // written back in that layout once. Every element still adds the same products in the same order.
  const rowLength = KW * CI;
  const size = CO * KH * rowLength;
  // Every |partial sum| of every dW element is at most Σ|e|·max|x|: below 2^24, with integer inputs,
  // no product needs checking; otherwise each one is (the inputs it visits must be integers, each sum
  // stay below 2^24).
  const { at: [xAt, sumsAt, dWAt, jobAt], end } = regions([x.length * 4, size * 4, size * 4, count * KH * 16]);
  const { loops, buffer } = sparseConvMemory(end);
  new Float32Array(buffer, xAt, x.length).set(x);
  const inputMax = loops.largestInteger(xAt, x.length);
  const bounded = inputMax >= 0 && errorMass * inputMax < EXACT_LIMIT;
  const sums = bounded ? null : new Float64Array(size);
  const magnitude = bounded ? null : new Float64Array(size);
  // The runs: one per (error, row of taps inside the image), as byte offsets for the wasm loop.
  const jobWords = new Int32Array(buffer, jobAt, count * KH * 4);
  const jobErrors = new Float32Array(buffer, jobAt, count * KH * 4);
  let jobs = 0;
  for (let k = 0; k < count; k++) {
    const i = nonZero[k];
    const e = dy[i];
    const co = i % CO;
    const pos = (i - co) / CO;
    const ox = pos % OW;
    const rest = (pos - ox) / OW;
    const oy = rest % OH;
    const b = (rest - oy) / OH;
    // The taps kx whose input column is inside the image: [kxFrom, kxTo).
    const left = ox * strideX - padLeft;
    const kxFrom = Math.max(0, -left), kxTo = Math.min(KW, W - left);
    if (kxFrom >= kxTo) continue;
    const run = (kxTo - kxFrom) * CI;
    for (let ky = 0; ky < KH; ky++) {
      const iy = oy * strideY + ky - padTop;
      if (iy < 0 || iy >= H) continue;
      const src = ((b * H + iy) * W + left + kxFrom) * CI;
      const dst = (co * KH + ky) * rowLength + kxFrom * CI;
      if (sums === null) {
        const j = 4 * jobs++;
        jobWords[j] = 4 * src;
        jobWords[j + 1] = 4 * dst;
        jobWords[j + 2] = run;
        jobErrors[j + 3] = e;
      } else if (!addChecked(sums, magnitude!, e, x, src, dst, run)) return null;
    }
  }
  const dW = new Float32Array(KH * KW * CI * CO);
  const perOutput = KH * rowLength;
  if (sums === null) {
    new Float32Array(buffer, sumsAt, size).fill(0);
    loops.addRuns(jobAt, jobs, xAt, sumsAt);
    loops.transpose(sumsAt, dWAt, CO, perOutput);
    dW.set(new Float32Array(buffer, dWAt, size));
    return dW;
  }
  for (let co = 0; co < CO; co++) {
    const from = co * perOutput;
    for (let tap = 0; tap < perOutput; tap++) dW[tap * CO + co] = sums[from + tap];
  }
  return dW;
}

/** sums[dst + t] += e·x[src + t] for t < run, checking each input and sum; false where exactness cannot be promised. */
function addChecked(sums: Float64Array, magnitude: Float64Array, e: number, x: Float32Array, src: number, dst: number, run: number): boolean {
  for (let t = 0; t < run; t++) {
    const v = x[src + t];
    if (v === 0) continue;
    if (!Number.isInteger(v)) return false;
    sums[dst + t] += e * v;
    if ((magnitude[dst + t] += Math.abs(e * v)) >= EXACT_LIMIT) return false;
  }
  return true;
}
