/**
 * Progress of long work, on stderr (stdout stays for results and --json): a bar that redraws in a
 * terminal, and a line every few seconds elsewhere (logs, CI). Callers report counts; the bar decides
 * when to draw, so reporting costs nothing on the hot path.
 */
import cliProgress from 'cli-progress';

export interface Progress {
  /** `done` of the total so far, and values for the format's other {tokens}. */
  update(done: number, values?: Record<string, string>): void;
  stop(): void;
}

/** A bar: `format` uses cli-progress tokens ({bar}, {value}, {total}, {percentage}, {eta}) and the caller's. */
export function startProgress(format: string, total: number, values: Record<string, string> = {}): Progress {
  const bar = new cliProgress.SingleBar(
    { format, stream: process.stderr, hideCursor: true, noTTYOutput: true, notTTYSchedule: 5_000, etaBuffer: 50 },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, values);
  let stopped = false;
  return {
    update: (done, more) => bar.update(done, more),
    stop: () => {
      if (stopped) return;
      stopped = true;
      bar.stop();
    },
  };
}

/** Run `work` with a bar over `total` items; the bar stops however the work ends. */
export async function withProgress<T>(format: string, total: number, work: (progress: Progress) => Promise<T> | T): Promise<T> {
  const progress = startProgress(format, total);
  try {
    return await work(progress);
  } finally {
    progress.stop();
  }
}
