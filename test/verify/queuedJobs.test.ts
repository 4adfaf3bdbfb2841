/** What a queue worker checks before it works: the model by hash, the data set's images by hash; and results keep NaN. */
import { readFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { initNetwork } from '../../src/network/init.js';
import { saveModel } from '../../src/network/modelFile.js';
import { resolveTopology } from '../../src/network/topologyFile.js';
import { loadDataset } from '../../src/train/data/sources.js';
import { sha256, type JobContext } from '../../src/verify/jobQueue.js';
import { runJobsHere, planJobs } from '../../src/verify/properties/jobs.js';
import { loadSampleRange, planSampleRanges } from '../../src/verify/sampleJobs.js';
import { mergeVerifyParts, runVerifyJob, verifyJobs } from '../../src/verify/verifyJobs.js';
import { verifySamples } from '../../src/verify/verifySamples.js';
import { imageAt } from '../../src/train/data/dataset.js';
import { fromWire, toWire } from '../../src/workers/wire.js';

const dir = mkdtempSync(join(tmpdir(), 'spikegrad-jobs-'));
const modelFile = join(dir, 'tiny.safetensors');
const network = initNetwork(resolveTopology('examples/tiny.topology.json'), { seed: 3 });
saveModel(modelFile, { network, info: {} });
const bytes = new Uint8Array(readFileSync(modelFile));
const context = (blobs: Uint8Array[]): JobContext => ({
  async blob(hash) {
    const b = blobs.find((x) => sha256(x) === hash);
    if (!b) throw new InputError(`the shared input ${hash} is no longer in Redis`);
    return b;
  },
});
const test = loadDataset('mnist').test;

describe('sample ranges', () => {
  it('cut the first n images into ranges of at most jobSize, in order', () => {
    const ranges = planSampleRanges(sha256(bytes), 'mnist', undefined, test, 250, 100);
    expect(ranges.map((r) => [r.from, r.to])).toEqual([[0, 100], [100, 200], [200, 250]]);
    expect(new Set(ranges.map((r) => r.data)).size).toBe(3);
  });

  it('a worker whose images differ from the submitter\'s refuses the job, naming the images', async () => {
    const [range] = planSampleRanges(sha256(bytes), 'mnist', undefined, test, 10, 10);
    await expect(loadSampleRange({ ...range, data: '0'.repeat(64) }, context([bytes]))).rejects.toThrow(/test images 0–9 of mnist on this worker differ from the submitter's/);
    await expect(loadSampleRange({ ...range, model: sha256(new Uint8Array([1])) }, context([bytes]))).rejects.toThrow(InputError);
    const { samples } = await loadSampleRange(range, context([bytes]));
    expect(samples.map((s) => s.target)).toEqual(Array.from(test.labels.subarray(0, 10)));
  });

  it('verification parts merged in index order equal a local verification, whatever order the parts come back in', async () => {
    const n = 60;
    const ranges = planSampleRanges(sha256(bytes), 'mnist', undefined, test, n, 16);
    const settings = { order: 'shuffle', seed: 9, policy: 'single' as const, eventBudget: 2e9, rangeCheck: 'auto' as const, latency: null, barrier: 'exact', inputTiming: 'zero' };
    const parts = [];
    for (const job of verifyJobs(ranges, 30, settings).reverse()) parts.push(fromWire<Awaited<ReturnType<typeof runVerifyJob>>>(toWire(await runVerifyJob(job.data, context([bytes])))));
    const merged = mergeVerifyParts(parts, 0);
    const samples = Array.from({ length: n }, (_, i) => ({ input: imageAt(test, i), target: test.labels[i] }));
    const local = await verifySamples(network, samples, 30, { workers: 1, order: 'shuffle', seed: 9, policy: 'single' });
    const { seconds: _a, startupSeconds: _b, workers: _c, snnSeconds: _g, ...same } = local;
    const { seconds: _d, startupSeconds: _e, workers: _f, snnSeconds: _h, ...got } = merged;
    expect(got).toEqual(same);
  });
});

describe('the wire', () => {
  it('keeps NaN and ±Infinity, and everything else as JSON does', () => {
    const value = { a: NaN, b: [Infinity, -Infinity, 1.5, null], c: { $number: 3 }, d: 'x' };
    expect(fromWire(toWire(value))).toEqual(value);
  });
});

describe('properties here with several threads', () => {
  it('the same totals with 1 and 2 threads', async () => {
    const jobs = planJobs(['snnEqualsAnn', 'replayEqualsLiveRun'], 60, 3, 20);
    const strip = (rs: Awaited<ReturnType<typeof runJobsHere>>) => rs.map(({ seconds: _s, ...r }) => r);
    expect(strip(await runJobsHere(jobs, 2))).toEqual(strip(await runJobsHere(jobs, 1)));
  }, 120_000);
});
