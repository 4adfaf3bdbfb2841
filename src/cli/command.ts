/**
 * A command declared once: its arguments, its options (options.ts) and a cross-field check. From the
 * declaration commander registers it, every value is validated before any work, output files are
 * prepared (folders created, writability checked), and docs/cli.md is generated.
 */
import type { Command } from 'commander';
import { prepareOutputFile, prepareOutputFolder } from '../files.js';
import { flagName, parseOptions, type OptionDef, type OptionValues } from './options.js';

export interface ArgumentDef {
  name: string;
  description: string;
}

export interface CommandContext {
  /** Was the option given on the command line (not taken from its default)? */
  given(key: string): boolean;
}

export interface CommandSpec<O extends Record<string, OptionDef> = Record<string, OptionDef>> {
  name: string;
  summary: string;
  /** Paragraphs for the reference, after the synopsis. */
  details?: string[];
  arguments: ArgumentDef[];
  options: O;
  /** Rules between options, run after each value is valid; throw InputError. */
  check?: (values: OptionValues<O>, context: CommandContext) => void;
  run(args: string[], values: OptionValues<O>, context: CommandContext): Promise<void> | void;
}

export function defineCommand<O extends Record<string, OptionDef>>(spec: CommandSpec<O>): CommandSpec<O> {
  return spec;
}

/** The text of an option in help and reference: its description, expected values and default. */
export function describeOption(def: OptionDef, forReference = false): string {
  const dflt = forReference ? (def.defaultDoc ?? def.default) : (def.default ?? def.defaultDoc);
  const expected = def.placeholder === null ? '' : `; ${forReference ? (def.expectedDoc ?? def.expected) : def.expected}`;
  return `${def.description}${expected}${dflt !== undefined ? ` (default: ${dflt})` : ''}${def.repeatable ? ' (repeatable)' : ''}`;
}

export function registerCommand(program: Command, spec: CommandSpec): void {
  const command = program.command(spec.name).description(spec.summary);
  for (const a of spec.arguments) command.argument(`<${a.name}>`, a.description);
  for (const [key, def] of Object.entries(spec.options)) {
    const flags = def.placeholder === null ? flagName(key) : `${flagName(key)} ${def.placeholder}`;
    if (def.repeatable) command.option(flags, describeOption(def), (v: string, previous: string[] | undefined) => [...(previous ?? []), v]);
    else command.option(flags, describeOption(def));
  }
  command.action(async (...received: unknown[]) => {
    const args = received.slice(0, spec.arguments.length) as string[];
    const raw = (received[spec.arguments.length] as Record<string, unknown>) ?? {};
    const values = parseOptions(spec.options, raw);
    const context: CommandContext = { given: (key) => raw[key] !== undefined };
    spec.check?.(values, context);
    for (const [key, def] of Object.entries(spec.options)) {
      const value = (values as Record<string, unknown>)[key];
      if (typeof value !== 'string') continue;
      if (def.output === 'file') prepareOutputFile(value, flagName(key));
      if (def.output === 'folder') prepareOutputFolder(value, flagName(key));
    }
    await spec.run(args, values, context);
  });
}
