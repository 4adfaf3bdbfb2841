/** docs/cli.md, generated from the commands' declarations, so the reference cannot drift from the code. */
import type { CommandSpec } from './command.js';
import { flagName } from './options.js';

const cell = (text: string): string => text.replace(/\|/g, '\\|');

export function cliReference(commands: readonly CommandSpec[]): string {
  const out: string[] = [
    '# Command-line reference',
    '',
    'Generated from the commands\' declarations in `src/cli/` (`npm run docs:cli`); `test/cli/reference.test.ts`',
    'fails when this page and the code disagree. Run any command with `--help` for the same text.',
    '',
    'Exit status: 0 on success; 1 when a check found a difference (`check`, `verify`, `demo`); 2 on bad input',
    '(the message names the option or file, the field, what was expected and what was found; no output file',
    'is touched); 130 when interrupted (Ctrl-C). Outputs are written atomically: a refused, failed or killed run',
    'leaves an existing file as it was. Progress goes to stderr; `--json` output to stdout.',
    '',
    'Commands:',
    '',
    ...commands.map((c) => `- [\`${c.name}\`](#spikegrad-${c.name}) — ${c.summary}`),
  ];
  for (const c of commands) {
    const synopsis = ['spikegrad', c.name, ...c.arguments.map((a) => `<${a.name}>`), ...(Object.keys(c.options).length ? ['[options]'] : [])].join(' ');
    out.push('', `## spikegrad ${c.name}`, '', `\`${synopsis}\``, '', `${c.summary[0].toUpperCase()}${c.summary.slice(1)}.`);
    if (c.arguments.length) {
      out.push('', '| argument | what |', '| --- | --- |', ...c.arguments.map((a) => `| \`<${a.name}>\` | ${cell(a.description)} |`));
    }
    const options = Object.entries(c.options);
    if (options.length) {
      out.push('', '| option | value | default | what |', '| --- | --- | --- | --- |');
      for (const [key, def] of options) {
        const flags = def.placeholder === null ? flagName(key) : `${flagName(key)} ${def.placeholder}`;
        const value = def.placeholder === null ? '(flag)' : (def.expectedDoc ?? def.expected);
        const dflt = def.defaultDoc ?? def.default ?? '—';
        out.push(`| \`${flags}\` | ${cell(value)} | ${cell(dflt)} | ${cell(def.description)}${def.repeatable ? ' (repeatable)' : ''} |`);
      }
    }
    for (const paragraph of c.details ?? []) out.push('', paragraph);
  }
  return `${out.join('\n')}\n`;
}
