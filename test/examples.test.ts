/** The examples the README shows run as written, against the code under test. */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

describe('examples', () => {
  it('the README shows examples/library.mjs as it is', () => {
    expect(readFileSync('README.md', 'utf8')).toContain('```js\n' + readFileSync('examples/library.mjs', 'utf8') + '```');
  });

  it('examples/library.mjs runs on a fresh clone: the case matches, the model trains, verifies bit-exact', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--import', './test/support/spikegradFromSource.mjs', 'examples/library.mjs'], { encoding: 'utf8', timeout: 120_000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^case: 0 differences; \d+ spikes in layer 0$/m);
    expect(Number(/test accuracy ([\d.]+) %/.exec(r.stdout)![1])).toBeGreaterThan(50);
    expect(r.stdout).toMatch(/bit-exact on the SNN: 20\/20/);
  });

  it('the README shows examples/properties.test.mjs as it is (vitest runs it: examples/**/*.test.mjs)', () => {
    expect(readFileSync('README.md', 'utf8')).toContain('```js\n' + readFileSync('examples/properties.test.mjs', 'utf8') + '```');
  });

  it('the README shows examples/tiny.topology.json as it is (the CLI tests train on it)', () => {
    expect(readFileSync('README.md', 'utf8')).toContain('```json\n' + readFileSync('examples/tiny.topology.json', 'utf8') + '```');
  });
});
