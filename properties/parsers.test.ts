/**
 * Every file reader fuzzed: random bytes and mutations of a valid file (bytes flipped, cut short,
 * spliced) are either read or refused with an InputError that names the file — never another
 * exception, a hang or a process exit.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { simulateCase } from '../src/actors/simulateCase.js';
import { InputError } from '../src/errors.js';
import { caseToJson, decodeCaseFile, readCaseFile } from '../src/network/caseFile.js';
import { initNetwork } from '../src/network/init.js';
import { decodeModel, encodeModel } from '../src/network/modelFile.js';
import { networkToNir } from '../src/network/nir/export.js';
import { decodeNir, encodeNir } from '../src/network/nir/nirFile.js';
import { decodeEventLog, EventLogWriter } from '../src/streams/eventLog.js';
import { decodeScheduleFile, scheduleToJson } from '../src/streams/scheduleFile.js';
import { decodeCheckpoint, encodeCheckpoint } from '../src/train/checkpoint.js';
import { parseIdxImages, parseIdxLabels } from '../src/train/data/idx.js';
import { parseCifarBatch } from '../src/train/data/sources.js';
import { IntegerSgd } from '../src/train/optimizer.js';

const FILE = 'fuzzed.bin';
const tiny = { inputShape: [1, 4, 4] as [number, number, number], layers: [
  { kind: 'conv2d' as const, channels: 2, kernel: 3, stride: 1, padding: 0, activation: 'relu' as const, theta: 8, thetaBp: 2 },
  { kind: 'flatten' as const },
  { kind: 'dense' as const, units: 3, activation: 'linear' as const, theta: 8, thetaBp: 8 },
] };

/** A valid file, then what the fuzzer does to it. */
const mutated = (valid: Uint8Array) =>
  fc.oneof(
    fc.uint8Array({ maxLength: 2048 }),
    fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }).map((flips) => {
      const b = Uint8Array.from(valid);
      for (const [at, v] of flips) b[at % b.length] = v;
      return b;
    }),
    fc.nat().map((n) => valid.subarray(0, n % (valid.length + 1))),
    fc.tuple(fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 64 })).map(([at, bytes]) => {
      const k = at % (valid.length + 1);
      return Uint8Array.from([...valid.subarray(0, k), ...bytes, ...valid.subarray(k)]);
    }),
  );

async function readOrRefuse(read: () => unknown): Promise<void> {
  try {
    await read();
  } catch (e) {
    if (!(e instanceof InputError)) throw new Error(`not an InputError: ${(e as Error)?.constructor?.name}: ${(e as Error)?.message ?? String(e)}`, { cause: e });
    expect(e.message).toContain(FILE);
  }
}

const network = initNetwork(tiny, { seed: 3 });
const c = { network, input: Float64Array.from({ length: 16 }, (_, i) => (i * 7) % 11), target: 1, alpha: 20 };

describe('parsers under fuzzing: read, or refused by an InputError naming the file', () => {
  it('case files (JSON)', async () => {
    const valid = new TextEncoder().encode(JSON.stringify(caseToJson(readCaseFile('examples/small.case.json'))));
    await fc.assert(fc.asyncProperty(mutated(valid), (b) => readOrRefuse(() => decodeCaseFile(b, FILE))), { numRuns: 300, seed: 1 });
  });

  it('schedule files (JSON)', async () => {
    const valid = new TextEncoder().encode(JSON.stringify(scheduleToJson({ policy: 'burst', choices: [3, [1, 2], 0, 7, [4, 1]] })));
    await fc.assert(fc.asyncProperty(mutated(valid), (b) => readOrRefuse(() => decodeScheduleFile(b, FILE))), { numRuns: 300, seed: 9 });
  });

  it('model files (safetensors)', async () => {
    const valid = encodeModel({ network, info: { alpha: '20' } });
    await fc.assert(fc.asyncProperty(mutated(valid), (b) => readOrRefuse(() => decodeModel(b, FILE))), { numRuns: 300, seed: 2 });
  });

  it('checkpoints', async () => {
    const optimizer = new IntegerSgd(network, { lr: 1, momentum: 0, weightDecay: 0, alpha: 1, schedule: 'constant', totalSteps: 1 }).state;
    const valid = encodeCheckpoint({ network, optimizer, progress: { epoch: 0, batch: 0, best: null, history: [] }, config: {} });
    await fc.assert(fc.asyncProperty(mutated(valid), (b) => readOrRefuse(() => decodeCheckpoint(b, FILE))), { numRuns: 300, seed: 3 });
  });

  it('IDX images and labels, CIFAR-10 batches', async () => {
    const images = Uint8Array.from([0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 2, 1, 2, 3, 4, 5, 6, 7, 8]);
    const labels = Uint8Array.from([0, 0, 8, 1, 0, 0, 0, 3, 1, 2, 9]);
    const cifar = Uint8Array.from({ length: 2 * 3073 }, (_, i) => (i % 3073 === 0 ? 4 : i % 256));
    await fc.assert(fc.asyncProperty(mutated(images), (b) => readOrRefuse(() => parseIdxImages(b, FILE))), { numRuns: 300, seed: 4 });
    await fc.assert(fc.asyncProperty(mutated(labels), (b) => readOrRefuse(() => parseIdxLabels(b, FILE, 10))), { numRuns: 300, seed: 5 });
    await fc.assert(fc.asyncProperty(mutated(cifar), (b) => readOrRefuse(() => parseCifarBatch(b, FILE))), { numRuns: 200, seed: 6 });
  });

  it('event logs', async () => {
    const mem = EventLogWriter.inMemory({ format: 'fuzz' });
    await simulateCase(c, { workers: 1, log: mem.writer });
    const valid = mem.bytes();
    await fc.assert(fc.asyncProperty(mutated(valid), (b) => readOrRefuse(() => decodeEventLog(b, FILE))), { numRuns: 300, seed: 7 });
  });

  it('NIR files (HDF5)', async () => {
    const valid = await encodeNir(networkToNir(network));
    await fc.assert(fc.asyncProperty(mutated(valid), (b) => readOrRefuse(() => decodeNir(b, FILE))), { numRuns: 150, seed: 8 });
    // HDF5 aborting on a damaged file must not break the reader for the files after it.
    expect((await decodeNir(valid, 'valid.nir')).nodes.size).toBe(7);
  }, 120_000);
});
