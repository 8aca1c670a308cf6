/**
 * Text in, translations out: the one entry point the CLI (`seq2seq translate`, `eval`) and the
 * interactive UI use. Per call: encode every line, crop sources longer than the model's limit (with
 * a warning, never silently), sort by length and decode in batches (greedy for beam 1, beam search
 * otherwise), then turn ids back into text, optionally replacing <unk> by the source piece with the
 * highest attention weight. Results come back in input order; an empty (or whitespace-only) line
 * gives an empty translation without touching the model.
 */
import { InputError } from '../errors.js';
import { UNK_ID } from '../data/batch.js';
import type { Seq2SeqModel } from '../model/types.js';
import { beamSearch } from './beam.js';
import { greedyDecode } from './greedy.js';
import type { SearchHypothesis, SearchOptions } from './search-types.js';

export interface TextCodec {
  encode(text: string): Int32Array;
  decode(ids: ArrayLike<number>): string;
  tokenize(text: string): string[];
  idToToken(id: number): string;
  /** Optional: pieces back to text (used after <unk> replacement); metaspace joining otherwise. */
  detokenize?(pieces: readonly string[]): string;
  /** Optional, with vocabSize: the normalised text (enables cutting very long lines before encoding). */
  normalize?(text: string): string;
  readonly vocabSize?: number;
}

/** A source as the model sees it: at most `max` ids and their pieces, and the warning when it was cropped. */
export interface EncodedSource {
  ids: Int32Array;
  pieces: string[];
  warning: string | null;
}

const longestPieceCache = new WeakMap<TextCodec, number>();

/**
 * UTF-16 length of the longest text a single source token can cover (vocabulary pieces, special-token literals, an
 * unknown astral character).
 */
function longestPiece(codec: TextCodec): number {
  let L = longestPieceCache.get(codec);
  if (L === undefined) {
    L = 5; // "<pad>", "<unk>": a literal special-token string is one token
    for (let id = 0; id < (codec.vocabSize ?? 0); id++) L = Math.max(L, codec.idToToken(id).length);
    longestPieceCache.set(codec, L);
  }
  return L;
}

/**
 * Encodes a source line and crops it to `max` tokens (with a warning). A very long line (a
 * 100 KB line of a 1 GB file) is first cut at a space beyond which no token can reach the first
 * `max`: every token covers at most L UTF-16 units of the normalised text, so a prefix whose
 * normalised form has ≥ max·L units encodes to ≥ max tokens; and since normalisation, special-token
 * splitting and the metaspace pre-tokeniser never join text across a plain space (U+0020 is a
 * starter that composes with nothing, and words are split before it), the prefix's tokens are
 * exactly the first tokens of the whole line. The result is identical to encoding the whole line
 * and cropping (test/reliability/pretruncate.test.ts); only the cost no longer grows with the line.
 */
export function encodeSource(codec: TextCodec, text: string, max: number | undefined): EncodedSource {
  let src = text;
  let cut = false;
  if (max !== undefined && codec.normalize && codec.vocabSize !== undefined) {
    const need = max * longestPiece(codec);
    if (text.length > 2 * need + 64) {
      for (let at = need; at < text.length; at *= 2) {
        const space = text.indexOf(' ', at);
        if (space < 0) break;
        const prefix = text.slice(0, space);
        if (codec.normalize(prefix).length >= need) {
          src = prefix;
          cut = true;
          break;
        }
      }
    }
  }
  let ids = codec.encode(src);
  let pieces = codec.tokenize(src);
  if (pieces.length !== ids.length) pieces = Array.from(ids, (id) => codec.idToToken(id));
  let warning: string | null = null;
  if (max !== undefined && (cut || ids.length > max)) {
    warning = cut
      ? `source of more than ${ids.length} tokens (${text.length} characters) cropped to the model's limit of ${max}`
      : `source of ${ids.length} tokens cropped to the model's limit of ${max}`;
    ids = ids.slice(0, max);
    pieces = pieces.slice(0, max);
  }
  return { ids, pieces, warning };
}

export interface TranslateOptions {
  beam: number;
  nBest: number;
  lengthPenalty: number;
  maxLengthRatio: number;
  maxLengthConstant: number;
  replaceUnk: boolean;
  maxSourceLength?: number;
}

export const TRANSLATE_DEFAULTS: TranslateOptions = {
  beam: 5,
  nBest: 1,
  lengthPenalty: 0.6,
  maxLengthRatio: 2,
  maxLengthConstant: 10,
  replaceUnk: false,
};

export interface Hypothesis {
  text: string;
  /** Length-normalised log-probability (the ranking score); the log-probability itself when α = 0. */
  score: number;
  ids: number[];
  pieces: string[];
  /** One row of S source weights per output token (pieces[t] ↔ attention[t]; the </s> row is left out), or null. */
  attention: Float32Array[] | null;
}

export interface Translation {
  source: string;
  sourcePieces: string[];
  hyps: Hypothesis[];
  warnings: string[];
}

/** Rows (sentences × beam) decoded together at most. */
const MAX_ROWS = 512;
const METASPACE = '\u2581';

