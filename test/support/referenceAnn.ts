/**
 * A slow, obviously-correct integer ANN for tests: every layer is an explicit list of connections,
 * enumerated straight from the definitions of dense, conv2d and pooling.
 */
import { roundHalfAway } from '../../src/network/rounding.js';
import type { SpikeCase } from '../../src/network/caseFile.js';
import { sizeOf, type NeuronLayer } from '../../src/network/topology.js';
import { topErrorCompartment } from '../../src/equivalence/topError.js';
import type { LayerResult } from '../../src/equivalence/layerResults.js';

export interface Connection {
  from: number;
  to: number;
  weight: number;
  /** Index into layer.weights, or −1 for a fixed pooling weight. */
  param: number;
}

export function connectionsOf(layer: NeuronLayer): Connection[] {
  const out: Connection[] = [];
  const [inC, inH, inW] = layer.inShape;
  const [outC, outH, outW] = layer.outShape;
  if (layer.kind === 'dense') {
    const n = sizeOf(layer.inShape);
    for (let i = 0; i < layer.units; i++) for (let j = 0; j < n; j++) out.push({ from: j, to: i, weight: layer.weights[i * n + j], param: i * n + j });
  } else if (layer.kind === 'conv2d') {
    const k = layer.kernel;
    for (let o = 0; o < outC; o++)
      for (let oy = 0; oy < outH; oy++)
        for (let ox = 0; ox < outW; ox++)
          for (let c = 0; c < inC; c++)
            for (let ky = 0; ky < k; ky++)
              for (let kx = 0; kx < k; kx++) {
                const iy = oy * layer.stride - layer.padding + ky;
                const ix = ox * layer.stride - layer.padding + kx;
                if (iy < 0 || iy >= inH || ix < 0 || ix >= inW) continue;
                const param = ((o * inC + c) * k + ky) * k + kx;
                out.push({ from: (c * inH + iy) * inW + ix, to: (o * outH + oy) * outW + ox, weight: layer.weights[param], param });
              }
  } else {
    for (let c = 0; c < outC; c++)
      for (let oy = 0; oy < outH; oy++)
        for (let ox = 0; ox < outW; ox++)
          for (let dy = 0; dy < layer.size; dy++)
            for (let dx = 0; dx < layer.size; dx++) {
              const from = (c * inH + oy * layer.size + dy) * inW + ox * layer.size + dx;
              out.push({ from, to: (c * outH + oy) * outW + ox, weight: layer.weight, param: -1 });
            }
  }
  return out;
}

/** Bias index of output neuron `to` (dense: itself; conv: its channel), or −1 for pooling. */
export function biasIndexOf(layer: NeuronLayer, to: number): number {
  if (layer.kind === 'dense') return to;
  if (layer.kind === 'conv2d') return Math.floor(to / (layer.outShape[1] * layer.outShape[2]));
  return -1;
}

export function referenceAnn(c: SpikeCase): LayerResult[] {
  const layerIdx = c.network.layers.map((l, i) => (l.kind === 'flatten' ? -1 : i)).filter((i) => i >= 0);
  const layers = layerIdx.map((i) => c.network.layers[i] as NeuronLayer);
  const conns = layers.map(connectionsOf);
  const acts: number[][] = [Array.from(c.input)];
  const pre: number[][] = [];
  layers.forEach((layer, l) => {
    const a = new Array<number>(sizeOf(layer.outShape)).fill(0);
    for (let i = 0; i < a.length; i++) {
      const bi = biasIndexOf(layer, i);
      if (bi >= 0) a[i] = (layer as { bias: Float64Array }).bias[bi];
    }
    for (const k of conns[l]) a[k.to] += k.weight * acts[l][k.from];
    pre.push(a);
    acts.push(a.map((v) => roundHalfAway(layer.activation === 'relu' ? Math.max(0, v) : v, layer.theta)));
  });
  const L = layers.length - 1;
  const errors: number[][] = new Array(layers.length);
  const top = layers[L];
  let U = Array.from(topErrorCompartment(pre[L], top.theta, top.thetaBp, c.target, c.alpha));
  for (let l = L; l >= 0; l--) {
    const layer = layers[l];
    const fPrime = (i: number) => (l === L || layer.activation === 'linear' || pre[l][i] > 0 ? 1 : 0);
    errors[l] = U.map((u, i) => fPrime(i) * roundHalfAway(u, layer.thetaBp) + 0);
    const below = new Array<number>(sizeOf(layer.inShape)).fill(0);
    for (const k of conns[l]) below[k.from] += k.weight * errors[l][k.to];
    U = below;
  }
  const results: LayerResult[] = c.network.layers.map(() => ({}));
  layers.forEach((layer, l) => {
    const r: LayerResult = l === L ? { V: pre[l] } : { S: acts[l + 1] };
    r.E = errors[l];
    if (layer.kind !== 'avgpool') {
      const dW = new Array<number>(layer.weights.length).fill(0);
      const db = new Array<number>(layer.bias.length).fill(0);
      for (const k of conns[l]) dW[k.param] -= errors[l][k.to] * acts[l][k.from];
      for (let i = 0; i < errors[l].length; i++) db[biasIndexOf(layer, i)] -= errors[l][i];
      r.dW = dW.map((v) => v + 0);
      r.db = db.map((v) => v + 0);
    }
    results[layerIdx[l]] = r;
  });
  return results;
}
