/**
 * Ctrl-C in every phase. While a phase that can stop cleanly runs (training: it saves a checkpoint),
 * the first Ctrl-C asks it to stop; anywhere else, or at the second Ctrl-C, the command stops at once
 * with exit status 130. Outputs are written atomically, so stopping never leaves half a file behind.
 */
let graceful: (() => void) | null = null;
let installed = false;

function onInterrupt(): void {
  if (graceful) {
    const stop = graceful;
    graceful = null;
    process.stderr.write('\nstopping after this step (Ctrl-C again to stop at once)…\n');
    stop();
    return;
  }
  process.stderr.write('\ninterrupted\n');
  process.exit(130);
}

export function installInterrupts(): void {
  if (installed) return;
  installed = true;
  process.on('SIGINT', onInterrupt);
  process.on('SIGTERM', onInterrupt);
}

/** Run `work` with Ctrl-C asking `stop` to end it cleanly. */
export async function stoppable<T>(stop: () => void, work: () => Promise<T>): Promise<T> {
  graceful = stop;
  try {
    return await work();
  } finally {
    graceful = null;
  }
}
