/** Accuracy of an integer network, computed by the integer ANN (the figure we report). */
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

export function evaluate(network: Network, data: Dataset, samples = data.count, ann = new IntegerAnn(network)): Evaluation {
  checkModelFitsData(network, data);
  const n = Math.min(samples, data.count);
  const start = performance.now();
  let correct = 0;
  for (let i = 0; i < n; i++) if (ann.forward(imageAt(data, i)) === data.labels[i]) correct++;
  return { accuracy: correct / Math.max(1, n), samples: n, correct, seconds: (performance.now() - start) / 1000 };
}
