import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { initNetwork } from '../../src/network/init.js';
import { decodeModel, encodeModel, loadModel, saveModel } from '../../src/network/modelFile.js';
import { mnistArchitecture } from '../../src/network/presets.js';
import { decodeSafetensors, encodeSafetensors, type Tensor } from '../../src/network/safetensors.js';
import { readCaseFile } from '../../src/network/caseFile.js';

const tensors = (): Map<string, Tensor> =>
  new Map<string, Tensor>([
    ['a', { dtype: 'I32', shape: [2, 3], data: Float64Array.from([1, -2, 3, -2147483648, 2147483647, 0]) }],
    ['b', { dtype: 'I64', shape: [2], data: Float64Array.from([Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER]) }],
    ['c', { dtype: 'U8', shape: [3], data: Float64Array.from([0, 128, 255]) }],
  ]);

/** Rewrite the JSON header of an encoded file (keeping the data section). */
function withHeader(bytes: Uint8Array, edit: (h: any) => void): Uint8Array {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  const header = JSON.parse(Buffer.from(bytes.subarray(8, 8 + n)).toString());
  edit(header);
  const json = Buffer.from(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + bytes.length - 8 - n);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(bytes.subarray(8 + n), 8 + json.length);
  return out;
}

describe('safetensors', () => {
  it('round-trips every integer, with the data 8-byte aligned', () => {
    const bytes = encodeSafetensors(tensors(), { k: 'v' });
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect((8 + n) % 8).toBe(0);
    const back = decodeSafetensors(bytes);
    expect(back.metadata).toEqual({ k: 'v' });
    expect(back.tensors).toEqual(tensors());
  });

  it.each([
    ['a header length past the end', (b: Uint8Array) => { new DataView(b.buffer).setBigUint64(0, 10n ** 6n, true); return b; }, /header length 1000000 runs past the end/],
    ['a truncated file', (b: Uint8Array) => b.subarray(0, b.length - 3), /the data does not match its checksum/],
    ['a truncated file without a checksum', (b: Uint8Array) => { const o = withHeader(b, (h) => delete h.__metadata__.sha256); return o.subarray(0, o.length - 3); }, /data_offsets .* out of range|cover/],
    ['overlapping offsets', (b: Uint8Array) => withHeader(b, (h) => (h.b.data_offsets = [16, 32])), /"b": data_offsets \[16, 32\] overlap/],
    ['a dtype/shape mismatch', (b: Uint8Array) => withHeader(b, (h) => (h.a.shape = [2, 2])), /"a": dtype I32 with shape \[2, 2\] needs 16 bytes, data_offsets give 24/],
    ['an unknown dtype', (b: Uint8Array) => withHeader(b, (h) => (h.a.dtype = 'F16')), /"a": dtype "F16" is not one of/],
    ['a header that is not JSON', (b: Uint8Array) => { b[9] = 0x7b; b[10] = 0x7b; return b; }, /header is not valid JSON/],
    ['a hole in the data', (b: Uint8Array) => withHeader(b, (h) => (h.c.data_offsets = [h.c.data_offsets[0] + 1, h.c.data_offsets[1] + 1])), /out of range|hole/],
  ])('refuses %s', (_name, corrupt, pattern) => {
    const bytes = corrupt(encodeSafetensors(tensors(), {}));
    expect(() => decodeSafetensors(bytes, 'm.safetensors')).toThrow(InputError);
    expect(() => decodeSafetensors(bytes, 'm.safetensors')).toThrow(pattern);
  });
});

describe('integer model files', () => {
  it('round-trip the MNIST topology with its thresholds and metadata', () => {
    const network = initNetwork(mnistArchitecture(), { seed: 3 });
    const dir = mkdtempSync(join(tmpdir(), 'spikegrad-'));
    saveModel(join(dir, 'm.safetensors'), { network, info: { alpha: '50' } });
    const back = loadModel(join(dir, 'm.safetensors'));
    expect(back.network).toEqual(network);
    expect(back.info).toEqual({ alpha: '50' });
    const header = JSON.parse(readFileSync(join(dir, 'm.safetensors')).subarray(8, 8 + 4000).toString().split('}}')[0] + '}}');
    expect(header['layers.0.weight']).toMatchObject({ dtype: 'I32', shape: [15, 1, 5, 5] });
    expect(header.__metadata__.format).toBe('spikegrad-model/1');
  });

  it('round-trips a case network with conv, pool, flatten, dense', () => {
    const { network } = readCaseFile('examples/small.case.json');
    expect(decodeModel(encodeModel({ network, info: {} })).network).toEqual(network);
  });

  it('refuses a tensor whose shape does not fit the topology, and missing tensors', () => {
    const { network } = readCaseFile('examples/small.case.json');
    const bytes = encodeModel({ network, info: {} });
    const wrongShape = withHeader(bytes, (h) => (h['layers.3.weight'].shape = [18, 4]));
    expect(() => decodeModel(wrongShape, 'm')).toThrow(/m: tensor "layers\.3\.weight": expected shape \[4, 18\], found \[18, 4\]/);
    const renamed = withHeader(bytes, (h) => {
      h['layers.9.weight'] = h['layers.3.weight'];
      delete h['layers.3.weight'];
    });
    expect(() => decodeModel(renamed, 'm')).toThrow(/tensor "layers\.3\.weight" is missing/);
    const dir = mkdtempSync(join(tmpdir(), 'spikegrad-'));
    writeFileSync(join(dir, 'x'), bytes.subarray(0, 100));
    expect(() => loadModel(join(dir, 'x'))).toThrow(InputError);
  });
});
