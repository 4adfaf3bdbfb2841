import { defineConfig } from 'vitest/config';

export default defineConfig({
  // `spikegrad/properties` as a user imports it, resolved to the sources under test.
  resolve: { alias: { 'spikegrad/properties': new URL('./src/verify/properties/index.ts', import.meta.url).pathname } },
  test: {
    include: ['test/**/*.test.ts', 'properties/**/*.test.ts', 'examples/**/*.test.mjs'],
    testTimeout: 60_000,
    pool: 'forks',
  },
});
