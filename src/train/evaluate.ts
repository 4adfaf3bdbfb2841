/** Accuracy of an integer network, computed by the integer ANN (the figure we report). */
import { breather } from '../breathe.js';
import { IntegerAnn } from '../equivalence/integerAnn.js';
import { InputError } from '../errors.js';
import { sizeOf, type Network } from '../network/topology.js';
import { imageAt, imageSize, type Dataset } from './data/dataset.js';

export interface Evaluation {
  accuracy: number;
  samples: number;
  correct: number;
  seconds: number;
}

/** Refuse a model whose input or classes do not fit the data, naming both. */
export function checkModelFitsData(network: Network, data: Dataset): void {
  const input = sizeOf(network.layers[0].inShape);
  const classes = network.layers[network.layers.length - 1].outShape[0];
  if (input !== imageSize(data)) {
    throw new InputError(`the model takes inputs of ${input} values (shape [${network.inputShape.join(', ')}]) but ${data.name} images have ${imageSize(data)} (${data.shape.join('x')})`);
  }
  if (classes < data.classes) throw new InputError(`the model has ${classes} classes but ${data.name} has ${data.classes}`);
}

/** `onProgress` hears of every few hundred images (coarse, off the hot path). */
export async function evaluate(network: Network, data: Dataset, samples = data.count, ann = new IntegerAnn(network), onProgress?: (done: number) => void): Promise<Evaluation> {
  checkModelFitsData(network, data);
  const n = Math.min(samples, data.count);
  const start = performance.now();
  const breathe = breather();
  let correct = 0;
  for (let i = 0; i < n; i++) {
    if (ann.forward(imageAt(data, i)) === data.labels[i]) correct++;
    if (onProgress && (i % 250 === 249 || i === n - 1)) onProgress(i + 1);
    await breathe();
  }
  return { accuracy: correct / Math.max(1, n), samples: n, correct, seconds: (performance.now() - start) / 1000 };
}
