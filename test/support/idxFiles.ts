/** Write small IDX and CIFAR-10 files for data-loader tests. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

export function idxImages(count: number, h: number, w: number, fill = (i: number) => i % 256): Buffer {
  const b = Buffer.alloc(16 + count * h * w);
  b.writeUInt32BE(2051, 0);
  b.writeUInt32BE(count, 4);
  b.writeUInt32BE(h, 8);
  b.writeUInt32BE(w, 12);
  for (let i = 0; i < count * h * w; i++) b[16 + i] = fill(i);
  return b;
}

export function idxLabels(labels: number[]): Buffer {
  const b = Buffer.alloc(8 + labels.length);
  b.writeUInt32BE(2049, 0);
  b.writeUInt32BE(labels.length, 4);
  labels.forEach((l, i) => (b[8 + i] = l));
  return b;
}

/** A fake IDX data-set folder (gzip-compressed like Debian's Fashion-MNIST). */
export function writeIdxDir(dir: string, train: number, test: number, gzip = true): void {
  mkdirSync(dir, { recursive: true });
  const put = (name: string, data: Buffer) => writeFileSync(join(dir, gzip ? `${name}.gz` : name), gzip ? gzipSync(data) : data);
  put('train-images-idx3-ubyte', idxImages(train, 28, 28));
  put('train-labels-idx1-ubyte', idxLabels(Array.from({ length: train }, (_, i) => i % 10)));
  put('t10k-images-idx3-ubyte', idxImages(test, 28, 28));
  put('t10k-labels-idx1-ubyte', idxLabels(Array.from({ length: test }, (_, i) => (i * 3) % 10)));
}

/** CIFAR-10 binary batches with `perBatch` records each. */
export function writeCifarDir(dir: string, perBatch: number): void {
  mkdirSync(dir, { recursive: true });
  const batch = (seed: number) => {
    const b = Buffer.alloc(perBatch * 3073);
    for (let r = 0; r < perBatch; r++) {
      b[r * 3073] = (r + seed) % 10;
      for (let k = 1; k < 3073; k++) b[r * 3073 + k] = (k * 7 + r + seed) % 256;
    }
    return b;
  };
  for (let n = 1; n <= 5; n++) writeFileSync(join(dir, `data_batch_${n}.bin`), batch(n));
  writeFileSync(join(dir, 'test_batch.bin'), batch(0));
}
