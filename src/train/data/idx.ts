/** The IDX format of MNIST and Fashion-MNIST (big-endian, magic 2051 images / 2049 labels), gzip or raw. */
import { readInputFile } from '../../files.js';
import { gunzipSync } from 'node:zlib';
import { InputError } from '../../errors.js';
import type { Dataset } from './dataset.js';

export const IDX_IMAGES_MAGIC = 2051;
export const IDX_LABELS_MAGIC = 2049;

/** Read a file, gunzipping it when it starts with the gzip signature. */
export function readMaybeGzip(path: string): Uint8Array {
  const raw = readInputFile(path, 'data file');
  if (raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b) {
    try {
      return gunzipSync(raw);
    } catch (e) {
      throw new InputError(`${path}: corrupt gzip data (${(e as Error).message})`);
    }
  }
  return raw;
}

function header(bytes: Uint8Array, path: string, magic: number, dims: number): number[] {
  const need = 4 + 4 * dims;
  if (bytes.length < need) throw new InputError(`${path}: truncated IDX header (${bytes.length} bytes, need ${need})`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const found = view.getUint32(0, false);
  if (found !== magic) throw new InputError(`${path}: wrong IDX magic number: expected ${magic}, found ${found}`);
  return Array.from({ length: dims }, (_, i) => view.getUint32(4 + 4 * i, false));
}

export function parseIdxImages(bytes: Uint8Array, path: string): { count: number; height: number; width: number; pixels: Uint8Array } {
  const [count, height, width] = header(bytes, path, IDX_IMAGES_MAGIC, 3);
  const expected = 16 + count * height * width;
  if (bytes.length < expected) {
    throw new InputError(`${path}: truncated: ${count} images of ${height}x${width} need ${expected} bytes, found ${bytes.length}`);
  }
  return { count, height, width, pixels: bytes.subarray(16, expected) };
}

export function parseIdxLabels(bytes: Uint8Array, path: string, classes: number): Uint8Array {
  const [count] = header(bytes, path, IDX_LABELS_MAGIC, 1);
  if (bytes.length < 8 + count) throw new InputError(`${path}: truncated: ${count} labels need ${8 + count} bytes, found ${bytes.length}`);
  const labels = bytes.subarray(8, 8 + count);
  const bad = labels.findIndex((l) => l >= classes);
  if (bad >= 0) throw new InputError(`${path}: label ${bad} is ${labels[bad]}, expected 0 to ${classes - 1}`);
  return labels;
}

/** Load an image file and its label file as one data set. */
export function loadIdxPair(name: string, imagesPath: string, labelsPath: string, classes = 10): Dataset {
  const images = parseIdxImages(readMaybeGzip(imagesPath), imagesPath);
  const labels = parseIdxLabels(readMaybeGzip(labelsPath), labelsPath, classes);
  if (images.count !== labels.length) {
    throw new InputError(`${imagesPath} holds ${images.count} images but ${labelsPath} holds ${labels.length} labels`);
  }
  return { name, shape: [1, images.height, images.width], classes, count: images.count, images: images.pixels, labels };
}
