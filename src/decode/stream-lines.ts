/**
 * Lines of UTF-8 text from a byte stream (stdin), read as the data arrives with bounded memory,
 * under the same rules as files (src/data/line-reader.ts): BOM stripped, CRLF → LF, a CR without
 * LF refused, invalid UTF-8 → InputError `name:line: invalid UTF-8 (byte 0xNN at column C)`, the
 * last line needs no newline.
 */
import { InputError, at } from '../errors.js';
import { MAX_LINE_BYTES, firstInvalidUtf8, firstLoneCr, loneCrProblem, type TextLine } from '../data/line-reader.js';

const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** One line's bytes (without its LF; `lfAfter`: an LF followed them) as text. */
function decodeLine(bytes: Buffer, name: string, line: number, lfAfter: boolean): string {
  let b = bytes;
  let shift = 0; // columns count the bytes of the line as in the file (a stripped BOM included)
  if (line === 1 && b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) {
    b = b.subarray(3);
    shift = 3;
  }
  const cr = firstLoneCr(b, lfAfter);
  if (lfAfter && b.length > 0 && b[b.length - 1] === 0x0d) b = b.subarray(0, b.length - 1);
  // The first problem in byte order, as the file reader reports it.
  const nul = b.indexOf(0);
  const end = Math.min(nul >= 0 ? nul : b.length, cr >= 0 ? cr : b.length);
  const bad = firstInvalidUtf8(b.subarray(0, end));
  if (bad >= 0)
    throw new InputError(
      at(
        name,
        line,
        `invalid UTF-8 (byte 0x${b[bad].toString(16).toUpperCase().padStart(2, '0')} at column ${bad + shift + 1})`,
      ),
    );
  if (nul >= 0 && (cr < 0 || nul < cr)) {
    throw new InputError(at(name, line, `NUL byte at column ${nul + shift + 1} (binary file?)`));
  }
  if (cr >= 0) throw new InputError(at(name, line, loneCrProblem(cr + shift + 1)));
  return decoder.decode(b);
}

export async function* streamLines(stream: AsyncIterable<Buffer | string>, name: string): AsyncGenerator<TextLine> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let line = 0;
  for await (const chunkIn of stream) {
    const chunk = typeof chunkIn === 'string' ? Buffer.from(chunkIn, 'utf8') : chunkIn;
    let start = 0;
    for (let nl = chunk.indexOf(0x0a); nl >= 0; nl = chunk.indexOf(0x0a, start)) {
      const piece = chunk.subarray(start, nl);
      const bytes = pending.length > 0 ? Buffer.concat([...pending, piece]) : piece;
      pending = [];
      pendingBytes = 0;
      line++;
      yield { text: decodeLine(bytes, name, line, true), line };
      start = nl + 1;
    }
    if (start < chunk.length) {
      pending.push(chunk.subarray(start));
      pendingBytes += chunk.length - start;
      if (pendingBytes > MAX_LINE_BYTES) {
        const cr = firstLoneCr(Buffer.concat(pending), false);
        const problem = cr >= 0 ? loneCrProblem(cr + 1) : `line longer than ${MAX_LINE_BYTES} bytes (binary file?)`;
        throw new InputError(at(name, line + 1, problem));
      }
    }
  }
  if (pendingBytes > 0) {
    line++;
    yield { text: decodeLine(Buffer.concat(pending), name, line, false), line };
  }
}
