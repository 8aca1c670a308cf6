/**
 * An append-only store of sentence pairs in a temporary file (`src<TAB>tgt` per line, neither side
 * holding a tab or a newline), with each pair's byte offset in a typed array: 12 bytes of memory a
 * pair, whatever the length of its text. Pairs are read back by index (buffered writes are flushed
 * first when needed), which lets `corpus prepare` write the splits in shuffled order.
 */
import { closeSync, openSync, readSync, writeSync } from 'node:fs';

const FLUSH_BYTES = 1 << 20;

/** A growable Float64Array / Uint32Array pair of columns. */
class Columns {
  offsets = new Float64Array(1024);
  lengths = new Uint32Array(1024);
  n = 0;
  push(offset: number, length: number): void {
    if (this.n === this.offsets.length) {
      const o = new Float64Array(this.n * 2);
      o.set(this.offsets);
      this.offsets = o;
      const l = new Uint32Array(this.n * 2);
      l.set(this.lengths);
      this.lengths = l;
    }
    this.offsets[this.n] = offset;
    this.lengths[this.n++] = length;
  }
}

export class PairStore {
  private readonly fd: number;
  private readonly cols = new Columns();
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Bytes written to the file (flushed). */
  private flushed = 0;

  constructor(readonly path: string) {
    this.fd = openSync(path, 'w+');
  }

  get count(): number {
    return this.cols.n;
  }

  append(src: string, tgt: string): number {
    const buf = Buffer.from(`${src}\t${tgt}\n`, 'utf8');
    this.cols.push(this.flushed + this.pendingBytes, buf.length - 1);
    this.pending.push(buf);
    this.pendingBytes += buf.length;
    if (this.pendingBytes >= FLUSH_BYTES) this.flush();
    return this.cols.n - 1;
  }

  get(index: number): { src: string; tgt: string } {
    const off = this.cols.offsets[index];
    const len = this.cols.lengths[index];
    if (off + len > this.flushed) this.flush();
    const buf = Buffer.allocUnsafe(len);
    let got = 0;
    while (got < len) got += readSync(this.fd, buf, got, len - got, off + got);
    const line = buf.toString('utf8');
    const tab = line.indexOf('\t');
    return { src: line.slice(0, tab), tgt: line.slice(tab + 1) };
  }

  flush(): void {
    for (const b of this.pending) {
      let o = 0;
      while (o < b.length) o += writeSync(this.fd, b, o, b.length - o, this.flushed + o);
      this.flushed += b.length;
    }
    this.pending = [];
    this.pendingBytes = 0;
  }

  close(): void {
    closeSync(this.fd);
  }
}
