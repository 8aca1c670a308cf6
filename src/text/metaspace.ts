/**
 * The word-boundary scheme (SentencePiece-style metaspace), lossless on normalised text:
 *   pre-tokenise:  "▁" + text with every space → "▁", then split before every "▁"
 *                  " a  b " → "▁▁a▁▁b▁" → ["▁", "▁a", "▁", "▁b", "▁"]
 *   detokenise:    concatenate, "▁" → space, drop the one leading space the prefix added.
 * Only U+0020 is a boundary; tabs, newlines and other white space stay inside words as ordinary
 * characters. Normalised text contains no literal "▁" (normalize.ts turns it into a space), so
 * detokenise(preTokenize(x)) === x for every normalised x, and "" has no words at all.
 */
import { METASPACE } from './normalize.js';

/** Splits normalised text into metaspace words; each starts with "▁". */
export function preTokenize(normalized: string): string[] {
  if (normalized.length === 0) return [];
  const words: string[] = [];
  let start = 0;
  for (;;) {
    const next = normalized.indexOf(' ', start);
    if (next < 0) {
      words.push(METASPACE + normalized.slice(start));
      return words;
    }
    words.push(METASPACE + normalized.slice(start, next));
    start = next + 1;
  }
}

/** Joins pieces back into text: "▁" → space, minus the leading space the pre-tokeniser added. */
export function detokenize(pieces: readonly string[]): string {
  const s = pieces.join('').replaceAll(METASPACE, ' ');
  return s.startsWith(' ') ? s.slice(1) : s;
}
