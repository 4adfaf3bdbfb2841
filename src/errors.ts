/** Every error the library raises on purpose; the CLI prints its message and exits non-zero. */
export class SpikegradError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A file, field or argument that does not describe what it should. */
export class InputError extends SpikegradError {}

/** A computation whose bound could leave the exact integer range ±(2^53 − 1). */
export class RangeGuardError extends SpikegradError {}

/** A spiking run whose event bound exceeds the configured budget. */
export class EventBudgetError extends SpikegradError {}

/** A phase that did not become quiet, or whose event counts do not balance. */
export class QuiescenceError extends SpikegradError {}

/** A worker thread that threw or exited; the run it served failed with it. */
export class WorkerError extends SpikegradError {}

/** Prefix a message with the file it is about, when there is one. */
export function inFile(file: string | undefined, message: string): string {
  return file ? `${file}: ${message}` : message;
}
