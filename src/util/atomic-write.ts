/**
 * Atomic file writes: the data goes to a temporary file in the same directory, is flushed to disk,
 * and is renamed over the target. A reader (or a crash) sees either the old file or the new one,
 * never a half-written file.
 */
import { closeSync, fsyncSync, openSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { InputError, RuntimeFailure, Seq2SeqError } from '../errors.js';
import { crashPoint } from './crash-point.js';

/**
 * Throws an InputError unless `path` can be an output file: its directory exists and it is not
 * itself a directory. Call it before long work, so that a bad -o fails at once.
 */
export function checkOutputPath(path: string): void {
  const dir = dirname(path);
  let dirStat;
  try {
    dirStat = statSync(dir);
  } catch {
    throw new InputError(`${path}: directory ${dir} does not exist`);
  }
  if (!dirStat.isDirectory()) throw new InputError(`${path}: ${dir} is not a directory`);
  try {
    if (statSync(path).isDirectory()) throw new InputError(`${path}: is a directory, expected a file`);
  } catch (err) {
    if (err instanceof Seq2SeqError) throw err;
    /* does not exist yet: fine */
  }
}

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
      return e && typeof e.code === 'string' ? new RuntimeFailure(`${path}: cannot write (${e.code})`) : (err as Error);
  }
}

export function tempPathFor(path: string): string {
  const rand = Math.random().toString(36).slice(2, 10);
  return join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${rand}`);
}

/** Writes `data` (or the chunks of `data`) to `path` atomically. */
export function writeFileAtomic(path: string, data: string | Uint8Array | Uint8Array[]): void {
  const tmp = tempPathFor(path);
  let fd: number;
  try {
    fd = openSync(tmp, 'w', 0o644);
  } catch (err) {
    throw writeError(path, err);
  }
  try {
    const chunks = Array.isArray(data) ? data : [typeof data === 'string' ? Buffer.from(data, 'utf8') : data];
    for (const chunk of chunks) {
      let off = 0;
      while (off < chunk.byteLength) off += writeSync(fd, chunk, off, chunk.byteLength - off);
      crashPoint('atomic-write.partial'); // tests: killed with the temporary file half written
    }
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    try {
      unlinkSync(tmp);
    } catch {
      /* already gone */
    }
    throw writeError(path, err);
  }
  closeSync(fd);
  try {
    renameSync(tmp, path);
  } catch (err) {
    try {
      unlinkSync(tmp);
    } catch {
      /* already gone */
    }
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
