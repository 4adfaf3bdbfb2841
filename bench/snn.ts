/**
 * Event-driven SNN on the MNIST topology with one MNIST image at a time: events/s and synaptic
 * accumulations/s through the full actor + stream path per order, the same through the bare kernels
 * (no actors, no bus), and the ratio of times to the integer ANN on the same images.
 */
import { NeuronLayerKernel } from '../src/actors/kernels/neuronLayer.js';
import { SpikingNetwork } from '../src/actors/spikingNetwork.js';
import { IntegerAnn } from '../src/equivalence/integerAnn.js';
import { topErrorCompartment } from '../src/equivalence/topError.js';
import type { NeuronLayer } from '../src/network/topology.js';
import { parseOrders } from '../src/streams/orders/index.js';
import { Packet, PacketPool, PacketWriter } from '../src/streams/packet.js';
import { mnistFixture } from './mnistFixture.js';
import type { Ceiling } from './ceiling.js';
import type { SnnStats } from '../src/actors/statistics.js';

const IMAGES = 24;

/** Layer after layer, every packet of a layer before the next: the kernels with no runtime around them. */
function bareKernels(layers: NeuronLayer[]) {
  const L = layers.length - 1;
  const kernels = layers.map((layer, l) => new NeuronLayerKernel(layer, { policy: 'single', isTop: l === L, upper: l < L ? layers[l + 1] : null }));
  const pool = new PacketPool();
  const run = (input: Uint8Array, target: number, alpha: number): { events: number; accumulations: number } => {
    const accumulationsBefore = kernels.reduce((t, k) => t + k.accumulations, 0);
    let queue: Packet[] = [];
    const writer = (into: Packet[]) => new PacketWriter(pool, (p) => into.push(p));
    const w0 = writer(queue);
    input.forEach((x, j) => {
      if (x !== 0) w0.push(j, x);
    });
    w0.flush();
    let events = w0.written;
    for (let l = 0; l <= L; l++) {
      const next: Packet[] = [];
      const out = writer(next);
      kernels[l].resetForward();
      for (const p of queue) {
        kernels[l].integrateForward(p, out);
        pool.release(p);
      }
      kernels[l].residualForward(out);
      out.flush();
      events += out.written;
      queue = next;
    }
    const top = layers[L];
    kernels.forEach((k, l) => k.startBackward(l === 0 ? Float64Array.from(input) : kernels[l - 1].S));
    let down: Packet[] = [];
    for (let l = L; l >= 0; l--) {
      const next: Packet[] = [];
      const out = writer(next);
      if (l === L) kernels[L].startTopError(topErrorCompartment(kernels[L].V, top.theta, top.thetaBp, target, alpha), out);
      for (const p of down) {
        kernels[l].integrateBackward(p, out);
        pool.release(p);
      }
      kernels[l].residualBackward(out);
      out.flush();
      events += out.written;
      down = next;
    }
    for (const p of down) pool.release(p);
    return { events, accumulations: kernels.reduce((t, k) => t + k.accumulations, 0) - accumulationsBefore };
  };
  return { run };
}

/** Warm-up images before each timing: fewer leave the first path timed still being compiled (the first order read 20 ms against 15). */
const WARM_UP = 10;

/** Mean ms per image over IMAGES images, after WARM_UP ones (then `timed` is called: reset counters there). */
async function time(fn: (i: number) => unknown, timed: () => void = () => {}): Promise<number> {
  for (let i = 0; i < WARM_UP; i++) await fn(i);
  timed();
  let total = 0;
  for (let i = 0; i < IMAGES; i++) {
    const start = performance.now();
    await fn(i);
    total += performance.now() - start;
  }
  return total / IMAGES;
}

export async function benchSnn(ceiling: Ceiling): Promise<void> {
  const { network, test, image } = mnistFixture();
  const alpha = 50;
  const ann = new IntegerAnn(network);
  const annMs = await time((i) => (ann.clearIncrements(), ann.run(image(i), test.labels[i], alpha)));
  console.log(`\nevent-driven SNN, MNIST topology, seeded integer weights, ${IMAGES} MNIST test images, one thread`);
  console.log(`  integer ANN: ${annMs.toFixed(2)} ms/image; the machine's plain accumulate loop: ${ceiling.oneThread.toExponential(2)}/s`);
  const layers = network.layers.filter((l) => l.kind !== 'flatten') as NeuronLayer[];
  const bare = bareKernels(layers);
  let bareEvents = 0, bareAcc = 0;
  const bareMs = await time(
    (i) => {
      const r = bare.run(image(i), test.labels[i], alpha);
      bareEvents += r.events;
      bareAcc += r.accumulations;
    },
    () => (bareEvents = bareAcc = 0),
  );
  const row = (name: string, ms: number, events: number, acc: number) =>
    console.log(
      `  ${name.padEnd(22)} ${ms.toFixed(2).padStart(7)} ms/image  ${((events / ms) * 1000).toExponential(2)} events/s  ` +
        `${((acc / ms) * 1000).toExponential(2)} accumulations/s (${((acc / ms) * 1000 / ceiling.oneThread).toFixed(2)} of the plain loop)  ${(ms / annMs).toFixed(1)}× the ANN`,
    );
  row('bare kernels', bareMs, bareEvents / IMAGES, bareAcc / IMAGES);
  for (const order of ['fifo', 'reverse', 'shuffle', 'split', 'delay', 'split,delay']) {
    const snn = new SpikingNetwork(network, { orders: parseOrders(order), seed: 1 });
    let before: SnnStats | null = null;
    const ms = await time(
      async (i) => {
        await snn.clearIncrements();
        await snn.runExample(image(i), test.labels[i], alpha);
      },
      () => (before = snn.stats()),
    );
    const after = snn.stats();
    row(`actors, ${order}`, ms, (after.eventBound.measured - before!.eventBound.measured) / IMAGES, (totalAccumulations(after) - totalAccumulations(before!)) / IMAGES);
    snn.dispose();
  }
  console.log('  (per image, both directions; targets: ≥ 3e8 accumulations/s and ≤ 2.5× the ANN through the actor path)');
}

const totalAccumulations = (s: SnnStats) => s.layers.reduce((t, l) => t + l.forward.accumulations + l.backward.accumulations, 0);
