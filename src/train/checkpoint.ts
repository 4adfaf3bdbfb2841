/**
 * Training checkpoints: the integer model, the optimizer's float64 state and the progress, in one
 * safetensors file written atomically (a crash mid-write keeps the previous checkpoint).
 */
import { readInputFile, writeFileAtomic } from '../files.js';
import { InputError, inFile } from '../errors.js';
import { decodeModel, encodeModel } from '../network/modelFile.js';
import { decodeSafetensors, encodeSafetensors, type Tensor } from '../network/safetensors.js';
import type { Network } from '../network/topology.js';
import type { OptimizerState } from './optimizer.js';

/** 2: the tfjs engine's dense master weights are kept [out][in] (1 kept them [in][out]). */
export const CHECKPOINT_FORMAT = 'spikegrad-checkpoint/2';

export interface Progress {
  /** Epoch in progress (0-based) and the number of its batches already done. */
  epoch: number;
  batch: number;
  /** Best validation accuracy so far and its epoch. */
  best: { accuracy: number; epoch: number } | null;
  history: Record<string, number>[];
  /** The sums of the epoch in progress so far, so that a resumed epoch reports the whole epoch. */
  partial?: EpochSums;
}

/** Running sums of an epoch: loss, correct predictions, images seen, images back-propagated, seconds. */
export interface EpochSums {
  loss: number;
  correct: number;
  seen: number;
  backpropagated: number;
  /** False once a step did not say how many images it back-propagated. */
  counted: boolean;
  seconds: number;
}

export interface Checkpoint {
  network: Network;
  optimizer: OptimizerState;
  progress: Progress;
  /** The training configuration, to check a resume uses the same one. */
  config: Record<string, unknown>;
}

export function encodeCheckpoint(c: Checkpoint): Uint8Array {
  const model = decodeSafetensors(encodeModel({ network: c.network, info: {} }));
  const tensors = new Map<string, Tensor>();
  for (const [name, t] of model.tensors) tensors.set(`model.${name}`, t);
  c.optimizer.master.forEach((m, k) => tensors.set(`optimizer.master.${k}`, { dtype: 'F64', shape: [m.length], data: m }));
  c.optimizer.velocity.forEach((v, k) => tensors.set(`optimizer.velocity.${k}`, { dtype: 'F64', shape: [v.length], data: v }));
  c.optimizer.average?.forEach((a, k) => tensors.set(`optimizer.average.${k}`, { dtype: 'F64', shape: [a.length], data: a }));
  const metadata: Record<string, string> = {};
  for (const [k, v] of Object.entries(model.metadata)) metadata[`model.${k}`] = v;
  metadata.format = CHECKPOINT_FORMAT;
  metadata.step = String(c.optimizer.step);
  metadata.progress = JSON.stringify(c.progress);
  metadata.config = JSON.stringify(c.config);
  return encodeSafetensors(tensors, metadata);
}

export function decodeCheckpoint(bytes: Uint8Array, file?: string): Checkpoint {
  const { tensors, metadata } = decodeSafetensors(bytes, file);
  if (metadata.format === 'spikegrad-checkpoint/1') {
    throw new InputError(inFile(file, `__metadata__.format: "spikegrad-checkpoint/1" was written by an earlier spikegrad, which kept the optimizer state in another layout; this one resumes "${CHECKPOINT_FORMAT}" only, so start a new run (its best model so far is a valid model file)`));
  }
  if (metadata.format !== CHECKPOINT_FORMAT) throw new InputError(inFile(file, `__metadata__.format: expected "${CHECKPOINT_FORMAT}", found ${JSON.stringify(metadata.format ?? null)}`));
  const modelTensors = new Map<string, Tensor>();
  const master: Float64Array[] = [];
  const velocity: Float64Array[] = [];
  const average: Float64Array[] = [];
  for (const [name, t] of tensors) {
    if (name.startsWith('model.')) modelTensors.set(name.slice(6), t);
    else if (name.startsWith('optimizer.master.')) master[Number(name.slice(17))] = t.data;
    else if (name.startsWith('optimizer.velocity.')) velocity[Number(name.slice(19))] = t.data;
    else if (name.startsWith('optimizer.average.')) average[Number(name.slice(18))] = t.data;
  }
  const modelMeta = Object.fromEntries(Object.entries(metadata).filter(([k]) => k.startsWith('model.')).map(([k, v]) => [k.slice(6), v]));
  const { network } = decodeModel(encodeSafetensors(modelTensors, modelMeta), file);
  const json = (field: string): unknown => {
    try {
      return JSON.parse(metadata[field] ?? 'null');
    } catch {
      throw new InputError(inFile(file, `__metadata__.${field}: not valid JSON`));
    }
  };
  const weighted = network.layers.filter((l) => l.kind === 'dense' || l.kind === 'conv2d').length;
  if (master.length !== weighted || velocity.length !== weighted || master.some((m) => !m) || velocity.some((v) => !v)) {
    throw new InputError(inFile(file, `optimizer state: expected master weights and velocities for ${weighted} weighted layers`));
  }
  if (average.length > 0 && (average.length !== weighted || average.some((a, k) => !a || a.length !== master[k].length))) {
    throw new InputError(inFile(file, `optimizer state: expected a weight average (optimizer.average.K) for each of the ${weighted} weighted layers, as long as its master weights, or none`));
  }
  const named = [...master.map((m, k) => [`master.${k}`, m] as const), ...velocity.map((v, k) => [`velocity.${k}`, v] as const), ...average.map((a, k) => [`average.${k}`, a] as const)];
  for (const [name, values] of named) {
    const bad = values.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) throw new InputError(inFile(file, `optimizer state: ${name}[${bad}] is ${values[bad]}, expected a finite number`));
  }
  const step = Number(metadata.step);
  if (!Number.isSafeInteger(step) || step < 0) throw new InputError(inFile(file, `__metadata__.step: expected a non-negative integer, found ${metadata.step}`));
  return { network, optimizer: { step, master, velocity, ...(average.length > 0 ? { average } : {}) }, progress: json('progress') as Progress, config: json('config') as Record<string, unknown> };
}

export function saveCheckpoint(path: string, c: Checkpoint): void {
  const bytes = encodeCheckpoint(c);
  writeFileAtomic(path, bytes);
}

export function loadCheckpoint(path: string): Checkpoint {
  return decodeCheckpoint(readInputFile(path, 'checkpoint'), path);
}
