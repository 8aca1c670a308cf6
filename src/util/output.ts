/**
 * The one way a command writes its output (docs/reliability.md, "Outputs"): to standard output, or
 * to a file the user named (`translate -o`, `eval --hyp-out`, `bpe learn -o`, the translator's
 * `:save`, …). What happens depends on what the name is:
 *
 *   nothing yet, or a regular file   written atomically: a temporary file beside it (O_EXCL), fsync,
 *                                    rename over it, fsync of the directory; the file's mode is kept.
 *                                    On any error or interruption the temporary file is removed and
 *                                    the previous file is left untouched.
 *   a FIFO or a character device     written in place (opened for writing, never truncated, never
 *                                    renamed over): `-o /dev/null` stays the null device.
 *   a symbolic link                  followed: the rules apply to the file it points to (a regular
 *                                    file there is replaced atomically, the link stays a link); a
 *                                    link to nothing is refused.
 *   a directory, a block device,     refused (InputError, exit 2) before any work is done.
 *   a socket
 *
 * Write errors are one line: on standard output a closed pipe (EPIPE) is `OutputClosed`, which the
 * CLI turns into a quiet exit 0 (`… | head -1`); no space (ENOSPC), an I/O error (EIO) or any other
 * error is a RuntimeFailure (exit 1). The same holds for a FIFO whose reader goes away and for a
 * device that refuses the data (`/dev/full`). Temporary files are registered with ./cleanup.ts, so
 * the CLI removes them on any catchable terminating signal; those of processes killed outright
 * (SIGKILL) are removed by the next write to the same name (removeStaleTemps).
 */
import {
  closeSync,
  constants,
  lstatSync,
  openSync,
  readlinkSync,
  realpathSync,
  statSync,
  unlinkSync,
  writeSync,
  type Stats,
} from 'node:fs';
import { open, rename, type FileHandle } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { InputError, RuntimeFailure, Seq2SeqError } from '../errors.js';
import { removeStaleTemps } from './atomic-dir.js';
import { fsyncDir, tempPathFor, writeError, writeFileAtomic } from './atomic-write.js';
import { registerCleanup } from './cleanup.js';
import { errnoReason } from './fs-errors.js';
import { fileKind } from './regular-file.js';

/**
 * Text as exactly one output line: every character that some reader takes for a line end (CR, LF,
 * VT, FF, NEL, U+2028, U+2029) becomes a space. Every command that writes one line per input
 * (translate, eval --hyp-out, bpe apply/decode, :save) writes its lines through this.
 */
export function outputLine(text: string): string {
  return text.replace(/\r\n|[\n\v\f\r\u0085\u2028\u2029]/g, ' ');
}

/** A value as one JSON Lines line: JSON.stringify, with U+2028/U+2029 escaped (they are valid raw JSON). */
export function jsonLine(value: unknown): string {
  return JSON.stringify(value)
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** The name of standard output in messages. */
export const STDOUT_NAME = 'standard output';

/** The reader of an output went away (a closed pipe): not an error, the CLI exits quietly. */
export class OutputClosed extends Seq2SeqError {
  constructor(name: string) {
    super(`${name}: the reader closed the pipe`, 0);
    this.name = 'OutputClosed';
  }
}

/** A command's output. */
export interface Output {
  /** The name for messages: the path as given, or "standard output". */
  readonly name: string;
  /** Writes `data`; resolves once it is handed to the system (backpressure). Throws on a write error. */
  write(data: string | Uint8Array): Promise<void>;
  /** Finishes: flushes and, for a file written atomically, renames it into place. */
  close(): Promise<void>;
  /** Gives up: removes the temporary file (the previous file stays). Safe to call at any time, twice. */
  abort(): void;
}

/** Where a named output goes: replaced atomically (`file`: the real path) or written in place. */
type Target = { how: 'atomic'; file: string; mode?: number } | { how: 'in-place'; file: string; kind: string };

function targetOf(path: string, st: Stats, file: string): Target {
  if (st.isFile()) return { how: 'atomic', file, mode: st.mode & 0o7777 };
  if (st.isFIFO() || st.isCharacterDevice()) return { how: 'in-place', file, kind: fileKind(st) };
  if (st.isDirectory()) throw new InputError(`${path}: is a directory, expected a file`);
  throw new InputError(
    `${path}: is ${fileKind(st)}; refusing to write to it (give a regular file, a FIFO or a character device)`,
  );
}

/**
 * Decides what writing to `path` means (the rules above), without writing anything. Throws an
 * InputError when `path` cannot be an output; call it before long work, so that a bad -o fails at once.
 */
function resolveTarget(path: string): Target {
  let st: Stats;
  try {
    st = lstatSync(path);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code !== 'ENOENT') throw writeError(path, err);
    const dir = dirname(path);
    let dirStat: Stats;
    try {
      dirStat = statSync(dir);
    } catch {
      throw new InputError(`${path}: directory ${dir} does not exist`);
    }
    if (!dirStat.isDirectory()) throw new InputError(`${path}: ${dir} is not a directory`);
    return { how: 'atomic', file: path };
  }
  if (!st.isSymbolicLink()) return targetOf(path, st, path);
  let real: string;
  try {
    real = realpathSync(path);
  } catch {
    throw new InputError(`${path}: a symbolic link to ${readlinkSync(path)}, which does not exist; nothing written`);
  }
  return targetOf(path, statSync(real), real);
}

