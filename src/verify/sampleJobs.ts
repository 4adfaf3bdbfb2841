/**
 * Test images in jobs: the first N test images of a data set cut into ranges of at most `jobSize`,
 * each a job that any `spikegrad worker` can run. A job names the model by the sha256 of its file (put
 * once into Redis) and the data set by name, with the sha256 of its range's pixels and labels, so a
 * worker whose copy of the data differs refuses the job instead of reporting on other images.
 */
import { createHash } from 'node:crypto';
import { InputError } from '../errors.js';
import { decodeModel } from '../network/modelFile.js';
import type { Network } from '../network/topology.js';
import { imageAt, type Dataset } from '../train/data/dataset.js';
import { loadDataset } from '../train/data/sources.js';
import type { BatchSample } from '../equivalence/layerResults.js';
import type { JobContext } from './jobQueue.js';

export interface SampleRange {
  /** sha256 of the model file's bytes (a blob in Redis). */
  model: string;
  dataset: string;
  dataDir?: string;
  /** Test images [from, to). */
  from: number;
  to: number;
  /** sha256 of the range's pixels and labels. */
  data: string;
}

function rangeHash(test: Dataset, from: number, to: number): string {
  const h = createHash('sha256');
  for (let i = from; i < to; i++) h.update(imageAt(test, i));
  h.update(test.labels.subarray(from, to));
  return h.digest('hex');
}

/** The ranges of the first `n` test images, at most `jobSize` each, in index order. */
export function planSampleRanges(modelSha256: string, dataset: string, dataDir: string | undefined, test: Dataset, n: number, jobSize: number): SampleRange[] {
  const ranges: SampleRange[] = [];
  for (let from = 0; from < n; from += jobSize) {
    const to = Math.min(n, from + jobSize);
    ranges.push({ model: modelSha256, dataset, ...(dataDir === undefined ? {} : { dataDir }), from, to, data: rangeHash(test, from, to) });
  }
  return ranges;
}

/** A worker keeps what several jobs share: models by hash, data sets by name and folder. */
const models = new Map<string, Network>();
const datasets = new Map<string, Dataset>();

/** The network and the samples of a range, on the worker's side. */
export async function loadSampleRange(range: SampleRange, context: JobContext): Promise<{ network: Network; samples: BatchSample[] }> {
  let network = models.get(range.model);
  if (!network) {
    network = decodeModel(await context.blob(range.model), `model ${range.model.slice(0, 12)}`).network;
    models.set(range.model, network);
  }
  const key = `${range.dataset}\0${range.dataDir ?? ''}`;
  let test = datasets.get(key);
  if (!test) {
    test = loadDataset(range.dataset, range.dataDir).test;
    datasets.set(key, test);
  }
  if (range.to > test.count || rangeHash(test, range.from, range.to) !== range.data) {
    throw new InputError(`test images ${range.from}–${range.to - 1} of ${range.dataset}${range.dataDir ? ` in ${range.dataDir}` : ''} on this worker differ from the submitter's; give every worker the same data`);
  }
  const samples = [];
  for (let i = range.from; i < range.to; i++) samples.push({ input: imageAt(test, i), target: test.labels[i] });
  return { network, samples };
}
