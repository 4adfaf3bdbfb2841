/** Phase barriers and quiescence detection of the actor network. */
import { map } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { simulateCase } from '../../src/actors/simulateCase.js';
import { SpikingNetwork } from '../../src/actors/spikingNetwork.js';
import { runAnnCase } from '../../src/equivalence/layerResults.js';
import { QuiescenceError } from '../../src/errors.js';
import { readCaseFile } from '../../src/network/caseFile.js';
import { decodeEventLog, EventLogWriter, LogKind, PhaseMark } from '../../src/streams/eventLog.js';
import { drop, fifo, type Order } from '../../src/streams/orders/index.js';

const c = readCaseFile('examples/small.case.json');

/** An order that makes one channel slow: its envelopes arrive `lag` time units late. */
const slowChannel = (channel: number, lag: number): Order => () => map((e) => (e.channel === channel ? { ...e, deliverAt: e.sentAt + lag } : e));

describe('phase barriers', async () => {
  it('a slow layer below finishes before the layer above starts its residual phase', async () => {
    const mem = EventLogWriter.inMemory({});
    // Channel 0 carries the input into layer 0: slowed down, layer 0 keeps integrating long after layer 1 started.
    const r = await simulateCase(c, { orders: [slowChannel(0, 500), slowChannel(1, 50)], log: mem.writer, workers: 1 });
    expect(r.layers).toEqual(runAnnCase(c).layers);
    const log = decodeEventLog(mem.bytes()).records;
    const at = (layer: number, mark: PhaseMark) => {
      for (let k = 0; k < log.count; k++) if (log.kind[k] === LogKind.Phase && log.layer[k] === layer && log.neuron[k] === mark) return k;
      return -1;
    };
    const lastSpikeOf = (layer: number) => {
      let last = -1;
      for (let k = 0; k < log.count; k++) if ((log.kind[k] === LogKind.Spike || log.kind[k] === LogKind.ResidualSpike) && log.layer[k] === layer) last = k;
      return last;
    };
    const layers = [0, 1, 3, 4];
    for (let n = 1; n < layers.length; n++) {
      const below = layers[n - 1], above = layers[n];
      expect(at(below, PhaseMark.ForwardQuiet)).toBeGreaterThan(lastSpikeOf(below));
      expect(at(above, PhaseMark.ForwardResidual)).toBeGreaterThan(at(below, PhaseMark.ForwardQuiet));
    }
    // Backward runs top-down: each layer's residual after the one above is quiet.
    for (let n = layers.length - 1; n > 0; n--) expect(at(layers[n - 1], PhaseMark.BackwardResidual)).toBeGreaterThan(at(layers[n], PhaseMark.BackwardQuiet));
    // Asynchrony: layer 1 received spikes while layer 0 was still receiving input.
    const firstSpikeOfLayer0 = (() => { for (let k = 0; k < log.count; k++) if (log.kind[k] === LogKind.Spike && log.layer[k] === 0) return k; return -1; })();
    expect(firstSpikeOfLayer0).toBeGreaterThan(0);
    expect(firstSpikeOfLayer0).toBeLessThan(at(0, PhaseMark.ForwardResidual));
  });

  it('the quiet times of the forward phases increase layer by layer', async () => {
    const { stats } = await simulateCase(c, { orders: [fifo()], workers: 1 });
    const quiet = stats.layers.map((l) => l.forward.quietAt);
    expect([...quiet].sort((a, b) => a - b)).toEqual(quiet);
    expect(stats.layers[0].backward.quietAt).toBeGreaterThan(stats.layers[3].backward.quietAt);
  });
});

describe('quiescence detection', async () => {
  it('a dropped packet is detected as a count mismatch with a clear error, not a hang', async () => {
    const run = () => simulateCase(c, { orders: [drop(2)], workers: 1 });
    await expect(run()).rejects.toThrow(QuiescenceError);
    await expect(run()).rejects.toThrow(/layer \d+ \(\w+\), (forward|backward) standard phase: received \d+ of the \d+ events announced by the end-of-phase marker; \d+ events were lost/);
  });

  it('a run stops when a layer emits more than its event bound', async () => {
    const snn = new SpikingNetwork(c.network, {});
    // Pretend the bound were tiny: the runtime check must fire instead of running on.
    const original = snn.budget.check.bind(snn.budget);
    snn.budget.check = (input, alpha) => {
      const b = original(input, alpha)!;
      b.layers[0].forward = 3;
      return b;
    };
    await expect(snn.runExample(c.input, c.target, c.alpha)).rejects.toThrow(/layer 0 \(conv2d\), forward phase: emitted \d+ events, more than its bound of 3/);
    snn.dispose();
  });

  it('the same network runs several examples in a row (actors loop back to idle)', async () => {
    const snn = new SpikingNetwork(c.network, {});
    const first = await snn.runExample(c.input, c.target, c.alpha);
    await snn.clearIncrements();
    const second = await snn.runExample(c.input, c.target, c.alpha);
    expect(second).toEqual(first);
    expect(await snn.increments()).toEqual(runAnnCase(c).layers.map((l) => (l.dW ? { dW: l.dW, db: l.db } : {})));
    snn.dispose();
  });
});