/** Throws an InputError unless `path` can be an output (see resolveTarget). */
export function checkOutputPath(path: string): void {
  resolveTarget(path);
}

/** A write error on an output written in place or on standard output, as one line. */
function inPlaceError(name: string, err: unknown): Error {
  if (err instanceof Seq2SeqError) return err;
  const e = err as NodeJS.ErrnoException;
  if (e?.code === 'EPIPE' || e?.code === 'ERR_STREAM_DESTROYED') return new OutputClosed(name);
  if (typeof e?.code === 'string') return new RuntimeFailure(`cannot write to ${name}: ${errnoReason(e.code)}`);
  return err as Error;
}

async function writeAll(fh: FileHandle, data: string | Uint8Array): Promise<void> {
  const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  let off = 0;
  while (off < buf.byteLength) off += (await fh.write(buf, off, buf.byteLength - off)).bytesWritten;
}

/** A FIFO or a character device, written in place. */
async function openInPlace(name: string, t: { file: string }): Promise<Output> {
  let fh: FileHandle;
  try {
    // Asynchronous: opening a FIFO waits for a reader without blocking signal handling.
    fh = await open(t.file, constants.O_WRONLY);
  } catch (err) {
    throw writeError(name, err);
  }
  let closed = false;
  return {
    name,
    async write(data) {
      try {
        await writeAll(fh, data);
      } catch (err) {
        throw inPlaceError(name, err);
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await fh.close();
    },
    abort() {
      if (closed) return;
      closed = true;
      void fh.close().catch(() => undefined);
    },
  };
}

/** A new or regular file, written to a temporary file and renamed over it at close(). */
async function openAtomic(name: string, t: { file: string; mode?: number }): Promise<Output> {
  const dir = dirname(t.file);
  removeStaleTemps(dir, (base) => base === basename(t.file));
  const tmp = tempPathFor(t.file);
  // Registered before the file exists: a signal arriving while it is being created still removes
  // it. Synchronous, as it may run inside an exit handler; unlinking an open file is fine on POSIX.
  let fh: FileHandle | null = null;
  const removeTemp = (): void => {
    void fh?.close().catch(() => undefined);
    try {
      unlinkSync(tmp);
    } catch {
      /* already gone, or never made */
    }
  };
  const unregister = registerCleanup(removeTemp, `${name} left untouched`);
  let done = false;
  const abort = (): void => {
    if (done) return;
    done = true;
    unregister();
    removeTemp();
  };
  try {
    fh = await open(tmp, 'wx', t.mode ?? 0o644);
    if (t.mode !== undefined) await fh.chmod(t.mode);
  } catch (err) {
    abort();
    throw writeError(name, err);
  }
  const file = fh;
  return {
    name,
    async write(data) {
      try {
        await writeAll(file, data);
      } catch (err) {
        abort();
        throw writeError(name, err);
      }
    },
    async close() {
      if (done) return;
      try {
        await file.sync();
        await file.close();
        await rename(tmp, t.file);
      } catch (err) {
        abort();
        throw writeError(name, err);
      }
      done = true;
      unregister();
      fsyncDir(dir);
    },
    abort,
  };
}

/** Opens the output `path` (the rules above), or standard output when `path` is undefined. */
export async function openOutput(path: string | undefined): Promise<Output> {
  if (path === undefined) return standardOutput();
  const t = resolveTarget(path);
  return t.how === 'in-place' ? openInPlace(path, t) : openAtomic(path, t);
}

/** Runs `fill` with the output open, then closes it; on any error the output is abandoned (abort). */
export async function withOutput<T>(path: string | undefined, fill: (out: Output) => Promise<T>): Promise<T> {
  const out = await openOutput(path);
  try {
    const result = await fill(out);
    await out.close();
    return result;
  } catch (err) {
    out.abort();
    throw err;
  }
}

/** Writes a whole output file (or standard output) under the rules above. */
export async function writeOutputFile(path: string | undefined, data: string | Uint8Array): Promise<void> {
  await withOutput(path, (out) => out.write(data));
}

/**
 * The same rules, synchronously, for callers that cannot wait (the interactive translator's
 * `:save`): a FIFO is refused here, since opening one would block until a reader comes.
 */
export function writeOutputFileSync(path: string, data: string | Uint8Array): void {
  const t = resolveTarget(path);
  if (t.how === 'atomic') {
    removeStaleTemps(dirname(t.file), (base) => base === basename(t.file));
    try {
      writeFileAtomic(t.file, data, t.mode);
    } catch (err) {
      throw writeError(path, err);
    }
    return;
  }
  if (t.kind !== 'a character device') {
    throw new InputError(`${path}: is ${t.kind}; give a regular file or a character device`);
  }
  let fd: number;
  try {
    fd = openSync(t.file, constants.O_WRONLY);
  } catch (err) {
    throw writeError(path, err);
  }
  try {
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let off = 0;
    while (off < buf.byteLength) off += writeSync(fd, buf, off, buf.byteLength - off);
  } catch (err) {
    throw inPlaceError(path, err);
  } finally {
    closeSync(fd);
  }
}

// ---------------------------------------------------------------------------------------------
// Standard output. Its write errors arrive as 'error' events (asynchronously, even for a file or
// a device, where Node writes synchronously): watchStandardOutput() records the first one instead
// of letting Node throw it, writes through standardOutput() reject with it, and the CLI checks it
// before exiting (settleStandardOutput), so that `seq2seq --help > /dev/full` is one line, exit 1.

let stdoutFailure: Error | null = null;
let watching = false;

/** Starts recording standard output's first write error (once per process). */
export function watchStandardOutput(): void {
  if (watching) return;
  watching = true;
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    stdoutFailure ??= inPlaceError(STDOUT_NAME, err);
  });
}

