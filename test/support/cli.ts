/** Run the `spikegrad` command from source (through tsx) and capture its output. */
import { spawn, spawnSync } from 'node:child_process';

export interface CliResult {
  status: number | null;
  signal?: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

const command = (args: string[]) => ['--import', 'tsx', 'src/cli/main.ts', ...args];

export function runCli(args: string[], timeout = 120_000, env: Record<string, string> = {}): CliResult {
  const r = spawnSync(process.execPath, command(args), { encoding: 'utf8', timeout, env: { ...process.env, ...env } });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** A running command: wait until its stderr matches, send it signals, await its end. */
export function startCli(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, command(args), { env: { ...process.env, ...env } });
  let stdout = '';
  let stderr = '';
  const waiters: { pattern: RegExp; resolve: () => void }[] = [];
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => {
    stderr += d;
    for (const w of waiters.filter((w) => w.pattern.test(stderr))) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve();
    }
  });
  const done = new Promise<CliResult>((resolve) => child.on('close', (status, signal) => resolve({ status, signal, stdout, stderr })));
  return {
    child,
    done,
    /** Resolves once stderr matches `pattern` (rejects if the command ends first or after `timeout`). */
    stderrMatches(pattern: RegExp, timeout = 60_000): Promise<void> {
      if (pattern.test(stderr)) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`stderr never matched ${pattern}: ${stderr}`)), timeout);
        waiters.push({ pattern, resolve: () => (clearTimeout(timer), resolve()) });
        void done.then((r) => reject(new Error(`the command ended (${r.status}) before stderr matched ${pattern}: ${r.stderr}`)));
      });
    },
  };
}
