/**
 * `npm run build:wasm`: assemble src/actors/kernels/wasm/rows.wat (with wabt) into rowsBinary.ts, so
 * that the runtime needs neither the text nor an assembler. A test assembles it again and compares.
 */
import { readFileSync } from 'node:fs';
import wabt from 'wabt';
import { writeFileAtomic } from '../src/files.js';

export const ROWS_WAT = 'src/actors/kernels/wasm/rows.wat';
export const ROWS_BINARY = 'src/actors/kernels/wasm/rowsBinary.ts';

export async function assembleWat(path: string): Promise<Uint8Array> {
  const module = (await wabt()).parseWat(path, readFileSync(path, 'utf8'));
  try {
    module.validate();
    return module.toBinary({}).buffer;
  } finally {
    module.destroy();
  }
}

export function binaryModuleSource(bytes: Uint8Array, from: string): string {
  const base64 = Buffer.from(bytes).toString('base64');
  const lines = base64.match(/.{1,100}/g) ?? [];
  return [
    `/** Assembled from ${from.split('/').pop()} by \`npm run build:wasm\` (do not edit). */`,
    'export const ROWS_WASM_BASE64 =',
    ...lines.map((line, i) => `  '${line}'${i === lines.length - 1 ? ';' : ' +'}`),
    '',
  ].join('\n');
}

if (process.argv[1]?.endsWith('buildWasm.ts')) {
  const bytes = await assembleWat(ROWS_WAT);
  writeFileAtomic(ROWS_BINARY, binaryModuleSource(bytes, ROWS_WAT));
  console.log(`${ROWS_BINARY}: ${bytes.length} bytes`);
}
