/**
 * A tokenised corpus as id shards, for readers without a tokenizer (the PyTorch twin, python/seq2seq_torch):
 * `seq2seq corpus encode` writes a directory
 *
 *   ids/index.json                {"format": "seq2seq-ids", "version": 1, "tokenizers": {"src", "tgt"},
 *                                  "vocab": {"src", "tgt"}, "splits": {"train": {corpus, pairs, srcTokens,
 *                                  tgtTokens, skipped, shards: [{file, pairs}]}, "valid": {…}}}
 *   ids/tokenizer*.json           copies of the tokenizer files the ids come from
 *   ids/train-00000.safetensors   shard k: pairs k·n … (k + 1)·n − 1 of the split, in corpus order
 *
 * Each shard is a safetensors file (readable by any safetensors reader) of four tensors:
 *   src.offsets, tgt.offsets  I64 [pairs + 1]   pair i's ids are ids[offsets[i] … offsets[i+1])
 *   src.ids, tgt.ids          I32 [tokens]      token ids without <s> and </s>
 * Pair i of a split (counting across its shards) is pair i of `loadPairs` on the same corpus (the same
 * empty-side pairs skipped), so its index is the pair id the trainer's batcher uses.
 * The directory is built under a temporary name and renamed into place: it appears whole or not at all.
 */
import { copyFileSync, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { InputError } from '../errors.js';
import { fillDirWhole } from '../util/atomic-dir.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { type CorpusFormat, type CorpusSpec, newCorpusReport, readPairs } from './corpus.js';

export const ID_FORMAT = 'seq2seq-ids';
export const ID_VERSION = 1;
export const ID_INDEX = 'index.json';
/** Pairs per shard by default: about 100 MB of ids for sentences of 25 tokens a side. */
export const DEFAULT_SHARD_PAIRS = 1_000_000;

/** Encodes text to ids (a Tokenizer). */
export interface IdEncoder {
  encode(text: string): Int32Array;
  readonly vocabSize: number;
}

/** How a split's corpus was named, so that a trainer reading the ids can name the same corpus. */
export interface CorpusNaming {
  /** The paths as resolved absolute paths. */
  paths: string[];
  src: string | null;
  tgt: string | null;
  format: CorpusFormat | null;
}

export interface SplitIndex {
  corpus: CorpusNaming;
  pairs: number;
  srcTokens: number;
  tgtTokens: number;
  /** Pairs skipped because a side was empty (as every reader of the corpus skips them). */
  skipped: number;
  shards: { file: string; pairs: number }[];
}

export interface IdIndex {
  format: typeof ID_FORMAT;
  version: number;
  tokenizers: { src: string; tgt: string };
  vocab: { src: number; tgt: number };
  splits: Record<string, SplitIndex>;
}

export interface EncodeSplit {
  name: string;
  spec: CorpusSpec;
  naming: CorpusNaming;
}

export interface EncodeJob {
  out: string;
  splits: EncodeSplit[];
  src: IdEncoder;
  tgt: IdEncoder;
  /** Tokenizer files copied into the output (the same path twice for a joint tokenizer). */
  tokenizerFiles: { src: string; tgt: string };
  shardPairs?: number;
  /** Called after every shard written. */
  onShard?: (split: string, file: string, pairsSoFar: number) => void;
}

function le64(values: number[]): Uint8Array {
  const a = new BigInt64Array(values.length);
  for (let i = 0; i < values.length; i++) a[i] = BigInt(values[i]);
  return new Uint8Array(a.buffer);
}

function le32(values: Int32Array): Uint8Array {
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
}

/** Writes one shard: offsets (I64) first, then ids (I32), so every tensor is aligned to its element size. */
export function writeIdShard(
  path: string,
  pairs: { src: Int32Array; tgt: Int32Array }[],
  metadata: Record<string, string>,
): void {
  const side = (key: 'src' | 'tgt') => {
    const offsets = [0];
    let n = 0;
    for (const p of pairs) offsets.push((n += p[key].length));
    const ids = new Int32Array(n);
    let at = 0;
    for (const p of pairs) {
      ids.set(p[key], at);
      at += p[key].length;
    }
    return { offsets: le64(offsets), ids: le32(ids), count: n };
  };
  const s = side('src');
  const t = side('tgt');
  const blobs: [string, string, number[], Uint8Array][] = [
    ['src.offsets', 'I64', [pairs.length + 1], s.offsets],
    ['tgt.offsets', 'I64', [pairs.length + 1], t.offsets],
    ['src.ids', 'I32', [s.count], s.ids],
    ['tgt.ids', 'I32', [t.count], t.ids],
  ];
  const header: Record<string, unknown> = {
    __metadata__: { format: ID_FORMAT, version: String(ID_VERSION), ...metadata },
  };
  let offset = 0;
  for (const [name, dtype, shape, bytes] of blobs) {
    header[name] = { dtype, shape, data_offsets: [offset, offset + bytes.byteLength] };
    offset += bytes.byteLength;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (Buffer.byteLength(json) % 8)) % 8);
  const head = Buffer.from(json, 'utf8');
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(head.length));
  writeFileAtomic(path, [len, head, ...blobs.map((b) => b[3])]);
}

