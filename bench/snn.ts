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

const IMAGES = 40;

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

/** Warm-up images per path before any timing: fewer leave a path timed still being compiled. */
const WARM_UP = 10;

/** A path through one image, counting its events and accumulations. */
interface Path {
  name: string;
  run(i: number): Promise<unknown> | unknown;
  counts(): { events: number; accumulations: number };
  dispose?(): void;
}

/**
 * Mean ms per image of every path over the same IMAGES images, timed in turns (image i through every
 * path, then image i + 1): the machine is shared, and a slow stretch then falls on all paths alike
 * instead of on whichever one it came during.
 */
async function timeInTurns(paths: readonly Path[]): Promise<{ ms: number; events: number; accumulations: number }[]> {
  for (const path of paths) for (let i = 0; i < WARM_UP; i++) await path.run(i);
  const before = paths.map((p) => p.counts());
  const total = paths.map(() => 0);
  for (let i = 0; i < IMAGES; i++) {
    for (let k = 0; k < paths.length; k++) {
      const start = performance.now();
      await paths[k].run(i);
      total[k] += performance.now() - start;
    }
  }
  return paths.map((p, k) => {
    const after = p.counts();
    return { ms: total[k] / IMAGES, events: (after.events - before[k].events) / IMAGES, accumulations: (after.accumulations - before[k].accumulations) / IMAGES };
  });
}

export async function benchSnn(ceiling: Ceiling): Promise<void> {
  const { network, test, image } = mnistFixture();
  const alpha = 50;
  const ann = new IntegerAnn(network);
  const layers = network.layers.filter((l) => l.kind !== 'flatten') as NeuronLayer[];
  const bare = bareKernels(layers);
  let bareEvents = 0, bareAcc = 0;
  const paths: Path[] = [
    { name: 'integer ANN', run: (i) => (ann.clearIncrements(), ann.run(image(i), test.labels[i], alpha)), counts: () => ({ events: 0, accumulations: 0 }) },
    {
      name: 'bare kernels',
      run: (i) => {
        const r = bare.run(image(i), test.labels[i], alpha);
        bareEvents += r.events;
        bareAcc += r.accumulations;
      },
      counts: () => ({ events: bareEvents, accumulations: bareAcc }),
    },
    ...['fifo', 'reverse', 'shuffle', 'split', 'delay', 'split,delay'].map((order): Path => {
      const snn = new SpikingNetwork(network, { orders: parseOrders(order), seed: 1 });
      return {
        name: `actors, ${order}`,
        run: async (i) => {
          await snn.clearIncrements();
          // The final states as typed arrays, as verification reads them (runExample adds plain-array copies).
          await snn.runExampleStates(image(i), test.labels[i], alpha);
        },
        counts: () => {
          const s = snn.stats();
          return { events: s.eventBound.measured, accumulations: totalAccumulations(s) };
        },
        dispose: () => snn.dispose(),
      };
    }),
  ];
  const [annTime, ...timed] = await timeInTurns(paths);
  for (const p of paths) p.dispose?.();
  const annMs = annTime.ms;
  console.log(`\nevent-driven SNN, MNIST topology, seeded integer weights, ${IMAGES} MNIST test images, one thread, every path timed in turns image by image`);
  console.log(`  integer ANN: ${annMs.toFixed(2)} ms/image; the machine's plain accumulate loop: ${ceiling.oneThread.toExponential(2)}/s`);
  timed.forEach(({ ms, events, accumulations }, k) =>
    console.log(
      `  ${paths[k + 1].name.padEnd(22)} ${ms.toFixed(2).padStart(7)} ms/image  ${((events / ms) * 1000).toExponential(2)} events/s  ` +
        `${((accumulations / ms) * 1000).toExponential(2)} accumulations/s (${((accumulations / ms) * 1000 / ceiling.oneThread).toFixed(2)} of the plain loop)  ${(ms / annMs).toFixed(1)}× the ANN`,
    ),
  );
  console.log('  (per image, both directions; targets: ≥ 3e8 accumulations/s and ≤ 2.5× the ANN through the actor path)');
}

const totalAccumulations = (s: SnnStats) => s.layers.reduce((t, l) => t + l.forward.accumulations + l.backward.accumulations, 0);
