/**
 * Atomic file writes: the data goes to a new temporary file in the same directory (created with
 * O_EXCL, so nothing already there, not even a symbolic link, is written through), is flushed to
 * disk, and is renamed over the target, after which the directory is flushed too. A reader (or a
 * crash) sees either the old file or the new one, never a half-written file. The rename replaces
 * the name itself: a symbolic link or a special file at `path` is replaced, never written through.
 * That is what a run's own files need; a file named by the user goes through ./output.ts, which
 * decides what to do with links and special files first.
 */
import { closeSync, fchmodSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { InputError, RuntimeFailure, Seq2SeqError } from '../errors.js';
import { crashPoint } from './crash-point.js';
import { errnoReason } from './fs-errors.js';

/** A one-line error for a failed write of `path` (the previous file, if any, is left untouched). */
export function writeError(path: string, err: unknown): Error {
  if (err instanceof Seq2SeqError) return err;
  const e = err as NodeJS.ErrnoException;
  switch (e?.code) {
    case 'ENOENT':
      return new InputError(`${path}: directory ${dirname(path)} does not exist`);
    case 'ENOTDIR':
      return new InputError(`${path}: ${dirname(path)} is not a directory`);
    case 'EISDIR':
      return new InputError(`${path}: is a directory, expected a file`);
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return new InputError(`${path}: permission denied (cannot write in ${dirname(path)})`);
    case 'ENOSPC':
    case 'EDQUOT':
      return new RuntimeFailure(`${path}: no space left on device; nothing written, any previous file kept`);
    default:
      return e && typeof e.code === 'string'
        ? new RuntimeFailure(`${path}: cannot write (${errnoReason(e.code)}); nothing written, any previous file kept`)
        : (err as Error);
  }
}

export function tempPathFor(path: string): string {
  const rand = Math.random().toString(36).slice(2, 10);
  return join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${rand}`);
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    /* already gone */
  }
}

/**
 * Writes `data` (or the chunks of `data`) to `path` atomically. The new file gets `mode` exactly
 * when given (to keep the mode of the file it replaces), else 0644 less the umask.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array | Uint8Array[], mode?: number): void {
  const tmp = tempPathFor(path);
  let fd: number;
  try {
    fd = openSync(tmp, 'wx', mode ?? 0o644);
  } catch (err) {
    throw writeError(path, err);
  }
  try {
    if (mode !== undefined) fchmodSync(fd, mode);
    const chunks = Array.isArray(data) ? data : [typeof data === 'string' ? Buffer.from(data, 'utf8') : data];
    for (const chunk of chunks) {
      let off = 0;
      while (off < chunk.byteLength) off += writeSync(fd, chunk, off, chunk.byteLength - off);
      crashPoint('atomic-write.partial'); // tests: killed with the temporary file half written
    }
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    removeQuietly(tmp);
    throw writeError(path, err);
  }
  closeSync(fd);
  try {
    renameSync(tmp, path);
  } catch (err) {
    removeQuietly(tmp);
    throw writeError(path, err);
  }
  fsyncDir(dirname(path));
}

/** Flushes a directory entry (after a rename) where the platform allows it. */
export function fsyncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    /* not supported on this platform / filesystem */
  }
}
