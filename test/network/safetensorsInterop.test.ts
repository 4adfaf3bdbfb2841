/** Our model files read back by an independent reader written from the safetensors specification. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCaseFile } from '../../src/network/caseFile.js';
import { saveModel } from '../../src/network/modelFile.js';

describe('safetensors interoperability', () => {
  it('a Python reader following the format sees the same tensors, shapes, dtypes and metadata', () => {
    const { network } = readCaseFile('examples/small.case.json');
    const conv = network.layers[0] as { weights: Float64Array };
    conv.weights[0] = 2 ** 40; // forces I64 for this tensor
    const file = join(mkdtempSync(join(tmpdir(), 'spikegrad-st-')), 'm.safetensors');
    saveModel(file, { network, info: { alpha: '20' } });
    const r = spawnSync('python3', ['test/support/read_safetensors.py', file], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout);
    expect(out.metadata.format).toBe('spikegrad-model/1');
    expect(out.metadata.alpha).toBe('20');
    expect(JSON.parse(out.metadata.theta)).toEqual([16, 4, null, 7, 9]);
    expect(out.tensors['layers.0.weight']).toEqual({ dtype: 'I64', shape: [2, 1, 3, 3], values: Array.from(conv.weights) });
    const dense = network.layers[3] as { weights: Float64Array; bias: Float64Array };
    expect(out.tensors['layers.3.weight']).toEqual({ dtype: 'I32', shape: [4, 18], values: Array.from(dense.weights) });
    expect(out.tensors['layers.3.bias'].values).toEqual(Array.from(dense.bias));
  });
});
