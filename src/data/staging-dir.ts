/**
 * Writes an output directory all at once (src/util/atomic-dir.ts, fillDirWhole): everything goes
 * into a hidden sibling (.NAME.tmp-PID), which replaces NAME only when complete. A failure, Ctrl-C or
 * a full disk removes it, so no half-written corpus ever appears under NAME. An existing NAME is
 * refused (exit 2) unless `force`; then it is replaced only after the new one is complete.
 * Temporaries left by a killed process (its PID gone) are removed on the next run.
 */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { InputError, RuntimeFailure, Seq2SeqError } from '../errors.js';
import { fillDirWhole } from '../util/atomic-dir.js';
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

/** Runs `fill(staging)` and renames the staging directory to `out` when it succeeds. */
export async function writeDirAtomically<T>(
  out: string,
  force: boolean,
  fill: (staging: string) => Promise<T>,
): Promise<T> {
  checkOutDir(out, force);
  try {
    return await fillDirWhole(out, fill);
  } catch (err) {
    throw outputError(err, out);
  }
}
