/**
 * Unpacks a gzip file to a file, streaming (node:zlib; constant memory), counting lines. zlib
 * checks each member's CRC-32 and length, so a truncated or damaged archive is a CorruptArchive;
 * a failed write (a full disk) is thrown as the fs error for the caller to name.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { CountingStream } from './counting-stream.js';
import { CorruptArchive } from './errors.js';

export interface Unpacked {
  bytes: number;
  lines: number;
  sha256: string;
}

export async function gunzipToFile(src: string, dest: string, name: string, signal?: AbortSignal): Promise<Unpacked> {
  const count = new CountingStream();
  try {
    await pipeline(createReadStream(src), createGunzip(), count, createWriteStream(dest), { signal });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (typeof e.code === 'string' && e.code.startsWith('Z_')) throw new CorruptArchive(name, 'gzip', e.message);
    throw err;
  }
  return { bytes: count.bytes, lines: count.lines, sha256: count.sha256() };
}
