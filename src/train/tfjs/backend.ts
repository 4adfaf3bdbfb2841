/**
 * Picks the TensorFlow.js backend: `auto` tries tfjs-node-gpu, then tfjs-node (optional dependencies that
 * cannot install everywhere), then wasm, then the plain cpu backend. A backend asked for by name is used
 * or refused with the reason; never silently replaced.
 */
import { InputError } from '../../errors.js';

// TensorFlow.js is loaded when a backend is first asked for, not when a command starts.
const tfjs = () => import('@tensorflow/tfjs-core');

export const BACKEND_NAMES = ['auto', 'node-gpu', 'node', 'wasm', 'cpu'] as const;
export type BackendRequest = (typeof BACKEND_NAMES)[number];
export type BackendName = Exclude<BackendRequest, 'auto'>;

export interface ActiveBackend {
  name: BackendName;
  /** Why the better ones were skipped (for `auto`). */
  skipped: string[];
}

const NATIVE_PACKAGES: Record<'node-gpu' | 'node', string> = {
  'node-gpu': '@tensorflow/tfjs-node-gpu',
  node: '@tensorflow/tfjs-node',
};

/** Loads one backend and makes it current; throws with the reason when it is unavailable. */
async function activate(name: BackendName): Promise<void> {
  const tf = await tfjs();
  if (name === 'node-gpu' || name === 'node') {
    const specifier = NATIVE_PACKAGES[name];
    try {
      await import(specifier);
    } catch (error) {
      const reason = (error as Error).message.split('\n')[0];
      throw new InputError(`backend ${name} is not available: ${specifier} could not be loaded (${reason}); install it with "npm install ${specifier}" where its native library can be downloaded`);
    }
    if (!(await tf.setBackend('tensorflow'))) throw new InputError(`backend ${name} is not available: ${specifier} loaded but its backend did not initialise`);
    return;
  }
  if (name === 'wasm') {
    await import('@tensorflow/tfjs-backend-wasm');
    (await import('./wasmTrainingKernels.js')).registerWasmTrainingKernels();
  } else {
    await import('@tensorflow/tfjs-backend-cpu');
  }
  if (!(await tf.setBackend(name))) throw new InputError(`backend ${name} is not available: it failed to initialise`);
}

export async function useBackend(request: BackendRequest): Promise<ActiveBackend> {
  // The union package registers the gradient functions that tfjs-core's Node build leaves out.
  await import('@tensorflow/tfjs');
  // Production mode silences tfjs's console banners ("Hi, looks like you are running TensorFlow.js in Node.js").
  (await tfjs()).enableProdMode();
  if (!(BACKEND_NAMES as readonly string[]).includes(request)) {
    throw new InputError(`unknown backend "${request}": expected one of ${BACKEND_NAMES.join(', ')}`);
  }
  if (request !== 'auto') {
    await activate(request);
    return { name: request, skipped: [] };
  }
  const skipped: string[] = [];
  for (const name of ['node-gpu', 'node', 'wasm', 'cpu'] as const) {
    try {
      await activate(name);
      return { name, skipped };
    } catch (error) {
      skipped.push((error as Error).message);
    }
  }
  throw new InputError(`no TensorFlow.js backend could be initialised:\n${skipped.join('\n')}`);
}
