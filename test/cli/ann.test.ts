import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runAnnCase } from '../../src/equivalence/layerResults.js';
import { readCaseFile } from '../../src/network/caseFile.js';
import { runCli } from '../support/cli.js';

describe('spikegrad ann', () => {
  it('prints the integer ANN of a case as one JSON object', () => {
    const r = runCli(['ann', 'examples/small.case.json', '--json']);
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.layers).toEqual(runAnnCase(readCaseFile('examples/small.case.json')).layers);
    expect(Object.keys(out.layers[0]).sort()).toEqual(['E', 'S', 'dW', 'db']);
    expect(Object.keys(out.layers[1]).sort()).toEqual(['E', 'S']);
    expect(out.layers[2]).toEqual({});
    expect(Object.keys(out.layers[4]).sort()).toEqual(['E', 'V', 'dW', 'db']);
  });

  it('prints a readable summary without --json', () => {
    const r = runCli(['ann', 'examples/small.case.json']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/layer 0 conv2d → 2x6x6/);
    expect(r.stdout).toMatch(/layer 4 dense → 3x1x1 \(classification\)/);
  });

  it('exits non-zero with the message on bad input', () => {
    const dir = mkdtempSync(join(tmpdir(), 'spikegrad-cli-'));
    const c = JSON.parse(readFileSync('examples/small.case.json', 'utf8'));
    c.layers[0].theta = 0;
    writeFileSync(join(dir, 'bad.json'), JSON.stringify(c));
    const r = runCli(['ann', join(dir, 'bad.json')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/bad\.json: layers\[0\]\.theta/);
    expect(r.stdout).toBe('');
  });
});
