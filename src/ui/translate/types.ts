/**
 * What the interactive translator needs from a translator, as structural types of its own: the
 * real `Translator` (src/decode/translator.ts) satisfies them, and tests pass small fakes.
 */
import type { TranslateOptions } from '../../decode/translator.js';

/** The decoding options the app can change: decode/'s own options type. */
export type TranslateSettings = TranslateOptions;

export interface HypothesisLike {
  /** Detokenised output. */
  text: string;
  /** Model score (log-probability, length-penalised when a penalty is set); higher is better. */
  score: number;
  ids?: number[];
  /** Output subword pieces, one per output token. */
  pieces: string[];
  /** One row of S source weights per output token, or null for a model without attention. */
  attention: Float32Array[] | null;
}

export interface TranslationLike {
  source: string;
  sourcePieces: string[];
  hyps: HypothesisLike[];
  warnings: string[];
}

/** The one method the app calls; `model` is read (when present) only to describe the model. */
export interface TranslatorLike {
  translate(lines: string[], opts?: Partial<TranslateSettings>): TranslationLike[];
  model?: { srcVocabSize?: number; tgtVocabSize?: number; hasAttention?: boolean };
  /**
   * The source tokenizer, when exposed (the real Translator's `src`): if it has
   * `tokenToId(piece): number | undefined`, a source piece without an id is unknown to the model
   * (it was encoded as <unk>) and is highlighted in the token view.
   */
  src?: unknown;
}

/** One line of the transcript: a source and either its translation or the error it raised. */
export interface TranscriptEntry {
  id: number;
  source: string;
  translation: TranslationLike | null;
  error: string | null;
  /** The search used, e.g. "beam 5" or "greedy". */
  search: string;
  /** The end of a source longer than the model's limit, which was not translated. */
  leftOut?: string;
}

/** Compile-time check that the real Translator still fits what the UI expects (tsc fails if not). */
export const TRANSLATOR_FITS: import('../../decode/translator.js').Translator extends TranslatorLike ? true : never =
  true;
