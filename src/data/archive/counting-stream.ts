/**
 * A pass-through stream that counts what flows through it: bytes, lines (newline bytes, plus one
 * for a last line without a newline), the CRC-32 of the bytes (the zip checksum: zlib.crc32 where
 * Node has it, from 20.15; buffer-crc32 before) and their sha256 (for the manifest).
 */
import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import * as zlib from 'node:zlib';
import { createRequire } from 'node:module';

type Crc32 = (data: Buffer, previous: number) => number;
const crc32: Crc32 = (zlib as { crc32?: Crc32 }).crc32 ?? bufferCrc32();

function bufferCrc32(): Crc32 {
  const lib = createRequire(import.meta.url)('buffer-crc32') as { unsigned: Crc32 };
  return (data, previous) => lib.unsigned(data, previous);
}

export class CountingStream extends Transform {
  bytes = 0;
  newlines = 0;
  crc = 0;
  private lastByte = 0x0a;
  private readonly hash = createHash('sha256');

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    let i = chunk.indexOf(0x0a);
    while (i >= 0) {
      this.newlines++;
      i = chunk.indexOf(0x0a, i + 1);
    }
    this.crc = crc32(chunk, this.crc);
    this.hash.update(chunk);
    if (chunk.length > 0) this.lastByte = chunk[chunk.length - 1];
    done(null, chunk);
  }

  /** The sha256 of all the bytes (call once, at the end). */
  sha256(): string {
    return this.hash.digest('hex');
  }

  /** Lines of text seen: a final line without a newline counts too. */
  get lines(): number {
    return this.newlines + (this.lastByte === 0x0a ? 0 : 1);
  }
}