/** Standard output as an Output (close and abort do nothing: the process owns it). */
export function standardOutput(): Output {
  watchStandardOutput();
  return {
    name: STDOUT_NAME,
    write(data) {
      return new Promise<void>((resolve, reject) => {
        if (stdoutFailure) {
          reject(stdoutFailure);
          return;
        }
        process.stdout.write(data, (err) => {
          if (err) reject((stdoutFailure ??= inPlaceError(STDOUT_NAME, err)));
          else resolve();
        });
      });
    },
    async close() {},
    abort() {},
  };
}

/**
 * Waits until everything written to standard output is handed to the system, then returns its
 * first write error (OutputClosed for a closed pipe), or null.
 */
export async function settleStandardOutput(): Promise<Error | null> {
  if (!stdoutFailure && !process.stdout.destroyed && process.stdout.writableLength > 0) {
    await new Promise<void>((resolve) => {
      const done = (): void => {
        process.stdout.off('drain', done);
        process.stdout.off('error', done);
        process.stdout.off('close', done);
        resolve();
      };
      process.stdout.on('drain', done);
      process.stdout.on('error', done);
      process.stdout.on('close', done);
    });
  }
  // Errors of synchronous writes (a file, a device) are reported on the next tick.
  await new Promise<void>((resolve) => setImmediate(resolve));
  return stdoutFailure;
}
