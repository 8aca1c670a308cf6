/**
 * A streaming reader of UTF-8 text files, one line at a time, with bounded memory: the file is
 * read in 64 KiB chunks and only the current chunk plus one partial line are held. The rules are
 * the same for every corpus format and for plain-text inputs:
 *   - a UTF-8 byte order mark at the start of the file is stripped (and counted);
 *   - CRLF line ends become LF (and are counted);
 *   - invalid UTF-8            → InputError `path:line: invalid UTF-8 (byte 0xFF at column C)`;
 *   - a NUL byte               → InputError `path:line: NUL byte at column C (binary file?)`;
 *   - a line over MAX_LINE_BYTES → InputError `path:line: line longer than N bytes (binary file?)`;
 *   - a missing file or a directory → InputError naming the path.
 * The last line need not end with a newline; a final newline does not start an empty line.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { statSync } from 'node:fs';
import { InputError, at } from '../errors.js';

/** Longest line accepted, in bytes: longer lines are taken as a sign of a binary file. */
export const MAX_LINE_BYTES = 1 << 20;
const CHUNK_BYTES = 1 << 16;

export interface TextLine {
  /** The line without its line end. */
  text: string;
  /** 1-based line number in the file. */
  line: number;
}

/** Counters of what the reader normalised. */
export interface LineReaderCounts {
  crlfLines: number;
  bomStripped: number;
}

/** Throws an InputError unless `path` names an existing regular file. */
export function checkFile(path: string, role = 'file'): void {
  let st;
  try {
    st = statSync(path);
  } catch (err) {
    throw new InputError(at(path, undefined, describeFsError(err as NodeJS.ErrnoException, role)));
  }
  if (st.isDirectory()) throw new InputError(at(path, undefined, `is a directory, expected a ${role}`));
  if (!st.isFile() && !st.isFIFO() && !st.isCharacterDevice()) throw new InputError(at(path, undefined, `not a regular file`));
}

function describeFsError(err: NodeJS.ErrnoException, role: string): string {
  if (err.code === 'ENOENT') return `no such ${role}`;
  if (err.code === 'EACCES' || err.code === 'EPERM') return 'permission denied';
  if (err.code === 'ENOTDIR') return `no such ${role} (a parent is not a directory)`;
  return `cannot open (${err.code ?? err.message})`;
}

const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Reads one file line by line. `next()` returns the next line or null at the end of the file.
 * Two readers advanced alternately read two aligned files in lockstep.
 */
export class LineReader {
  readonly path: string;
  private fh: FileHandle | null = null;
  private chunk: Buffer = Buffer.alloc(0);
  private pos = 0;
  private partial: Buffer[] = [];
  private partialBytes = 0;
  private eof = false;
  private done = false;
  private lineNo = 0;
  private readonly counts: LineReaderCounts;

  constructor(path: string, counts?: LineReaderCounts) {
    this.path = path;
    this.counts = counts ?? { crlfLines: 0, bomStripped: 0 };
  }

  /** Number of the last line returned (0 before the first). */
  get line(): number {
    return this.lineNo;
  }

  private async openFile(): Promise<void> {
    checkFile(this.path);
    try {
      this.fh = await open(this.path, 'r');
    } catch (err) {
      throw new InputError(at(this.path, undefined, describeFsError(err as NodeJS.ErrnoException, 'file')));
    }
  }

  private async fill(): Promise<boolean> {
    if (this.eof) return false;
    if (!this.fh) await this.openFile();
    const buf = Buffer.allocUnsafe(CHUNK_BYTES);
    const { bytesRead } = await this.fh!.read(buf, 0, CHUNK_BYTES, null);
    if (bytesRead === 0) {
      this.eof = true;
      await this.close();
      return false;
    }
    this.chunk = buf.subarray(0, bytesRead);
    this.pos = 0;
    return true;
  }

  /** The next line, or null at the end of the file. */
  async next(): Promise<TextLine | null> {
    if (this.done) return null;
    for (;;) {
      if (this.pos < this.chunk.length) {
        const nl = this.chunk.indexOf(0x0a, this.pos);
        if (nl >= 0) {
          let bytes = this.chunk.subarray(this.pos, nl);
          this.pos = nl + 1;
          if (this.partialBytes > 0) {
            this.checkLength(this.partialBytes + bytes.length);
            this.partial.push(bytes);
            bytes = Buffer.concat(this.partial, this.partialBytes + bytes.length);
            this.partial = [];
            this.partialBytes = 0;
          }
          return this.decodeLine(bytes);
        }
        const rest = this.chunk.subarray(this.pos);
        this.checkLength(this.partialBytes + rest.length);
        // Copy: the chunk's buffer is not reused, but a view would keep all 64 KiB alive.
        this.partial.push(Buffer.from(rest));
        this.partialBytes += rest.length;
        this.pos = this.chunk.length;
      }
      if (!(await this.fill())) {
        this.done = true;
        if (this.partialBytes === 0) return null;
        const bytes = Buffer.concat(this.partial, this.partialBytes);
        this.partial = [];
        this.partialBytes = 0;
        return this.decodeLine(bytes);
      }
    }
  }

  private checkLength(n: number): void {
    if (n > MAX_LINE_BYTES) {
      throw new InputError(at(this.path, this.lineNo + 1, `line longer than ${MAX_LINE_BYTES} bytes (binary file?)`));
    }
  }

  private decodeLine(raw: Buffer): TextLine {
    this.lineNo++;
    let bytes = raw;
    if (this.lineNo === 1 && bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
      bytes = bytes.subarray(3);
      this.counts.bomStripped++;
    }
    if (bytes.length > 0 && bytes[bytes.length - 1] === 0x0d) {
      bytes = bytes.subarray(0, bytes.length - 1);
      this.counts.crlfLines++;
    }
    const nul = bytes.indexOf(0);
    if (nul >= 0) throw new InputError(at(this.path, this.lineNo, `NUL byte at column ${nul + 1} (binary file?)`));
    let text: string;
    try {
      text = decoder.decode(bytes);
    } catch {
      const bad = firstInvalidUtf8(bytes);
      const where = bad < 0 ? '' : ` (byte 0x${bytes[bad].toString(16).toUpperCase().padStart(2, '0')} at column ${bad + 1})`;
      throw new InputError(at(this.path, this.lineNo, `invalid UTF-8${where}`));
    }
    return { text, line: this.lineNo };
  }

  /** Closes the file early (safe to call more than once). */
  async close(): Promise<void> {
    this.done = this.done || this.eof;
    const fh = this.fh;
    this.fh = null;
    if (fh) await fh.close();
  }
}

/** Byte offset of the first byte that does not start or continue a valid UTF-8 sequence; -1 if all are valid. */
export function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i];
    let need = 0;
    let min = 0;
    if (c < 0x80) {
      i++;
      continue;
    } else if (c >= 0xc2 && c <= 0xdf) {
      need = 1;
      min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
      need = 2;
      min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
      need = 3;
      min = 0x10000;
    } else return i;
    if (i + need >= b.length) return i;
    let cp = c & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      const d = b[i + k];
      if (d === undefined || (d & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (d & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += need + 1;
  }
  return -1;
}

/**
 * One side of plain text (e.g. translate/score inputs), line by line, with the UTF-8 rules above.
 * Every line is yielded, empty ones included, so that line N of the output matches line N here.
 */
export async function* readLines(path: string, counts?: LineReaderCounts): AsyncGenerator<TextLine> {
  const reader = new LineReader(path, counts);
  try {
    for (;;) {
      const l = await reader.next();
      if (l === null) return;
      yield l;
    }
  } finally {
    await reader.close();
  }
}
