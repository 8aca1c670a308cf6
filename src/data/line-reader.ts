/**
 * A streaming reader of UTF-8 text files, one line at a time, with bounded memory: the file is
 * read in 64 KiB chunks and only the current chunk plus one partial line are held. The rules are
 * the same for every corpus format and for plain-text inputs:
 *   - a UTF-8 byte order mark at the start of the file is stripped (and counted);
 *   - LF ends a line, and only LF (as for sacreBLEU, `wc -l` and `paste`); CRLF line ends become LF
 *     (and are counted);
 *   - a CR not followed by LF  → InputError `path:line: carriage return (CR) without a line feed at
 *     column C …` (old Mac line ends would otherwise read as one line, a stray CR hides text);
 *   - U+FEFF (a BOM) or U+2028/U+2029 inside a line are text and kept, but counted, so that
 *     `corpus stats` reports them (every output line passes through src/util/output.ts outputLine,
 *     which turns U+2028/U+2029 into spaces);
 *   - invalid UTF-8            → InputError `path:line: invalid UTF-8 (byte 0xFF at column C)`;
 *   - a NUL byte               → InputError `path:line: NUL byte at column C (binary file?)`;
 *   - a line over MAX_LINE_BYTES → InputError `path:line: line longer than N bytes (binary file?)`;
 *   - a missing file or a directory → InputError naming the path.
 * When a line has several problems, the first in byte order is reported.
 * The last line need not end with a newline; a final newline does not start an empty line.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { type Stats, statSync } from 'node:fs';
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

/** Counters of what the reader normalised (and of what it kept but reports). */
export interface LineReaderCounts {
  crlfLines: number;
  bomStripped: number;
  /** Lines holding U+FEFF (a byte order mark) after their start. */
  bomInLine?: number;
  /** Lines holding U+2028 LINE SEPARATOR or U+2029 PARAGRAPH SEPARATOR. */
  lineSeparators?: number;
}

/** The message for a CR that does not end a CRLF line end (column C is 1-based, in bytes). */
export function loneCrProblem(column: number): string {
  return (
    `carriage return (CR) without a line feed at column ${column}: ` +
    "lines must end with LF or CRLF (old Mac line ends? convert with: tr '\\r' '\\n')"
  );
}

/**
 * Offset of the first CR in `b` that is not followed by LF, or -1. `lfAfter`: the byte after `b` is
 * an LF (b is a region of lines cut before an LF), so a CR at its very end ends a CRLF.
 */
export function firstLoneCr(b: Uint8Array, lfAfter: boolean): number {
  for (let i = b.indexOf(0x0d); i >= 0; i = b.indexOf(0x0d, i + 1)) {
    if (i + 1 < b.length ? b[i + 1] !== 0x0a : !lfAfter) return i;
  }
  return -1;
}

/** Counts the lines of `lines` that hold U+FEFF or U+2028/U+2029 (text kept as it is, reported). */
function countSpecials(lines: readonly string[], counts: LineReaderCounts): void {
  for (const l of lines) {
    if (l.includes('\ufeff')) counts.bomInLine = (counts.bomInLine ?? 0) + 1;
    if (l.includes('\u2028') || l.includes('\u2029')) counts.lineSeparators = (counts.lineSeparators ?? 0) + 1;
  }
}

/** Throws an InputError unless `path` names an existing regular file. */
export function checkFile(path: string, role = 'file'): void {
  let st: Stats;
  try {
    st = statSync(path);
  } catch (err) {
    throw new InputError(at(path, undefined, describeFsError(err as NodeJS.ErrnoException, role)));
  }
  if (st.isDirectory())
    throw new InputError(at(path, undefined, `is a directory, expected ${/^[aeiou]/.test(role) ? 'an' : 'a'} ${role}`));
  if (!st.isFile() && !st.isFIFO() && !st.isCharacterDevice())
    throw new InputError(at(path, undefined, `not a regular file`));
}

function describeFsError(err: NodeJS.ErrnoException, role: string): string {
  if (err.code === 'ENOENT') return `no such ${role}`;
  if (err.code === 'EACCES' || err.code === 'EPERM') return 'permission denied';
  if (err.code === 'ENOTDIR') return `no such ${role} (a parent is not a directory)`;
  return `cannot open (${err.code ?? err.message})`;
}

const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Reads one file line by line. `next()` returns the next line or null at the end of the file;
 * `take()` returns a buffered line without waiting (undefined when the buffer is empty), for tight
 * loops. Two readers advanced alternately read two aligned files in lockstep.
 *
 * Each 64 KiB chunk is cut after its last newline; the complete lines before it are validated and
 * decoded in one go (a newline can never be part of a multi-byte UTF-8 sequence, so a region of
 * whole lines is valid exactly when each of its lines is), and the bytes after it wait for the next
 * chunk. Only the slow path of an error looks at single lines, to name the line and column.
 */
export class LineReader {
  readonly path: string;
  private fh: FileHandle | null = null;
  private partial: Buffer[] = [];
  private partialBytes = 0;
  private eof = false;
  private lines: string[] = [];
  private qpos = 0;
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

  /** The next buffered line; null at the end of the file; undefined if the caller must await next(). */
  take(): TextLine | null | undefined {
    if (this.qpos < this.lines.length) {
      this.lineNo++;
      return { text: this.lines[this.qpos++], line: this.lineNo };
    }
    return this.eof ? null : undefined;
  }

  /** The next line, or null at the end of the file. */
  async next(): Promise<TextLine | null> {
    for (;;) {
      const l = this.take();
      if (l !== undefined) return l;
      await this.fill();
    }
  }

