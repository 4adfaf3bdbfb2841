/** Small networks whose S, V, E, dW, db were worked out by hand (the arithmetic is in the comments). */
import { describe, expect, it } from 'vitest';
import { runAnnBatch, runAnnCase } from '../../src/equivalence/layerResults.js';
import { parseCase } from '../../src/network/caseFile.js';

describe('integer ANN on hand-worked networks', () => {
  it('dense relu → dense: a tie rounded up, a gated relu neuron, increments', () => {
    const c = parseCase({
      format: 'spikegrad-case/1',
      inputShape: [2],
      layers: [
        // a = [1 + 2·3 + 1·(−1), 0 − 1·3 + 3·(−1)] = [6, −6]; S = [round(6/4) = 2 (tie up), relu 0]
        { kind: 'dense', units: 2, activation: 'relu', theta: 4, thetaBp: 2, weights: [2, 1, -1, 3], bias: [1, 0] },
        // V = [1·2 + 2·0, 3·2 − 1·0 + 1] = [2, 7]
        { kind: 'dense', units: 2, theta: 5, thetaBp: 10, weights: [1, 2, 3, -1], bias: [0, 1] },
      ],
      input: [3, -1],
      target: 0,
      alpha: 10,
    });
    const r = runAnnCase(c);
    // p = softmax([0.4, 1.4]) = [0.2689, 0.7311]; U = round(10·(p − y)·10) = [−73, 73]; E = round(U/10) = [−7, 7]
    expect(r.layers[1]).toEqual({ V: [2, 7], E: [-7, 7], dW: [14, 0, -14, 0], db: [7, -7] });
    // U = [1·(−7) + 3·7, 2·(−7) − 1·7] = [14, −21]; E = [round(14/2), f' = 0] = [7, 0]; dW = −E·xᵀ
    expect(r.layers[0]).toEqual({ S: [2, 0], E: [7, 0], dW: [-21, 7, 0, 0], db: [-7, 0] });
    expect(r.predicted).toBe(1);
  });

  it('conv2d (2x2 kernel, no padding) → dense', () => {
    const c = parseCase({
      format: 'spikegrad-case/1',
      inputShape: [1, 2, 2],
      layers: [
        // a = 1 + 1·1 + 0·2 − 1·3 + 2·4 = 7; S = round(7/2) = 4 (tie up)
        { kind: 'conv2d', channels: 1, kernel: 2, activation: 'relu', theta: 2, thetaBp: 3, weights: [1, 0, -1, 2], bias: [1] },
        { kind: 'dense', units: 2, theta: 1, thetaBp: 1, weights: [1, -1], bias: [0, 0] },
      ],
      input: [[[1, 2], [3, 4]]],
      target: 1,
      alpha: 2,
    });
    const r = runAnnCase(c);
    // V = [4, −4]; p = [0.99966, 0.00034]; U = round(2·(p − y)) = [2, −2]; E = [2, −2]
    expect(r.layers[1]).toEqual({ V: [4, -4], E: [2, -2], dW: [-8, 8], db: [-2, 2] });
    // U = 1·2 + (−1)·(−2) = 4; E = round(4/3) = 1; dW = −1·[1, 2, 3, 4]
    expect(r.layers[0]).toEqual({ S: [4], E: [1], dW: [-1, -2, -3, -4], db: [-1] });
  });

  it('avgpool with weight 3 and a linear tie rounded away from zero', () => {
    const c = parseCase({
      format: 'spikegrad-case/1',
      inputShape: [1, 2, 3],
      layers: [
        // window [[1, 2], [−4, −5]] (third column dropped): a = 3·(−6) = −18; S = round(−18/4) = −5 (tie away)
        { kind: 'avgpool', size: 2, weight: 3, theta: 4, thetaBp: 2 },
        { kind: 'flatten' },
        // V = [2·(−5) + 1, −1·(−5)] = [−9, 5]
        { kind: 'dense', units: 2, theta: 1, thetaBp: 1, weights: [2, -1], bias: [1, 0] },
      ],
      input: [1, 2, 9, -4, -5, 9],
      target: 0,
      alpha: 3,
    });
    const r = runAnnCase(c);
    // p ≈ [8.3e−7, 1]; U = round(3·(p − y)) = [−3, 3]; E = [−3, 3]
    expect(r.layers[2]).toEqual({ V: [-9, 5], E: [-3, 3], dW: [-15, 15], db: [3, -3] });
    // pool U = 2·(−3) + (−1)·3 = −9; E = round(−9/2) = −5 (tie away)
    expect(r.layers[0]).toEqual({ S: [-5], E: [-5] });
    expect(r.layers[1]).toEqual({});
  });

  it('sums increments over a mini-batch', () => {
    const c = parseCase({
      format: 'spikegrad-case/1',
      inputShape: [1],
      layers: [{ kind: 'dense', units: 2, theta: 1, thetaBp: 1, weights: [0, 0], bias: [0, 0] }],
      input: [5],
      target: 0,
      alpha: 4,
    });
    // V = [0, 0]; p = [½, ½]; U = round(4·(p − y)) = [−2, 2] for target 0, [2, −2] for target 1
    const batch = runAnnBatch(c.network, [{ input: [5], target: 0 }, { input: [3], target: 1 }, { input: [1], target: 0 }], 4);
    expect(batch.increments[0]).toEqual({ dW: [2 * 5 - 2 * 3 + 2 * 1, -2 * 5 + 2 * 3 - 2 * 1], db: [2 - 2 + 2, -2 + 2 - 2] });
    expect(batch.predictions).toEqual([0, 0, 0]);
  });
});
