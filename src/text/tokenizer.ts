/**
 * The subword tokenizer: normalisation (normalize.ts) → metaspace words (metaspace.ts) → BPE
 * pieces (bpe-model.ts) → ids; decoding reverses it. Saved as a Hugging Face tokenizer.json
 * (hf-json.ts). Guarantees, for every string x:
 *   detokenize(tokenize(x)) === normalize(x)
 *   decode(encode(x))       === normalize(x)   when every character of normalize(x) is in the
 *                                              vocabulary (others encode to <unk>, decoded "<unk>")
 *                                              and x holds no literal "<pad>", "<unk>", "<s>", "</s>"
 * (those strings are matched in raw text and become their ids, as in Hugging Face). docs/tokenizer.md
 * defines every case.
 */
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { InputError } from '../errors.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { MAX_TOKENIZER_BYTES, readJsonFile } from '../util/json-file.js';
import { BpeModel, type BpeDropout } from './bpe-model.js';
import { learnMerges } from './bpe-learn.js';
import { fromHfJson, toHfJson, type TokenizerData } from './hf-json.js';
import { detokenize, preTokenize } from './metaspace.js';
import { makeNormalizer, METASPACE, type Normalization } from './normalize.js';
import { BOS_ID, EOS_ID, PAD_ID, SPECIAL_TOKENS, splitSpecials } from './special-tokens.js';

const SPECIAL_SET = new Set(SPECIAL_TOKENS);

export { METASPACE } from './normalize.js';
export type { BpeDropout } from './bpe-model.js';
export { PAD_ID, UNK_ID, BOS_ID, EOS_ID, SPECIAL_TOKENS } from './special-tokens.js';

export interface BpeOptions {
  /** Target vocabulary size, the 4 special tokens included. */
  vocabSize: number;
  /** A character seen fewer times is left out of the alphabet (→ <unk>); a pair seen fewer times
   *  is never merged. Default 2. */
  minFrequency?: number;
  lowercase?: boolean;
  normalization?: Normalization;
}

const CACHE_LIMIT = 1 << 17;
/** Longer words (rare: long runs without spaces) are encoded every time rather than cached. */
const CACHE_MAX_WORD = 256;

interface CachedWord {
  ids: Int32Array;
  lengths: Int32Array;
}

export class Tokenizer {
  readonly vocabSize: number;
  readonly normalization: Normalization;
  readonly lowercase: boolean;
  /** Number of merges. */
  readonly mergeCount: number;
  private readonly data: TokenizerData;
  private readonly vocab: string[];
  private readonly ids: Map<string, number>;
  private readonly model: BpeModel;
  private readonly norm: (text: string) => string;
  private readonly cache = new Map<string, CachedWord>();

  constructor(data: TokenizerData) {
    this.data = data;
    this.vocab = data.vocab;
    this.vocabSize = data.vocab.length;
    this.normalization = data.normalization;
    this.lowercase = data.lowercase;
    this.mergeCount = data.merges.length;
    this.ids = new Map();
    const charIds = new Map<string, number>();
    data.vocab.forEach((t, i) => {
      this.ids.set(t, i);
      if (i >= SPECIAL_TOKENS.length && t.length > 0 && String.fromCodePoint(t.codePointAt(0)!) === t)
        charIds.set(t, i);
    });
    this.model = new BpeModel(charIds, data.merges);
    this.norm = makeNormalizer({ normalization: data.normalization, lowercase: data.lowercase });
  }

  /** Reads a tokenizer.json; InputError "path: problem" when it is missing or invalid. */
  static load(path: string): Tokenizer {
    // Data only: at most MAX_TOKENIZER_BYTES of strict UTF-8, parsed by JSON.parse.
    return Tokenizer.fromJSON(readJsonFile(path, 'tokenizer file', MAX_TOKENIZER_BYTES), path);
  }

  static fromJSON(json: unknown, source = 'tokenizer'): Tokenizer {
    return new Tokenizer(fromHfJson(json, source));
  }

  /** The Hugging Face tokenizer.json object. */
  toJSON(): object {
    return toHfJson(this.data);
  }

  /** The text of tokenizer.json. */
  serialize(): string {
    return JSON.stringify(this.toJSON(), null, 1) + '\n';
  }

  /** Writes tokenizer.json atomically; InputError when its directory does not exist. */
  save(path: string): void {
    const dir = dirname(path);
    if (!existsSync(dir)) throw new InputError(`${path}: directory ${dir} does not exist`);
    writeFileAtomic(path, this.serialize());
  }

  /**
   * NFC/NFKC, lowercasing, "▁" → space (normalize.ts); literal special-token strings are kept and
   * the text between them is normalised piecewise, as the Hugging Face pipeline does.
   */
  normalize(text: string): string {
    if (!text.includes('<')) return this.norm(text);
    return splitSpecials(text)
      .map((s) => (typeof s === 'number' ? SPECIAL_TOKENS[s] : this.norm(s)))
      .join('');
  }

  /** One word's pieces: cached, or (BPE-dropout) a fresh random segmentation, never cached. */
  private word(w: string, dropout?: BpeDropout): CachedWord {
    if (dropout !== undefined && dropout.p > 0) return this.model.encodeWord(w, dropout);
    let hit = this.cache.get(w);
    if (hit === undefined) {
      hit = this.model.encodeWord(w);
      if (w.length > CACHE_MAX_WORD) return hit;
      if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
      this.cache.set(w, hit);
    }
    return hit;
  }

