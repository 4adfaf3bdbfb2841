/**
 * On-line training through the SNN side by side with the integer ANN trainer: the same mini-batches,
 * increments from spikes on one side and from the integer ANN on the other, the same optimizer step,
 * and the integer weights compared after every step. With the exact barrier they stay identical; with
 * an imperfect one the report says how far they drifted.
 */
import { SpikingNetwork, type SnnOptions } from '../actors/spikingNetwork.js';
import { compareArrays, type Mismatch } from '../equivalence/compare.js';
import { IntegerAnn } from '../equivalence/integerAnn.js';
import { cloneNetwork } from '../network/build.js';
import { hasWeights, type Network } from '../network/topology.js';
import { imageAt, type Dataset } from '../train/data/dataset.js';
import { epochOrder } from '../train/trainingLoop.js';
import { IntegerSgd, type OptimizerConfig } from '../train/optimizer.js';

export interface OnlineStepReport {
  step: number;
  identical: boolean;
  mismatches: Mismatch[];
  /** Weights and biases that differ from the integer ANN trainer's, of how many. */
  changedWeights: number;
  weights: number;
  /** Σ|W_snn − W_ann| / Σ|W_ann| over every weighted layer. */
  relativeL1: number;
}

export async function trainOnlineSideBySide(
  network: Network,
  train: Dataset,
  steps: number,
  batch: number,
  alpha: number,
  optimizer: Omit<OptimizerConfig, 'alpha' | 'totalSteps'> & { inputScale?: number },
  snnOptions: SnnOptions,
  seed: number,
  onStep?: (r: OnlineStepReport) => void,
): Promise<OnlineStepReport[]> {
  const snnNet = cloneNetwork(network);
  const annNet = cloneNetwork(network);
  const snn = new SpikingNetwork(snnNet, snnOptions);
  const ann = new IntegerAnn(annNet);
  const config = { ...optimizer, alpha, totalSteps: steps };
  const snnSgd = new IntegerSgd(snnNet, config);
  const annSgd = new IntegerSgd(annNet, config);
  const order = epochOrder(train.count, seed, 0);
  const weightedAnn = ann.layers.map((l, k) => (hasWeights(l) ? k : -1)).filter((k) => k >= 0);
  const reports: OnlineStepReport[] = [];
  try {
    for (let step = 0; step < steps; step++) {
      await snn.clearIncrements();
      ann.clearIncrements();
      const from = (step * batch) % train.count;
      for (let k = 0; k < batch; k++) {
        const i = order[(from + k) % train.count];
        await snn.runExample(imageAt(train, i), train.labels[i], alpha);
        ann.run(imageAt(train, i), train.labels[i], alpha);
      }
      const snnIncrements = (await snn.incrementArrays()).filter((_, k) => weightedAnn.includes(k));
      snnSgd.step(snnIncrements, batch);
      annSgd.step(weightedAnn.map((k) => ({ dW: ann.state[k].dW, db: ann.state[k].db })), batch);
      snn.weightsChanged();
      ann.weightsChanged();
      const mismatches: Mismatch[] = [];
      let changed = 0, count = 0, distance = 0, size = 0;
      annNet.layers.forEach((layer, i) => {
        const other = snnNet.layers[i];
        if (hasWeights(layer) && hasWeights(other)) {
          compareArrays(i, 'dW', layer.weights, other.weights, mismatches, 5);
          compareArrays(i, 'db', layer.bias, other.bias, mismatches, 5);
          for (const [a, b] of [[layer.weights, other.weights], [layer.bias, other.bias]]) {
            for (let k = 0; k < a.length; k++) {
              const d = Math.abs(a[k] - b[k]);
              if (d !== 0) changed++;
              distance += d;
              size += Math.abs(a[k]);
            }
            count += a.length;
          }
        }
      });
      const report = { step: step + 1, identical: mismatches.length === 0, mismatches, changedWeights: changed, weights: count, relativeL1: distance / Math.max(1, size) };
      reports.push(report);
      onStep?.(report);
    }
  } finally {
    snn.dispose();
  }
  return reports;
}
