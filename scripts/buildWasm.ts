/**
 * `npm run build:wasm`: assemble the project's WebAssembly text (with wabt) into TypeScript modules of
 * base64 (src/actors/kernels/wasm/rows.wat → rowsBinary.ts, src/train/tfjs/wasm/sparseConv.wat →
 * sparseConvBinary.ts, src/train/tfjs/wasm/spikeRounding.wat → spikeRoundingBinary.ts), so that the runtime needs neither the text nor an assembler. Tests assemble
 * them again and compare.
 */
import { readFileSync } from 'node:fs';
import wabt from 'wabt';
import { writeFileAtomic } from '../src/files.js';

export const ROWS_WAT = 'src/actors/kernels/wasm/rows.wat';
export const ROWS_BINARY = 'src/actors/kernels/wasm/rowsBinary.ts';
export const SPARSE_CONV_WAT = 'src/train/tfjs/wasm/sparseConv.wat';
export const SPARSE_CONV_BINARY = 'src/train/tfjs/wasm/sparseConvBinary.ts';
export const SPIKE_ROUNDING_WAT = 'src/train/tfjs/wasm/spikeRounding.wat';
export const SPIKE_ROUNDING_BINARY = 'src/train/tfjs/wasm/spikeRoundingBinary.ts';

/** Each module: its text, the generated file, and the name of the constant that holds it. */
const MODULES = [
  { wat: ROWS_WAT, binary: ROWS_BINARY, constant: 'ROWS_WASM_BASE64' },
  { wat: SPARSE_CONV_WAT, binary: SPARSE_CONV_BINARY, constant: 'SPARSE_CONV_WASM_BASE64' },
  { wat: SPIKE_ROUNDING_WAT, binary: SPIKE_ROUNDING_BINARY, constant: 'SPIKE_ROUNDING_WASM_BASE64' },
];

export async function assembleWat(path: string): Promise<Uint8Array> {
  const module = (await wabt()).parseWat(path, readFileSync(path, 'utf8'));
  try {
    module.validate();
    return module.toBinary({}).buffer;
  } finally {
    module.destroy();
  }
}

export function binaryModuleSource(bytes: Uint8Array, from: string, constant: string): string {
  const base64 = Buffer.from(bytes).toString('base64');
  const lines = base64.match(/.{1,100}/g) ?? [];
  return [
    `/** Assembled from ${from.split('/').pop()} by \`npm run build:wasm\` (do not edit). */`,
    `export const ${constant} =`,
    ...lines.map((line, i) => `  '${line}'${i === lines.length - 1 ? ';' : ' +'}`),
    '',
  ].join('\n');
}

if (process.argv[1]?.endsWith('buildWasm.ts')) {
  for (const { wat, binary, constant } of MODULES) {
    const bytes = await assembleWat(wat);
    writeFileAtomic(binary, binaryModuleSource(bytes, wat, constant));
    console.log(`${binary}: ${bytes.length} bytes`);
  }
}
