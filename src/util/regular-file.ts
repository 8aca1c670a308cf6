/**
 * The one way data files (configs, tokenizers, weights, train state, history) are opened for
 * reading: bounded and link-safe.
 *   - only a regular file is read: a FIFO, a device, a socket or a directory is refused at once
 *     (the file is opened with O_NONBLOCK, so a FIFO nobody writes cannot hang the program);
 *   - a file larger than `limit` bytes is refused before anything is read;
 *   - with `within` (a run directory), the file's real path must lie inside that directory's real
 *     path: a symbolic link inside the run is followed, one leading out of it is refused, and the
 *     resolved path is opened with O_NOFOLLOW so that the last component cannot be swapped for a
 *     link between the check and the open.
 * Every problem is an InputError on one line naming the file.
 */
import { closeSync, constants, fstatSync, openSync, realpathSync, type Stats } from 'node:fs';
import { sep } from 'node:path';
import { InputError } from '../errors.js';
import { errnoReason } from './fs-errors.js';

export interface OpenOptions {
  /** Largest size accepted, in bytes. */
  limit?: number;
  /** A directory the file must stay inside (after following links). */
  within?: string;
  /** The message for a missing file (default "no such file"). */
  missing?: string;
  /** The message for a directory (default "is a directory"). */
  directory?: string;
  /** What the file is, for the size message ("… over the limit of N bytes for a run config"). */
  what?: string;
}

export interface OpenedFile {
  fd: number;
  size: number;
}

/** "a FIFO", "a character device", … for messages. */
export function fileKind(st: Stats): string {
  if (st.isFile()) return 'a regular file';
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  if (st.isSymbolicLink()) return 'a symbolic link';
  return 'not a regular file';
}

/** True when `real` is `dir` or lies inside it (both real paths). */
export function isInside(real: string, dir: string): boolean {
  return real === dir || real.startsWith(dir.endsWith(sep) ? dir : dir + sep);
}

function openProblem(err: NodeJS.ErrnoException, o: OpenOptions): string {
  if (err.code === 'ENOENT') return o.missing ?? 'no such file';
  if (err.code === 'EISDIR') return o.directory ?? 'is a directory';
  if (err.code === 'ELOOP') return 'is a symbolic link (a file inside a run must not be one that leads elsewhere)';
  if (err.code === 'EACCES' || err.code === 'EPERM') return 'permission denied';
  return `cannot open (${errnoReason(err.code)})`;
}

/** Opens `path` for reading under the rules above; the caller closes `fd`. */
export function openRegularFile(path: string, o: OpenOptions = {}): OpenedFile {
  let target = path;
  let flags = constants.O_RDONLY | constants.O_NONBLOCK;
  try {
    if (o.within !== undefined) {
      const real = realpathSync(path);
      const dir = realpathSync(o.within);
      if (!isInside(real, dir)) throw new InputError(`${path}: leads outside ${o.within} (a symbolic link to ${real})`);
      target = real;
      flags |= constants.O_NOFOLLOW;
    }
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError(`${path}: ${openProblem(err as NodeJS.ErrnoException, o)}`);
  }
  let fd: number;
  try {
    fd = openSync(target, flags);
  } catch (err) {
    throw new InputError(`${path}: ${openProblem(err as NodeJS.ErrnoException, o)}`);
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw new InputError(`${path}: ${o.directory ?? 'is a directory'}`);
    if (!st.isFile()) throw new InputError(`${path}: is ${fileKind(st)}, expected a regular file`);
    if (o.limit !== undefined && st.size > o.limit) {
      throw new InputError(
        `${path}: ${st.size} bytes, over the limit of ${o.limit} bytes${o.what ? ` for a ${o.what}` : ''}`,
      );
    }
    return { fd, size: st.size };
  } catch (err) {
    closeSync(fd);
    throw err;
  }
}