/** Throws InputError unless the options make sense. */
export function checkTranslateOptions(o: TranslateOptions): void {
  const posInt = (v: number, name: string) => {
    if (!Number.isSafeInteger(v) || v < 1) throw new InputError(`${name} must be a positive integer, got ${v}`);
  };
  posInt(o.beam, 'beam');
  posInt(o.nBest, 'n-best');
  if (o.nBest > o.beam) throw new InputError(`n-best (${o.nBest}) cannot exceed the beam size (${o.beam})`);
  if (!Number.isFinite(o.lengthPenalty) || o.lengthPenalty < 0)
    throw new InputError(`length penalty must be a number ≥ 0, got ${o.lengthPenalty}`);
  if (!Number.isFinite(o.maxLengthRatio) || o.maxLengthRatio < 0)
    throw new InputError(`max length ratio must be a number ≥ 0, got ${o.maxLengthRatio}`);
  if (!Number.isFinite(o.maxLengthConstant) || o.maxLengthConstant < 0)
    throw new InputError(`max length constant must be a number ≥ 0, got ${o.maxLengthConstant}`);
  if (o.maxSourceLength !== undefined) posInt(o.maxSourceLength, 'max source length');
}

/** Metaspace pieces to text: "▁" → space, one leading space dropped (as the tokenizer's decoder does). */
export function joinPieces(pieces: readonly string[]): string {
  const s = pieces.join('').replaceAll(METASPACE, ' ');
  return s.startsWith(' ') ? s.slice(1) : s;
}

export class Translator {
  readonly defaults: TranslateOptions;

  constructor(
    readonly model: Seq2SeqModel,
    readonly src: TextCodec,
    readonly tgt: TextCodec,
    defaults: Partial<TranslateOptions> = {},
  ) {
    this.defaults = { ...TRANSLATE_DEFAULTS };
    for (const [k, v] of Object.entries(defaults))
      if (v !== undefined) (this.defaults as unknown as Record<string, unknown>)[k] = v;
    checkTranslateOptions(this.defaults);
  }

  translate(lines: string[], opts: Partial<TranslateOptions> = {}): Translation[] {
    // Options given as undefined keep their defaults (e.g. the run's maxSourceLength).
    const o: TranslateOptions = { ...this.defaults };
    for (const [k, v] of Object.entries(opts)) if (v !== undefined) (o as unknown as Record<string, unknown>)[k] = v;
    checkTranslateOptions(o);
    const out: Translation[] = new Array(lines.length);
    const todo: { i: number; ids: Int32Array; pieces: string[] }[] = [];
    for (let i = 0; i < lines.length; i++) {
      const source = lines[i];
      if (source.trim() === '') {
        out[i] = {
          source,
          sourcePieces: [],
          hyps: [{ text: '', score: 0, ids: [], pieces: [], attention: null }],
          warnings: [],
        };
        continue;
      }
      const { ids, pieces, warning } = encodeSource(this.src, source, o.maxSourceLength);
      const warnings = warning === null ? [] : [warning];
      out[i] = { source, sourcePieces: pieces, hyps: [], warnings };
      todo.push({ i, ids, pieces });
    }

    // Similar lengths together: less padding per batch.
    todo.sort((a, b) => a.ids.length - b.ids.length || a.i - b.i);
    const perBatch = Math.max(1, Math.floor(MAX_ROWS / o.beam));
    const search: SearchOptions = {
      beam: o.beam,
      nBest: o.nBest,
      lengthPenalty: o.lengthPenalty,
      maxLengthRatio: o.maxLengthRatio,
      maxLengthConstant: o.maxLengthConstant,
      keepAttention: this.model.hasAttention,
    };
    for (let start = 0; start < todo.length; start += perBatch) {
      const chunk = todo.slice(start, start + perBatch);
      const sources = chunk.map((t) => t.ids);
      const results: SearchHypothesis[][] =
        o.beam === 1
          ? greedyDecode(this.model, sources, search).map((h) => [h])
          : beamSearch(this.model, sources, search);
      chunk.forEach((t, k) => {
        out[t.i].hyps = results[k].map((h) => this.toHypothesis(h, t.ids, t.pieces, o.replaceUnk));
      });
    }
    return out;
  }

  private toHypothesis(h: SearchHypothesis, srcIds: Int32Array, srcPieces: string[], replaceUnk: boolean): Hypothesis {
    const pieces = h.ids.map((id) => this.tgt.idToToken(id));
    let replaced = false;
    if (replaceUnk && h.attention) {
      for (let t = 0; t < h.ids.length; t++) {
        if (h.ids[t] !== UNK_ID) continue;
        const row = h.attention[t];
        let best = 0;
        for (let j = 1; j < Math.min(row.length, srcIds.length); j++) if (row[j] > row[best]) best = j;
        pieces[t] = srcPieces[best] ?? pieces[t];
        replaced = true;
      }
    }
    const text = replaced
      ? this.tgt.detokenize
        ? this.tgt.detokenize(pieces)
        : joinPieces(pieces)
      : this.tgt.decode(h.ids);
    return {
      text,
      score: h.score,
      ids: h.ids,
      pieces,
      attention: h.attention ? h.attention.slice(0, h.ids.length) : null,
    };
  }
}
