/**
 * The TensorFlow.js mirror against the integer ANN on random networks (power-of-two thresholds, values
 * far below 2^24): the rounded forward pass (S, V^L) always, and the spike gradients (−ΣΔW, −ΣΔb,
 * functions of every E) whenever the float32 softmax gives the same top error as the integer path's
 * float64 one. Those rare top-error differences (a tie decided by the last bits) are counted.
 */
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { runAnnCase } from '../../equivalence/layerResults.js';
import { realParameters, toTfjsLayout } from '../../train/tfjs/paramLayout.js';
import { topError } from '../../train/tfjs/spikeOps.js';
import { TfjsNetwork } from '../../train/tfjs/tfjsNetwork.js';
import { caseToJson, type SpikeCase } from '../../network/caseFile.js';
import { hasWeights, type DenseLayer } from '../../network/topology.js';
import { spikeCaseArbitrary } from './arbitraries.js';
import { PropertyFailure } from './equivalence.js';

export const mirrorTally = { cases: 0, topErrorDiffers: 0 };

const equal = (a: ArrayLike<number>, b: ArrayLike<number>) => a.length === b.length && Array.from(a).every((v, i) => v === b[i]);

function inputTensor(c: SpikeCase): tf.Tensor {
  const shape = c.network.inputShape;
  if (shape.length === 1) return tf.tensor2d(Array.from(c.input), [1, shape[0]]);
  const [ch, h, w] = shape as [number, number, number];
  const nhwc = new Float32Array(ch * h * w);
  for (let k = 0; k < ch; k++) for (let p = 0; p < h * w; p++) nhwc[p * ch + k] = c.input[k * h * w + p];
  return tf.tensor4d(nhwc, [1, h, w, ch]);
}

/** A layer output of the single sample in the integer [c][y][x] layout. */
function chw(t: tf.Tensor): number[] {
  const v = Array.from(t.dataSync());
  if (t.rank !== 4) return v;
  const [, h, w, c] = t.shape as number[];
  const out: number[] = [];
  for (let k = 0; k < c; k++) for (let p = 0; p < h * w; p++) out.push(v[p * c + k]);
  return out;
}

function check(c: SpikeCase): void {
  const fail = (why: string): never => {
    throw new PropertyFailure(`${why}\ncase: ${JSON.stringify(caseToJson(c))}`, why, caseToJson(c));
  };
  const ann = runAnnCase(c).layers;
  const model = new TfjsNetwork(c.network, { gradient: 'spike', alpha: c.alpha });
  const weighted = c.network.layers.filter(hasWeights);
  tf.tidy(() => {
    const params = weighted.flatMap((l, k) => {
      const [weights, bias] = realParameters(l);
      return [tf.tensor(Float32Array.from(weights), model.params[k].weights), tf.tensor(Float32Array.from(bias), model.params[k].bias)];
    });
    const x = inputTensor(c);
    // Both are indexed like network.layers (flatten has no result).
    const outputs = model.layerOutputs(x, params);
    const last = c.network.layers.length - 1;
    const top = c.network.layers[last] as DenseLayer;
    outputs.forEach((o, l) => {
      if (c.network.layers[l].kind === 'flatten') return;
      const got = l === last ? chw(o).map((z) => z * top.theta) : chw(o);
      const want = l === last ? ann[l].V! : ann[l].S!;
      if (!equal(got, want)) fail(`forward: layer ${l}: tfjs ${JSON.stringify(got)}, integer ANN ${JSON.stringify(want)}`);
    });
    mirrorTally.cases++;
    const targets = tf.tensor2d(Array.from({ length: model.classes }, (_, k) => (k === c.target ? 1 : 0)), [1, model.classes]);
    const zTop = tf.reshape(outputs[last], [1, model.classes]);
    const topErrors = topError('spike', c.alpha, top.thetaBp)(tf.logSoftmax(zTop), targets).dataSync();
    if (!equal(topErrors, ann[last].E!)) {
      mirrorTally.topErrorDiffers++;
      return;
    }
    const { grads } = model.gradients(x, targets, [c.target], params);
    const annWeighted = ann.filter((_, l) => hasWeights(c.network.layers[l]));
    weighted.forEach((layer, k) => {
      const dW = Array.from(toTfjsLayout(layer, annWeighted[k].dW!, -1), (v) => v + 0);
      const db = Array.from(annWeighted[k].db!, (v) => -v + 0);
      if (!equal(grads[2 * k], dW)) fail(`gradient of weighted layer ${k}'s weights: tfjs ${JSON.stringify(Array.from(grads[2 * k]))}, −ΔW ${JSON.stringify(dW)}`);
      if (!equal(grads[2 * k + 1], db)) fail(`gradient of weighted layer ${k}'s biases: tfjs ${JSON.stringify(Array.from(grads[2 * k + 1]))}, −Δb ${JSON.stringify(db)}`);
    });
  });
}

/**
 * A case, or in half of them the same case with four inputs in five set to zero: inputs as sparse as
 * pixels, which the wasm backend's first-layer convolution takes from its non-zero values only.
 */
const mirrorCases = fc.tuple(spikeCaseArbitrary({ powerOfTwoThetas: true, maxTheta: 16 }), fc.nat({ max: 9 })).map(([c, k]): SpikeCase =>
  k >= 5 ? c : { ...c, input: c.input.map((v, i) => ((i * 7 + k) % 5 === 0 ? v : 0)) },
);

/** Needs a backend set first (`useBackend`). */
export const tfjsMirrorEqualsAnn = () => fc.asyncProperty(mirrorCases, async (c) => check(c));
