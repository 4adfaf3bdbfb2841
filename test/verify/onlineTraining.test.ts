/** On-line training through the SNN beside the integer ANN trainer: identical weights after every step. */
import { describe, expect, it } from 'vitest';
import { initNetwork } from '../../src/network/init.js';
import { parseOrders } from '../../src/streams/orders/index.js';
import { sliceDataset } from '../../src/train/data/dataset.js';
import { loadDataset } from '../../src/train/data/sources.js';
import { trainOnlineSideBySide } from '../../src/verify/onlineTraining.js';
import { tinyMnistTopology } from '../support/tinyTopology.js';

const train = sliceDataset(loadDataset('mnist').train, 0, 320);

describe('on-line training through the SNN', () => {
  it('keeps weights identical to the integer ANN trainer after every step', async () => {
    const reports = await trainOnlineSideBySide(initNetwork(tinyMnistTopology(), { seed: 4 }), train, 3, 4, 50, { lr: 0.05, momentum: 0.9, weightDecay: 1e-4, schedule: 'constant', inputScale: 255 }, { orders: parseOrders('split,shuffle'), seed: 6 }, 6);
    expect(reports.map((r) => r.identical)).toEqual([true, true, true]);
  });
});
