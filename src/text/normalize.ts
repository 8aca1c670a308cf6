/**
 * Text normalisation, applied before anything else (and identically in the Hugging Face
 * tokenizer.json written by hf-json.ts):
 *   1. lone UTF-16 surrogates → U+FFFD (they cannot be encoded as UTF-8, so no file can hold them);
 *   2. Unicode NFC (default) or NFKC — except that the few hundred characters for which Hugging
 *      Face's older Unicode data has no normalisation properties (hf-unicode-gaps.ts: mostly
 *      characters added since Unicode 11) are left as they are, the text on either side being
 *      normalised separately, exactly as Hugging Face does;
 *   3. optionally lowercasing, code point by code point (no context rules: Σ → σ always, as the
 *      Rust `char::to_lowercase` that Hugging Face's Lowercase normaliser uses);
 *   4. a literal `▁` (U+2581, the metaspace) → an ordinary space, since `▁` stands for a space.
 * Everything else — spaces (leading, trailing, repeated), tabs, newlines, combining marks that
 * NFC leaves alone, emoji and other astral characters — is kept as it is.
 */
import { HF_UNICODE_GAPS } from './hf-unicode-gaps.js';

export type Normalization = 'nfc' | 'nfkc';

export interface NormalizerOptions {
  normalization: Normalization;
  lowercase: boolean;
}

/** The metaspace: stands for a space (a word boundary) inside pieces. */
export const METASPACE = '\u2581';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const HAS_SURROGATE = /[\uD800-\uDFFF]/;

/** Replaces every lone surrogate by U+FFFD (String.prototype.toWellFormed). */
export function wellFormed(text: string): string {
  return HAS_SURROGATE.test(text) ? text.replace(LONE_SURROGATE, '\uFFFD') : text;
}

const gapClass = HF_UNICODE_GAPS.map(([a, b]) =>
  a === b ? `\\u{${a.toString(16)}}` : `\\u{${a.toString(16)}}-\\u{${b.toString(16)}}`,
).join('');
const HAS_GAP = new RegExp(`[${gapClass}]`, 'u');
const SPLIT_GAPS = new RegExp(`([${gapClass}])`, 'u');

/** NFC or NFKC of everything but the gap characters (see hf-unicode-gaps.ts). */
export function unicodeNormalize(text: string, form: 'NFC' | 'NFKC'): string {
  if (!HAS_GAP.test(text)) return text.normalize(form);
  const parts = text.split(SPLIT_GAPS);
  for (let i = 0; i < parts.length; i += 2) parts[i] = parts[i].normalize(form);
  return parts.join('');
}

const lowerCache = new Map<number, string>();

/** Lowercases one code point at a time, without the context-dependent rules of toLowerCase(). */
export function lowercaseByCodePoint(text: string): string {
  // ASCII-only and already-lower text is the common case: one toLowerCase() is exact there.
  let ascii = true;
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) > 0x7f) {
      ascii = false;
      break;
    }
  }
  if (ascii) return text.toLowerCase();
  let out = '';
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    let low = lowerCache.get(cp);
    if (low === undefined) {
      low = ch.toLowerCase();
      lowerCache.set(cp, low);
    }
    out += low;
  }
  return out;
}

/** Returns the normalisation function for these options. */
export function makeNormalizer(opts: NormalizerOptions): (text: string) => string {
  const form = opts.normalization === 'nfkc' ? 'NFKC' : 'NFC';
  const lower = opts.lowercase;
  return (text: string): string => {
    let s = unicodeNormalize(wellFormed(text), form);
    if (lower) s = lowercaseByCodePoint(s);
    if (s.includes(METASPACE)) s = s.replaceAll(METASPACE, ' ');
    return s;
  };
}
