/**
 * The layering of docs/architecture.md, checked on the sources: imports only go downward, peers
 * never import each other, and no file is part of an import cycle.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

/** Rank of each top-level part of src/; a file may import from a lower rank or its own part. */
const RANKS: Record<string, number> = {
  'errors.ts': 0,
  'random.ts': 1, 'files.ts': 1, 'breathe.ts': 1, workers: 1, types: 1,
  network: 2,
  equivalence: 3, streams: 3,
  actors: 4, train: 4,
  verify: 5,
  report: 6,
  cli: 7,
  'index.ts': 8,
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') && !path.endsWith('.d.ts') ? [path] : [];
  });
}

const IMPORT = /(?:import|export)\s[^'";]*?from\s+['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g;

function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(IMPORT)) {
    const base = normalize(join(dirname(file), m[1] ?? m[2]));
    const target = [base.replace(/\.js$/, '.ts'), base, `${base}.ts`].find((c) => c.endsWith('.ts') && existsSync(c));
    if (target) out.push(target);
  }
  return out;
}

const part = (file: string): string => relative('src', file).split('/')[0];

const files = sourceFiles('src');
const graph = new Map(files.map((f) => [f, imports(f)]));

describe('the layering of src/', () => {
  it('gives every top-level part a rank', () => {
    expect(files.map(part).filter((p) => RANKS[p] === undefined)).toEqual([]);
  });

  it('imports only downward (or within a part), never between peers', () => {
    const bad: string[] = [];
    for (const [file, deps] of graph) {
      for (const dep of deps) {
        const [from, to] = [part(file), part(dep)];
        if (from !== to && !(RANKS[to] < RANKS[from])) bad.push(`${file} imports ${dep} (${from} → ${to})`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('has no import cycle', () => {
    // Depth-first search; a back edge to a file on the current path is a cycle.
    const state = new Map<string, 'open' | 'done'>();
    const cycles: string[] = [];
    const visit = (file: string, path: string[]) => {
      state.set(file, 'open');
      for (const dep of graph.get(file) ?? []) {
        if (state.get(dep) === 'open') cycles.push([...path.slice(path.indexOf(dep)), dep].join(' → '));
        else if (!state.has(dep)) visit(dep, [...path, dep]);
      }
      state.set(file, 'done');
    };
    for (const f of files) if (!state.has(f)) visit(f, [f]);
    expect(cycles).toEqual([]);
  });
});