/** Reads a shard back (every size checked); InputError naming the file on any problem. */
export function readIdShard(path: string): { src: Int32Array[]; tgt: Int32Array[]; metadata: Record<string, string> } {
  const buf = readFileSync(path);
  const bad = (why: string) => new InputError(`${path}: ${why}`);
  if (buf.length < 8) throw bad('truncated id shard (no header)');
  const n = Number(buf.readBigUInt64LE(0));
  if (8 + n > buf.length) throw bad('truncated id shard (header)');
  let header: Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
  try {
    header = JSON.parse(buf.subarray(8, 8 + n).toString('utf8'));
  } catch {
    throw bad('id shard header is not JSON');
  }
  const metadata = (header.__metadata__ ?? {}) as unknown as Record<string, string>;
  if (metadata.format !== ID_FORMAT) throw bad(`not an id shard (format ${JSON.stringify(metadata.format)})`);
  const data = buf.subarray(8 + n);
  const tensor = (name: string, dtype: string) => {
    const t = header[name];
    if (!t || t.dtype !== dtype) throw bad(`tensor ${name} (${dtype}) is missing`);
    const [b, e] = t.data_offsets;
    if (!(e <= data.length && b <= e)) throw bad(`tensor ${name} lies outside the file (truncated?)`);
    const bytes = Uint8Array.prototype.slice.call(data, b, e);
    return dtype === 'I64' ? Array.from(new BigInt64Array(bytes.buffer), Number) : new Int32Array(bytes.buffer);
  };
  const split = (key: 'src' | 'tgt') => {
    const offsets = tensor(`${key}.offsets`, 'I64') as number[];
    const ids = tensor(`${key}.ids`, 'I32') as Int32Array;
    if (offsets[offsets.length - 1] !== ids.length)
      throw bad(`${key}.offsets end at ${offsets[offsets.length - 1]}, ${key}.ids has ${ids.length}`);
    return offsets.slice(0, -1).map((o, i) => ids.subarray(o, offsets[i + 1]));
  };
  const src = split('src');
  const tgt = split('tgt');
  if (src.length !== tgt.length) throw bad(`${src.length} source and ${tgt.length} target sequences`);
  return { src, tgt, metadata };
}

/** The output must be new, or an empty directory; its parent must exist. */
function checkOut(out: string): void {
  if (!existsSync(dirname(resolve(out))))
    throw new InputError(`${out}: directory ${dirname(resolve(out))} does not exist`);
  if (!existsSync(out)) return;
  if (!statSync(out).isDirectory()) throw new InputError(`${out}: exists and is not a directory`);
  if (readdirSync(out).length > 0) throw new InputError(`${out}: directory is not empty (choose another --out)`);
}

async function encodeSplit(job: EncodeJob, split: EncodeSplit, dir: string): Promise<SplitIndex> {
  const perShard = job.shardPairs ?? DEFAULT_SHARD_PAIRS;
  const report = newCorpusReport();
  const index: SplitIndex = { corpus: split.naming, pairs: 0, srcTokens: 0, tgtTokens: 0, skipped: 0, shards: [] };
  let shard: { src: Int32Array; tgt: Int32Array }[] = [];
  const flush = () => {
    const file = `${split.name}-${String(index.shards.length).padStart(5, '0')}.safetensors`;
    writeIdShard(join(dir, file), shard, { split: split.name, first: String(index.pairs - shard.length) });
    index.shards.push({ file, pairs: shard.length });
    job.onShard?.(split.name, file, index.pairs);
    shard = [];
  };
  for await (const p of readPairs(split.spec, report)) {
    const src = job.src.encode(p.src);
    const tgt = job.tgt.encode(p.tgt);
    shard.push({ src, tgt });
    index.pairs++;
    index.srcTokens += src.length;
    index.tgtTokens += tgt.length;
    if (shard.length >= perShard) flush();
  }
  if (shard.length > 0 || index.shards.length === 0) flush();
  index.skipped = report.skippedEmpty;
  return index;
}

/** Encodes the splits into `job.out` (created whole); returns the index written. */
export async function encodeToIdShards(job: EncodeJob): Promise<IdIndex> {
  checkOut(job.out);
  return fillDirWhole(job.out, async (tmp) => {
    const joint = resolve(job.tokenizerFiles.src) === resolve(job.tokenizerFiles.tgt);
    const tokenizers = joint
      ? { src: 'tokenizer.json', tgt: 'tokenizer.json' }
      : { src: 'tokenizer.src.json', tgt: 'tokenizer.tgt.json' };
    copyFileSync(job.tokenizerFiles.src, join(tmp, tokenizers.src));
    if (!joint) copyFileSync(job.tokenizerFiles.tgt, join(tmp, tokenizers.tgt));
    const index: IdIndex = {
      format: ID_FORMAT,
      version: ID_VERSION,
      tokenizers,
      vocab: { src: job.src.vocabSize, tgt: job.tgt.vocabSize },
      splits: {},
    };
    for (const split of job.splits) index.splits[split.name] = await encodeSplit(job, split, tmp);
    writeFileAtomic(join(tmp, ID_INDEX), JSON.stringify(index, null, 2) + '\n');
    return index;
  });
}
