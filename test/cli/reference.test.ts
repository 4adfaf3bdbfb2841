/** The CLI reference in docs/ is the one the declarations generate: the two cannot drift apart. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/cli/commands.js';
import { flagName } from '../../src/cli/options.js';
import { cliReference } from '../../src/cli/reference.js';

describe('docs/cli.md', () => {
  it('is what the command declarations generate (run npm run docs:cli after changing an option)', () => {
    expect(readFileSync('docs/cli.md', 'utf8')).toBe(cliReference(COMMANDS));
  });

  it('lists every option of every command with its default', () => {
    const text = readFileSync('docs/cli.md', 'utf8');
    for (const c of COMMANDS) {
      const section = text.slice(text.indexOf(`## spikegrad ${c.name}\n`));
      for (const [key, def] of Object.entries(c.options)) {
        const row = section.split('\n').find((line) => line.startsWith(`| \`${flagName(key)}`));
        expect(row, `${c.name} ${flagName(key)}`).toBeDefined();
        if (def.default !== undefined || def.defaultDoc !== undefined) expect(row).toContain(def.defaultDoc ?? def.default!);
      }
    }
  });
});
