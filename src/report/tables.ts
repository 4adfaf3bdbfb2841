/**
 * Tables for analysis elsewhere (pandas, polars, R): CSV, or Apache Arrow IPC files through the
 * `apache-arrow` package, chosen by the file's extension. Columns are typed: text (stored as a
 * dictionary in Arrow), whole numbers, decimals (a missing value is NaN, an empty cell in CSV), and
 * booleans. Written atomically.
 */
import { Bool, Dictionary, Float64, Int32, Table as ArrowTable, Utf8, tableToIPC, vectorFromArray, type Vector } from 'apache-arrow';
import { InputError } from '../errors.js';
import { writeFileAtomic } from '../files.js';

export type Column =
  | { kind: 'text'; values: string[] }
  | { kind: 'int'; values: ArrayLike<number> }
  | { kind: 'float'; values: ArrayLike<number> }
  | { kind: 'bool'; values: boolean[] };

export type Table = Record<string, Column>;

export const TABLE_FORMATS = ['.csv', '.arrow'] as const;

export function tableFormat(path: string, option = '--table'): 'csv' | 'arrow' {
  if (path.endsWith('.csv')) return 'csv';
  if (path.endsWith('.arrow')) return 'arrow';
  throw new InputError(`${option} ${path}: expected a file name ending in .csv or .arrow (Apache Arrow IPC)`);
}

const csvCell = (text: string): string => (/[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text);

export function tableToCsv(table: Table): string {
  const names = Object.keys(table);
  const rows = names.length ? table[names[0]].values.length : 0;
  const lines = [names.map(csvCell).join(',')];
  for (let r = 0; r < rows; r++) {
    lines.push(
      names
        .map((n) => {
          const c = table[n];
          const v = c.values[r];
          if (c.kind === 'text') return csvCell(v as string);
          if (c.kind === 'bool') return v ? 'true' : 'false';
          return Number.isNaN(v as number) ? '' : String(v);
        })
        .join(','),
    );
  }
  return `${lines.join('\n')}\n`;
}

export function tableToArrow(table: Table): Uint8Array {
  const columns: Record<string, unknown> = {};
  for (const [name, c] of Object.entries(table)) {
    if (c.kind === 'text') columns[name] = vectorFromArray(c.values, new Dictionary(new Utf8(), new Int32()));
    else if (c.kind === 'int') columns[name] = vectorFromArray(Array.from(c.values), new Int32());
    else if (c.kind === 'float') columns[name] = vectorFromArray(Array.from(c.values), new Float64());
    else columns[name] = vectorFromArray(c.values, new Bool());
  }
  return tableToIPC(new ArrowTable(columns as Record<string, Vector>), 'file');
}

export function writeTable(path: string, table: Table): void {
  writeFileAtomic(path, tableFormat(path) === 'csv' ? tableToCsv(table) : tableToArrow(table));
}