  /**
   * Subword pieces (an unknown character is its own piece, with its own text); with `dropout`, one
   * BPE-dropout segmentation (training only).
   */
  tokenize(text: string, dropout?: BpeDropout): string[] {
    const pieces: string[] = [];
    for (const seg of splitSpecials(text)) {
      if (typeof seg === 'number') {
        pieces.push(SPECIAL_TOKENS[seg]);
        continue;
      }
      for (const w of preTokenize(this.norm(seg))) {
        const { lengths } = this.word(w, dropout);
        let at = 0;
        for (let i = 0; i < lengths.length; i++) {
          pieces.push(w.slice(at, at + lengths[i]));
          at += lengths[i];
        }
      }
    }
    return pieces;
  }

  /**
   * Pieces back to text, the inverse of tokenize: "▁" → space, dropping the one space that the
   * pre-tokeniser put in front of the text and of each segment after a special-token piece.
   */
  detokenize(pieces: readonly string[]): string {
    let out = '';
    let start = 0;
    for (let i = 0; i < pieces.length; i++) {
      if (!SPECIAL_SET.has(pieces[i])) continue;
      out += detokenize(pieces.slice(start, i)) + pieces[i];
      start = i + 1;
    }
    return start === 0 ? detokenize(pieces) : out + detokenize(pieces.slice(start));
  }

  /**
   * Ids without <s>/</s>. Literal special-token strings in the text ("<unk>", "<s>", …) become
   * their ids, as in Hugging Face. With `dropout` (p > 0): one BPE-dropout segmentation, drawn
   * from its generator (training only; without it, or with p = 0, the deterministic encoding).
   */
  encode(text: string, dropout?: BpeDropout): Int32Array {
    if (text.includes('<')) return this.encodeWithSpecials(text, dropout);
    return this.encodeSegment(text, dropout);
  }

  private encodeWithSpecials(text: string, dropout?: BpeDropout): Int32Array {
    const parts: number[] = [];
    for (const seg of splitSpecials(text)) {
      if (typeof seg === 'number') parts.push(seg);
      else for (const id of this.encodeSegment(seg, dropout)) parts.push(id);
    }
    return Int32Array.from(parts);
  }

  private encodeSegment(text: string, dropout?: BpeDropout): Int32Array {
    const words = preTokenize(this.norm(text));
    if (words.length === 1) return this.word(words[0], dropout).ids.slice();
    let n = 0;
    const parts: Int32Array[] = new Array(words.length);
    for (let i = 0; i < words.length; i++) {
      parts[i] = this.word(words[i], dropout).ids;
      n += parts[i].length;
    }
    const out = new Int32Array(n);
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }

  /**
   * Ids back to text, skipping <pad>, <s> and </s>; <unk> appears as "<unk>". "▁" → space, and
   * one leading space (the pre-tokeniser's) is dropped, as Hugging Face's Metaspace decoder does.
   */
  decode(ids: ArrayLike<number>): string {
    let s = '';
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (id === PAD_ID || id === BOS_ID || id === EOS_ID) continue;
      s += this.idToToken(id);
    }
    if (s.includes(METASPACE)) s = s.replaceAll(METASPACE, ' ');
    return s.startsWith(' ') ? s.slice(1) : s;
  }

  idToToken(id: number): string {
    const t = this.vocab[id];
    if (t === undefined || !Number.isInteger(id))
      throw new InputError(`token id ${id} is outside the vocabulary (0..${this.vocabSize - 1})`);
    return t;
  }

  tokenToId(token: string): number | undefined {
    return this.ids.get(token);
  }
}

/** Counts metaspace words over texts (normalised as the tokenizer will). */
export class WordCounter {
  readonly counts = new Map<string, number>();
  sentences = 0;
  private readonly norm: (text: string) => string;
  constructor(opts: { lowercase?: boolean; normalization?: Normalization } = {}) {
    this.norm = makeNormalizer({ normalization: opts.normalization ?? 'nfc', lowercase: opts.lowercase ?? false });
  }
  add(text: string): void {
    this.sentences++;
    for (const seg of splitSpecials(text)) {
      if (typeof seg === 'number') continue;
      for (const w of preTokenize(this.norm(seg))) this.counts.set(w, (this.counts.get(w) ?? 0) + 1);
    }
  }
}

function checkOptions(opts: BpeOptions): void {
  if (!Number.isInteger(opts.vocabSize) || opts.vocabSize <= SPECIAL_TOKENS.length) {
    throw new InputError(`vocabulary size must be an integer above ${SPECIAL_TOKENS.length}, got ${opts.vocabSize}`);
  }
  const mf = opts.minFrequency ?? 2;
  if (!Number.isInteger(mf) || mf < 1) throw new InputError(`minimum frequency must be a positive integer, got ${mf}`);
  if (opts.normalization !== undefined && opts.normalization !== 'nfc' && opts.normalization !== 'nfkc') {
    throw new InputError(`normalization must be nfc or nfkc, got '${String(opts.normalization)}'`);
  }
}

/** Learns a tokenizer from word counts (see WordCounter). */
export function learnBpeFromCounts(counter: WordCounter, opts: BpeOptions): Tokenizer {
  checkOptions(opts);
  const { vocab, merges } = learnMerges(counter.counts, opts.vocabSize, opts.minFrequency ?? 2);
  return new Tokenizer({
    vocab,
    merges,
    normalization: opts.normalization ?? 'nfc',
    lowercase: opts.lowercase ?? false,
  });
}

/** Learns BPE (Sennrich et al. 2016) on texts, one sentence per string. */
export async function learnBpe(texts: Iterable<string> | AsyncIterable<string>, opts: BpeOptions): Promise<Tokenizer> {
  checkOptions(opts);
  const counter = new WordCounter(opts);
  for await (const t of texts as AsyncIterable<string>) counter.add(t);
  return learnBpeFromCounts(counter, opts);
}
