/**
 * The safetensors file format (Hugging Face), float32 only:
 *   [u64 little-endian N] [N bytes of JSON header, space-padded to 8-byte alignment] [tensor bytes]
 * header = { "<name>": { "dtype": "F32", "shape": [...], "data_offsets": [begin, end] }, ...,
 *            "__metadata__": { "<key>": "<string value>" } }
 * Offsets are relative to the start of the data section; tensors are stored little-endian.
 * Reading validates everything (sizes, offsets, dtypes, JSON) and never evaluates code; a regular
 * file only, opened as src/util/regular-file.ts does. Loading weights also refuses NaN and
 * infinities (checkFinite).
 */
import { closeSync, readSync } from 'node:fs';
import { InputError } from '../errors.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { openRegularFile } from '../util/regular-file.js';

export interface TensorEntry {
  name: string;
  shape: number[];
  data: Float32Array;
}

export interface SafetensorsContent {
  tensors: Map<string, { shape: number[]; data: Float32Array }>;
  metadata: Record<string, string>;
}

/** Largest JSON header we accept (a model with thousands of tensors needs well under 1 MB). */
export const MAX_HEADER_BYTES = 16 * 1024 * 1024;

const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Writes the tensors (in the given order) and metadata to `path`, atomically. */
export function writeSafetensors(path: string, tensors: TensorEntry[], metadata: Record<string, string> = {}): void {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  for (const t of tensors) {
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (count !== t.data.length)
      throw new Error(`writeSafetensors: ${t.name} has ${t.data.length} values but shape [${t.shape}]`);
    if (t.name in header) throw new Error(`writeSafetensors: duplicate tensor name ${t.name}`);
    header[t.name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + t.data.length * 4] };
    offset += t.data.length * 4;
  }
  let json = JSON.stringify(header);
  const jsonBytes = Buffer.byteLength(json, 'utf8');
  json += ' '.repeat((8 - (jsonBytes % 8)) % 8);
  const headerBuf = Buffer.from(json, 'utf8');
  const lenBuf = Buffer.alloc(8);
  lenBuf.writeBigUInt64LE(BigInt(headerBuf.length));
  const chunks: Uint8Array[] = [lenBuf, headerBuf];
  for (const t of tensors) chunks.push(toLittleEndianBytes(t.data));
  writeFileAtomic(path, chunks);
}

/** A tensor's place in the file: its shape and its byte range in the data section. */
interface HeaderEntry {
  name: string;
  shape: number[];
  begin: number;
  end: number;
}

/** The validated header of an open safetensors file (nothing of the data section is read). */
interface Header {
  entries: HeaderEntry[];
  metadata: Record<string, string>;
  dataStart: number;
}

/**
 * Opens a safetensors file (a regular file only; with `within`, it must stay inside that directory)
 * and calls `use` with its validated header; the file is closed afterwards.
 */
function withHeader<T>(path: string, within: string | undefined, use: (fd: number, h: Header) => T): T {
  const { fd, size } = openRegularFile(path, {
    within,
    missing: 'file not found',
    directory: 'is a directory, expected a safetensors file',
  });
  try {
    return use(fd, readHeader(path, fd, size));
  } finally {
    closeSync(fd);
  }
}

