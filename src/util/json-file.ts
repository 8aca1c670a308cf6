/**
 * JSON files are data: they are read with a size limit, decoded as strict UTF-8 and parsed with
 * JSON.parse, never evaluated. Every problem is an InputError on one line naming the file
 * (docs/reliability.md lists the limits).
 */
import { closeSync, readSync } from 'node:fs';
import { InputError } from '../errors.js';
import { openRegularFile } from './regular-file.js';

/** Largest run or checkpoint config.json, train-state state.json or `train --config` file. */
export const MAX_CONFIG_BYTES = 1 << 20;
/** Largest tokenizer.json (a 100,000-token vocabulary with its merges needs about 5 MB). */
export const MAX_TOKENIZER_BYTES = 64 << 20;

/** The message as one line: line breaks and other control characters become spaces, at most `max` characters. */
export function oneLine(message: string, max = 500): string {
  // eslint-disable-next-line no-control-regex
  const s = message.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ');
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/**
 * Reads a whole regular file as bytes, refusing one larger than `limit` ("<what> over the limit");
 * with `within`, the file must stay inside that directory (src/util/regular-file.ts).
 */
export function readFileLimited(path: string, limit: number, what: string, within?: string): Buffer {
  const { fd } = openRegularFile(path, { limit, what, within });
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const buf = Buffer.allocUnsafe(Math.min(1 << 20, limit + 1 - total));
      let got: number;
      try {
        got = readSync(fd, buf, 0, buf.length, null);
      } catch (err) {
        const e = err as NodeJS.ErrnoException;
        const problem = e.code === 'EISDIR' ? 'is a directory' : `cannot read (${e.code ?? e.message})`;
        throw new InputError(`${path}: ${problem}`);
      }
      if (got === 0) break;
      chunks.push(buf.subarray(0, got));
      total += got;
      // A file that grows while read is held to the same limit.
      if (total > limit) throw new InputError(`${path}: over the limit of ${limit} bytes for a ${what}`);
    }
    return Buffer.concat(chunks, total);
  } finally {
    closeSync(fd);
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** Strict UTF-8 text of a file (a leading BOM dropped), at most `limit` bytes. */
export function readTextLimited(path: string, limit: number, what: string, within?: string): string {
  const bytes = readFileLimited(path, limit, what, within);
  try {
    return utf8.decode(bytes);
  } catch {
    throw new InputError(`${path}: not valid UTF-8 (a ${what} must be UTF-8 JSON)`);
  }
}

/** Parses JSON text; InputError `path: not valid JSON (reason)` on one line. */
export function parseJson(path: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new InputError(`${path}: not valid JSON (${oneLine((err as Error).message, 200)})`);
  }
}

/** Reads and parses a JSON file of at most `limit` bytes (default MAX_CONFIG_BYTES), inside `within` if given. */
export function readJsonFile(path: string, what: string, limit = MAX_CONFIG_BYTES, within?: string): unknown {
  return parseJson(path, readTextLimited(path, limit, what, within));
}
