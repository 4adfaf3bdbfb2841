/** Charts fit for a paper: forward before backward, every layer accounted for, legends whole, real settings. */
import { describe, expect, it } from 'vitest';
import { simulateCase } from '../../src/actors/simulateCase.js';
import { readCaseFile } from '../../src/network/caseFile.js';
import { accuracyChart, ordinal, relativeOpsChart, renderSvg, spikeRasterChart } from '../../src/report/charts.js';
import { decodeEventLog, EventLogWriter } from '../../src/streams/eventLog.js';
import { parseOrders } from '../../src/streams/orders/index.js';

const c = readCaseFile('examples/small.case.json');
const labels = (svg: string) => [...svg.matchAll(/aria-label="([^"]*)"/g)].map((m) => m[1]);

describe('charts', () => {
  it('relative synaptic operations: forward panel first, log scales, every layer drawn or named', async () => {
    const { stats } = await simulateCase(c, { workers: 1 });
    const svg = await renderSvg(relativeOpsChart(c.network, stats, 'small case: order fifo, single policy, seed 1'));
    const titles = labels(svg).filter((l) => /^Title text '(forward|backward)'$/.test(l));
    expect(titles).toEqual(["Title text 'forward'", "Title text 'backward'"]);
    expect(labels(svg).filter((l) => /Y-axis/.test(l)).every((l) => /log scale/.test(l))).toBe(true);
    expect(svg).toContain('layer 2 (flatten) has no neurons and no synaptic operations');
    // Both legend entries are drawn whole, and every bar (4 neuron layers × 2 directions × SNN and best case) is there.
    expect(svg).toContain('>integer ANN (best case)<');
    const bars = labels(svg).filter((l) => /^layer: /.test(l));
    expect(bars).toHaveLength(4 * 2 * 2);
  });

  it('spike raster: the sampling is said in words, the settings in the title', async () => {
    const mem = EventLogWriter.inMemory({});
    await simulateCase(c, { workers: 1, orders: parseOrders('delay'), seed: 3, log: mem.writer });
    const records = decodeEventLog(mem.bytes()).records;
    const svg = await renderSvg(spikeRasterChart(records, 'spikes of the small case (order delay, single policy, seed 3)', 500));
    expect(svg).toMatch(/every \d+(st|nd|rd|th) of \d+ spikes drawn/);
    expect(svg).toContain('order delay, single policy, seed 3');
    expect([1, 2, 3, 4, 11, 12, 13, 21, 22, 102].map(ordinal)).toEqual(['1st', '2nd', '3rd', '4th', '11th', '12th', '13th', '21st', '22nd', '102nd']);
  });

  it('accuracy per epoch comes with the loss, and the title with the backend used', async () => {
    const history = [1, 2, 3].map((epoch) => ({ epoch, loss: 1 / epoch, trainAccuracy: 0.8 + epoch / 100, validationAccuracy: 0.79 + epoch / 100, seconds: 1, imagesPerSecond: 100, learningRate: 0.01 }));
    const svg = await renderSvg(accuracyChart(history, 'mnist: spike gradient, tfjs engine on wasm × 2 workers, α 50'));
    expect(svg).toContain('tfjs engine on wasm × 2 workers');
    expect(svg).toContain('cross-entropy loss');
    expect(svg).toContain('>validation (exported integer network)<');
  });
});
