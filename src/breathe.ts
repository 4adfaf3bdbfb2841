/**
 * Long loops in the main thread let the event loop run now and then, so Ctrl-C, progress bars and
 * worker messages get through: `breather()` returns a function to await in the loop; it yields only
 * when `everyMs` have passed since it last did, so it costs nothing measurable.
 */
export function breather(everyMs = 50): () => Promise<void> | void {
  let last = performance.now();
  return () => {
    const now = performance.now();
    if (now - last < everyMs) return;
    last = now;
    return new Promise<void>((resolve) => setImmediate(resolve));
  };
}