function readHeader(path: string, fd: number, size: number): Header {
  if (size < 8) throw new InputError(`${path}: truncated safetensors file (${size} bytes, no header)`);
  const lenBuf = Buffer.alloc(8);
  readExactly(fd, lenBuf, 0);
  const headerLen = lenBuf.readBigUInt64LE();
  if (headerLen > BigInt(MAX_HEADER_BYTES))
    throw new InputError(`${path}: safetensors header claims ${headerLen} bytes (limit ${MAX_HEADER_BYTES})`);
  const n = Number(headerLen);
  if (8 + n > size)
    throw new InputError(
      `${path}: truncated safetensors file (header claims ${n} bytes, file has ${size - 8} after the length)`,
    );
  const headerBuf = Buffer.alloc(n);
  readExactly(fd, headerBuf, 8);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(headerBuf));
  } catch {
    throw new InputError(`${path}: safetensors header is not valid UTF-8 JSON`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header))
    throw new InputError(`${path}: safetensors header is not a JSON object`);
  const dataStart = 8 + n;
  const dataSize = size - dataStart;
  const metadata: Record<string, string> = {};
  const entries: HeaderEntry[] = [];
  for (const [name, value] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof value !== 'object' || value === null || Array.isArray(value))
        throw new InputError(`${path}: __metadata__ must be an object of strings`);
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        if (typeof v !== 'string') throw new InputError(`${path}: __metadata__.${k} must be a string`);
        metadata[k] = v;
      }
      continue;
    }
    const info = value as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof info !== 'object' || info === null)
      throw new InputError(`${path}: tensor ${name}: entry is not an object`);
    if (info.dtype !== 'F32')
      throw new InputError(`${path}: tensor ${name}: dtype ${String(info.dtype)} is not supported (expected F32)`);
    if (!Array.isArray(info.shape) || !info.shape.every((d) => Number.isSafeInteger(d) && d >= 0))
      throw new InputError(`${path}: tensor ${name}: invalid shape`);
    const off = info.data_offsets;
    if (
      !Array.isArray(off) ||
      off.length !== 2 ||
      !off.every((o) => Number.isSafeInteger(o) && o >= 0) ||
      off[1] < off[0]
    ) {
      throw new InputError(`${path}: tensor ${name}: invalid data_offsets`);
    }
    const count = (info.shape as number[]).reduce((a, b) => a * b, 1);
    if (off[1] - off[0] !== count * 4)
      throw new InputError(
        `${path}: tensor ${name}: data_offsets span ${off[1] - off[0]} bytes ` +
          `but shape [${info.shape}] needs ${count * 4}`,
      );
    if (off[1] > dataSize)
      throw new InputError(
        `${path}: truncated safetensors file ` +
          `(tensor ${name} ends at byte ${off[1]} of a ${dataSize}-byte data section)`,
      );
    entries.push({ name, shape: info.shape as number[], begin: off[0], end: off[1] });
  }
  entries.sort((a, b) => a.begin - b.begin);
  for (let i = 1; i < entries.length; i++) {
    if (entries[i].begin < entries[i - 1].end)
      throw new InputError(`${path}: tensors ${entries[i - 1].name} and ${entries[i].name} overlap`);
  }
  return { entries, metadata, dataStart };
}

/** How many float32 numbers the file's tensors hold, from its header alone (no tensor data is read). */
export function countSafetensorsNumbers(path: string, within?: string): number {
  return withHeader(path, within, (_fd, h) => h.entries.reduce((a, e) => a + (e.end - e.begin) / 4, 0));
}

/** Reads and validates a safetensors file (the numbers as stored); any problem is an InputError naming the file. */
export function readSafetensors(path: string, within?: string): SafetensorsContent {
  return withHeader(path, within, (fd, h) => {
    const tensors = new Map<string, { shape: number[]; data: Float32Array }>();
    for (const e of h.entries) {
      const bytes = Buffer.alloc(e.end - e.begin);
      readExactly(fd, bytes, h.dataStart + e.begin);
      tensors.set(e.name, { shape: e.shape, data: fromLittleEndianBytes(bytes) });
    }
    return { tensors, metadata: h.metadata };
  });
}

/**
 * Refuses a tensor holding a NaN or an infinity (a diverged or damaged checkpoint): weights and
 * optimiser state are checked when they are loaded (the format itself can store any float).
 */
export function checkFinite(path: string, name: string, data: Float32Array): void {
  for (let i = 0; i < data.length; i++) {
    // x − x is 0 for every finite x and NaN for NaN and ±Infinity.
    if (data[i] - data[i] !== 0)
      throw new InputError(`${path}: tensor ${name} holds ${data[i]} at index ${i} (a diverged or damaged checkpoint)`);
  }
}

function readExactly(fd: number, buf: Buffer, position: number): void {
  let off = 0;
  while (off < buf.length) {
    const got = readSync(fd, buf, off, buf.length - off, position + off);
    if (got === 0)
      throw new InputError(`unexpected end of file while reading ${buf.length} bytes at offset ${position}`);
    off += got;
  }
}

function toLittleEndianBytes(data: Float32Array): Uint8Array {
  if (littleEndian) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const out = Buffer.alloc(data.length * 4);
  for (let i = 0; i < data.length; i++) out.writeFloatLE(data[i], i * 4);
  return out;
}

function fromLittleEndianBytes(bytes: Buffer): Float32Array {
  const out = new Float32Array(bytes.length / 4);
  if (littleEndian) new Uint8Array(out.buffer).set(bytes);
  else for (let i = 0; i < out.length; i++) out[i] = bytes.readFloatLE(i * 4);
  return out;
}
