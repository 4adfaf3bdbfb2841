/** Forward, backward and summed increments of some examples on one integer ANN (the exact engine's work). */
import { IntegerAnn } from '../../equivalence/integerAnn.js';
import { crossEntropy } from '../../equivalence/topError.js';
import { hasWeights } from '../../network/topology.js';
import type { LayerIncrements } from '../optimizer.js';

export interface BatchOutcome {
  increments: LayerIncrements[];
  loss: number;
  correct: number;
}

export function runExamples(ann: IntegerAnn, images: (k: number) => ArrayLike<number>, labels: ArrayLike<number>, count: number, alpha: number): BatchOutcome {
  const top = ann.layers[ann.layers.length - 1];
  ann.clearIncrements();
  let loss = 0, correct = 0;
  for (let k = 0; k < count; k++) {
    if (ann.run(images(k), labels[k], alpha) === labels[k]) correct++;
    loss += crossEntropy(ann.top.a, top.theta, labels[k]);
  }
  const increments = ann.layers.flatMap((l, i) => (hasWeights(l) ? [{ dW: ann.state[i].dW, db: ann.state[i].db }] : []));
  return { increments, loss, correct };
}