  /** Reads chunks until at least one line is buffered or the file ends. */
  private async fill(): Promise<void> {
    this.lines = [];
    this.qpos = 0;
    while (this.lines.length === 0 && !this.eof) {
      if (!this.fh) await this.openFile();
      const buf = Buffer.allocUnsafe(CHUNK_BYTES);
      const { bytesRead } = await this.fh!.read(buf, 0, CHUNK_BYTES, null);
      if (bytesRead === 0) {
        this.eof = true;
        await this.close();
        if (this.partialBytes > 0) {
          const region = Buffer.concat(this.partial, this.partialBytes);
          this.partial = [];
          this.partialBytes = 0;
          this.decodeRegion(region, false);
        }
        return;
      }
      const chunk = buf.subarray(0, bytesRead);
      const firstNl = chunk.indexOf(0x0a);
      if (firstNl < 0) {
        this.checkLength(this.partialBytes + bytesRead, chunk);
        this.partial.push(chunk);
        this.partialBytes += bytesRead;
        continue;
      }
      this.checkLength(this.partialBytes + firstNl, chunk.subarray(0, firstNl));
      const lastNl = chunk.lastIndexOf(0x0a);
      const head = chunk.subarray(0, lastNl);
      const region =
        this.partialBytes > 0 ? Buffer.concat([...this.partial, head], this.partialBytes + head.length) : head;
      const rest = chunk.subarray(lastNl + 1);
      this.partial = rest.length > 0 ? [rest] : [];
      this.partialBytes = rest.length;
      this.decodeRegion(region, true);
    }
  }

  /** Refuses a line of `n` bytes over the limit; `tail` is its newest bytes (a CR-only file shows there). */
  private checkLength(n: number, tail: Buffer): void {
    if (n <= MAX_LINE_BYTES) return;
    const line = Buffer.concat([...this.partial, tail]);
    const cr = firstLoneCr(line, false);
    if (cr >= 0) throw new InputError(at(this.path, this.lineNo + 1, loneCrProblem(cr + 1)));
    throw new InputError(at(this.path, this.lineNo + 1, `line longer than ${MAX_LINE_BYTES} bytes (binary file?)`));
  }

  /**
   * Validates and decodes whole lines (joined by LF, without the last LF) into the queue; `lfAfter`:
   * an LF follows the region in the file (false only for a last line without one).
   */
  private decodeRegion(region: Buffer, lfAfter: boolean): void {
    const firstLine = this.lineNo + 1;
    const nul = region.indexOf(0);
    const cr = region.indexOf(0x0d) >= 0 ? firstLoneCr(region, lfAfter) : -1;
    let text: string | null = null;
    if (nul < 0) {
      try {
        text = decoder.decode(region);
      } catch {
        /* reported below */
      }
    }
    if (text === null || cr >= 0) this.reportFirstProblem(region, firstLine, nul, cr);
    const lines = text!.split('\n');
    if (firstLine === 1 && lines[0].charCodeAt(0) === 0xfeff) {
      lines[0] = lines[0].slice(1);
      this.counts.bomStripped++;
    }
    for (let i = 0; i < lines.length; i++) {
      const l = lines[i];
      if (l.charCodeAt(l.length - 1) === 0x0d) {
        lines[i] = l.slice(0, -1);
        this.counts.crlfLines++;
      }
    }
    if (/[\ufeff\u2028\u2029]/.test(text!)) countSpecials(lines, this.counts);
    this.lines = lines;
    this.qpos = 0;
  }

  /** Throws for the first problem in byte order: invalid UTF-8, a NUL or a lone CR. */
  private reportFirstProblem(region: Buffer, firstLine: number, nul: number, cr: number): never {
    const end = Math.min(nul >= 0 ? nul : region.length, cr >= 0 ? cr : region.length);
    const bad = firstInvalidUtf8(region.subarray(0, end));
    if (bad >= 0) {
      const { line, col } = lineAndColumn(region, bad);
      const hex = region[bad].toString(16).toUpperCase().padStart(2, '0');
      throw new InputError(at(this.path, firstLine + line, `invalid UTF-8 (byte 0x${hex} at column ${col + 1})`));
    }
    if (nul >= 0 && (cr < 0 || nul < cr)) {
      const { line, col } = lineAndColumn(region, nul);
      throw new InputError(at(this.path, firstLine + line, `NUL byte at column ${col + 1} (binary file?)`));
    }
    if (cr >= 0) {
      const { line, col } = lineAndColumn(region, cr);
      throw new InputError(at(this.path, firstLine + line, loneCrProblem(col + 1)));
    }
    throw new InputError(at(this.path, firstLine, 'invalid UTF-8'));
  }

  /** Closes the file early (safe to call more than once). */
  async close(): Promise<void> {
    const fh = this.fh;
    this.fh = null;
    if (fh) await fh.close();
  }
}

/** 0-based line (counting LFs before it) and byte column of offset `pos` in `region`. */
function lineAndColumn(region: Buffer, pos: number): { line: number; col: number } {
  let line = 0;
  let start = 0;
  for (let i = region.indexOf(0x0a); i >= 0 && i < pos; i = region.indexOf(0x0a, i + 1)) {
    line++;
    start = i + 1;
  }
  return { line, col: pos - start };
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
      let l = reader.take();
      if (l === undefined) l = await reader.next();
      if (l === null) return;
      yield l;
    }
  } finally {
    await reader.close();
  }
}
