// `import 'spikegrad'` from the sources (through tsx), so examples run against the code under test.
import { register } from 'node:module';

register('data:text/javascript,' + encodeURIComponent(`
export async function resolve(specifier, context, next) {
  if (specifier === 'spikegrad') return next(${JSON.stringify(new URL('../../src/index.ts', import.meta.url).href)}, context);
  return next(specifier, context);
}`));
