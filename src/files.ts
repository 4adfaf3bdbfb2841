/**
 * Reading and writing user files. A file that cannot be read is an InputError naming it and what it was
 * for. Every output is written atomically: into a temporary file beside it (`.NAME.PID.tmp`), synced,
 * then renamed over the target, so a refused, failed or killed run leaves the previous file as it was.
 * Temporaries left by a killed process are removed the next time that output is prepared.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { InputError } from './errors.js';

export function readInputFile(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new InputError(`${path}: cannot read the ${what} (${reason(e)})`);
  }
}

function reason(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  const words: Record<string, string> = {
    ENOENT: 'no such file or folder',
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    EISDIR: 'it is a folder',
    ENOTDIR: 'a part of the path is not a folder',
    EROFS: 'read-only file system',
    ENOSPC: 'no space left on the device',
    EEXIST: 'it already exists',
  };
  return (err.code && words[err.code]) ?? err.message ?? String(e);
}

/**
 * Create a folder and its missing parents, one level at a time (Node's recursive mkdir loops forever
 * under /proc). An InputError names the folder that could not be made.
 */
export function makeFolder(path: string, option = 'output', shownAs = path): void {
  const full = resolve(path);
  const missing: string[] = [];
  let at = full;
  while (!existsSync(at)) {
    missing.unshift(at);
    const up = dirname(at);
    if (up === at) break;
    at = up;
  }
  if (existsSync(at) && !statSync(at).isDirectory()) throw new InputError(`${option} ${shownAs}: ${at} is not a folder`);
  for (const folder of missing) {
    try {
      mkdirSync(folder);
    } catch (e) {
      throw new InputError(`${option} ${shownAs}: cannot create the folder ${folder} (${reason(e)})`);
    }
  }
}

const tempPattern = (base: string) => new RegExp(`^\\.${base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.(\\d+)\\.tmp$`);

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** Remove temporaries of `path` left by processes that no longer run. */
export function removeStaleTemporaries(path: string): void {
  const dir = dirname(resolve(path));
  const pattern = tempPattern(basename(path));
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const m = pattern.exec(name);
    if (m && Number(m[1]) !== process.pid && !alive(Number(m[1]))) {
      try {
        unlinkSync(join(dir, name));
      } catch {
        // Someone else removed it first.
      }
    }
  }
}

/**
 * Before any work: the output's folder exists (created if needed) and is writable, the output is not
 * a folder, an existing file may be replaced, and leftovers of killed writes are gone.
 */
export function prepareOutputFile(path: string, option = 'output'): void {
  const full = resolve(path);
  if (existsSync(full) && statSync(full).isDirectory()) throw new InputError(`${option} ${path}: is a folder, expected a file name`);
  makeFolder(dirname(full), option, path);
  removeStaleTemporaries(full);
  // A real write of the temporary the output will go through: permissions, read-only or full disks,
  // and file systems like /proc all answer here, before any work.
  const probe = temporaryOf(full);
  try {
    closeSync(openSync(probe, 'w'));
    unlinkSync(probe);
  } catch (e) {
    throw new InputError(`${option} ${path}: cannot be written (${reason(e)})`);
  }
}

/** Before any work: the folder exists (created if needed) and files can be written in it. */
export function prepareOutputFolder(path: string, option = 'output'): void {
  makeFolder(path, option);
  const probe = join(resolve(path), `.spikegrad-probe.${process.pid}.tmp`);
  try {
    closeSync(openSync(probe, 'w'));
    unlinkSync(probe);
  } catch (e) {
    throw new InputError(`${option} ${path}: cannot be written (${reason(e)})`);
  }
}

/** The temporary a write of `path` goes through. */
const temporaryOf = (path: string): string => join(dirname(resolve(path)), `.${basename(path)}.${process.pid}.tmp`);

/**
 * Testing aid: SPIKEGRAD_KILL_WRITING=TEXT kills the process (SIGKILL) half-way through writing any
 * output whose path contains TEXT, as a power cut or `kill -9` would.
 */
function killMidWrite(path: string): boolean {
  const marker = process.env.SPIKEGRAD_KILL_WRITING;
  return marker !== undefined && marker !== '' && path.includes(marker);
}

/** Files being written; a process that exits (Ctrl-C, an error) removes their temporaries. */
const unfinished = new Set<AtomicFile>();
process.on('exit', () => {
  for (const file of unfinished) file.abort();
});

/** A file written in parts, atomically: nothing is visible at `path` until `commit()`. */
export class AtomicFile {
  private fd: number | null;
  private readonly temp: string;
  private writes = 0;

  constructor(readonly path: string) {
    this.temp = temporaryOf(path);
    try {
      this.fd = openSync(this.temp, 'w');
    } catch (e) {
      throw new InputError(`${path}: cannot be written (${reason(e)})`);
    }
    unfinished.add(this);
  }

  write(bytes: Uint8Array): void {
    if (this.fd === null) throw new InputError(`${this.path}: written after it was closed`);
    const kill = killMidWrite(this.path) && this.writes > 0;
    try {
      writeSync(this.fd, kill ? bytes.subarray(0, Math.ceil(bytes.length / 2)) : bytes);
    } catch (e) {
      this.abort();
      throw new InputError(`${this.path}: cannot be written (${reason(e)})`);
    }
    if (kill) process.kill(process.pid, 'SIGKILL');
    this.writes++;
  }

  /** Sync and move into place. */
  commit(): void {
    if (this.fd === null) return;
    try {
      fsyncSync(this.fd);
      closeSync(this.fd);
      this.fd = null;
      renameSync(this.temp, resolve(this.path));
      unfinished.delete(this);
    } catch (e) {
      this.abort();
      throw new InputError(`${this.path}: cannot be written (${reason(e)})`);
    }
  }

  /** Give up: the previous file stays as it was. */
  abort(): void {
    unfinished.delete(this);
    if (this.fd !== null) {
      try {
        closeSync(this.fd);
      } catch {
        // Already closed by a failed write.
      }
      this.fd = null;
    }
    try {
      unlinkSync(this.temp);
    } catch {
      // Never created, or already gone.
    }
  }
}

/** Write a whole file atomically. */
export function writeFileAtomic(path: string, data: Uint8Array | string): void {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const file = new AtomicFile(path);
  // Two parts, so the kill-mid-write aid has somewhere to strike.
  const half = Math.floor(bytes.length / 2);
  file.write(bytes.subarray(0, half));
  file.write(bytes.subarray(half));
  file.commit();
}
