/**
 * Writes an output directory all at once: everything goes into a hidden sibling staging directory
 * (.NAME.tmp-PID-RAND), which is renamed to NAME only when complete. A failure, Ctrl-C or a full
 * disk removes the staging directory, so no half-written corpus ever appears under NAME. An
 * existing NAME is refused (exit 2) unless `force`; then it is replaced only after the new one is
 * complete. Staging directories left by a killed process (its PID gone) are removed on the next run.
 */
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { InputError, RuntimeFailure, Seq2SeqError } from '../errors.js';
import { fsyncDir } from '../util/atomic-write.js';
import { Interrupted } from './interrupted.js';

/** Refuses an existing `out` unless `force` (exit 2), before any work is done. */
export function checkOutDir(out: string, force: boolean): void {
  if (existsSync(out) && !force) throw new InputError(`${out}: already exists (give --force to replace it)`);
}

/** The one-line error for a failed write under `out`. */
function outputError(err: unknown, out: string): Error {
  if (err instanceof Seq2SeqError) return err;
  if ((err as Error)?.name === 'AbortError') return new Interrupted(); // Ctrl-C while unpacking
  const e = err as NodeJS.ErrnoException;
  switch (e?.code) {
    case 'ENOSPC':
    case 'EDQUOT':
      return new RuntimeFailure(`${out}: no space left on device; nothing written`);
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return new InputError(`${out}: permission denied (cannot write in ${dirname(resolve(out))})`);
    case 'ENOTDIR':
      return new InputError(`${out}: a parent is not a directory`);
    default:
      return typeof e?.code === 'string' ? new RuntimeFailure(`${out}: cannot write (${e.code})`) : (err as Error);
  }
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
};

function removeStale(parent: string, name: string): void {
  const re = new RegExp(`^\\.${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.(?:tmp|old)-(\\d+)-[a-z0-9]+$`);
  for (const f of readdirSync(parent)) {
    const m = re.exec(f);
    if (m && !alive(Number(m[1]))) rmSync(join(parent, f), { recursive: true, force: true });
  }
}

/** Runs `fill(staging)` and renames the staging directory to `out` when it succeeds. */
export async function writeDirAtomically<T>(
  out: string,
  force: boolean,
  fill: (staging: string) => Promise<T>,
): Promise<T> {
  checkOutDir(out, force);
  const parent = dirname(resolve(out));
  const name = basename(resolve(out));
  const tag = `${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
  const staging = join(parent, `.${name}.tmp-${tag}`);
  try {
    mkdirSync(parent, { recursive: true });
    removeStale(parent, name);
    mkdirSync(staging);
  } catch (err) {
    throw outputError(err, out);
  }
  let result: T;
  try {
    result = await fill(staging);
    if (existsSync(out)) {
      const old = join(parent, `.${name}.old-${tag}`);
      renameSync(out, old);
      renameSync(staging, out);
      rmSync(old, { recursive: true, force: true });
    } else {
      renameSync(staging, out);
    }
    fsyncDir(parent);
  } catch (err) {
    rmSync(staging, { recursive: true, force: true });
    throw outputError(err, out);
  }
  return result;
}
