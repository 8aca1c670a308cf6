/**
 * Reads a zip archive with yauzl: the central directory is read with random access from the file
 * on disk, and each entry is inflated as a stream straight into its destination, so memory stays
 * constant whatever the archive's size. yauzl checks entry sizes; the CRC-32 of each entry is
 * checked here (yauzl does not), so a damaged or truncated archive is a CorruptArchive.
 */
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import yauzl, { type Entry, type ZipFile } from 'yauzl';
import { CountingStream } from './counting-stream.js';
import { CorruptArchive } from './errors.js';
import type { Unpacked } from './gzip.js';

/** A Node fs error (a full disk while writing an entry): not the archive's fault. */
const isFsError = (err: unknown): boolean => /^E[A-Z]+$/.test(String((err as NodeJS.ErrnoException)?.code ?? ''));

export class ZipArchive {
  private constructor(
    private readonly zip: ZipFile,
    /** The archive's name in messages. */
    readonly name: string,
    readonly entries: readonly Entry[],
  ) {}

  static async open(path: string, name: string): Promise<ZipArchive> {
    let zip: ZipFile | undefined;
    try {
      zip = await yauzl.openPromise(path, { autoClose: false, strictFileNames: false });
      const entries: Entry[] = [];
      for await (const e of zip.eachEntry()) if (!e.fileName.endsWith('/')) entries.push(e);
      return new ZipArchive(zip, name, entries);
    } catch (err) {
      zip?.close();
      throw isFsError(err) ? err : new CorruptArchive(name, 'zip', (err as Error).message);
    }
  }

  /** The entry called `fileName`, if any. */
  entry(fileName: string): Entry | undefined {
    return this.entries.find((e) => e.fileName === fileName);
  }

  /** Inflates one entry into `dest`, counting its lines and checking its CRC-32. */
  async extract(entry: Entry, dest: string, signal?: AbortSignal): Promise<Unpacked> {
    const count = new CountingStream();
    try {
      const stream = await this.zip.openReadStreamPromise(entry);
      await pipeline(stream, count, createWriteStream(dest), { signal });
    } catch (err) {
      if (isFsError(err) || (err as Error).name === 'AbortError') throw err;
      throw new CorruptArchive(this.name, 'zip', `${entry.fileName}: ${(err as Error).message}`);
    }
    if (count.crc >>> 0 !== entry.crc32 >>> 0)
      throw new CorruptArchive(this.name, 'zip', `${entry.fileName}: CRC-32 mismatch`);
    return { bytes: count.bytes, lines: count.lines, sha256: count.sha256() };
  }

  /** A small text entry (README, LICENSE) as a string, at most `maxBytes`. */
  async readText(entry: Entry, maxBytes = 1 << 20): Promise<string> {
    if (entry.uncompressedSize > maxBytes) return `(${entry.fileName}: ${entry.uncompressedSize} bytes, not copied)`;
    const chunks: Buffer[] = [];
    try {
      for await (const c of await this.zip.openReadStreamPromise(entry)) chunks.push(c as Buffer);
    } catch (err) {
      throw new CorruptArchive(this.name, 'zip', `${entry.fileName}: ${(err as Error).message}`);
    }
    return Buffer.concat(chunks).toString('utf8');
  }

  close(): void {
    this.zip.close();
  }
}
