/**
 * Sentence splitting for translation: a text is cut into sentences with the Unicode sentence
 * boundaries of Intl.Segmenter (UAX #29, built into Node's ICU: no word lists, the same rules for
 * every language; "Mr. Smith" is two sentences, "3.5" is not cut), each sentence is translated on
 * its own, and the translations are put back between the original whitespace:
 *
 *   "  One. Two?\n"  →  sentences ["One.", "Two?"], separators ["  ", " ", "\n"]
 *   joinSentences(split, ["Eins.", "Zwei?"])  →  "  Eins. Zwei?\n"
 *
 * Line breaks are hard boundaries (a segment never spans one), so a multi-line text keeps its
 * lines. A text of only whitespace has no sentences and joins back to itself. Used by
 * `seq2seq serve` (every request) and `seq2seq translate --split-sentences`, so both cut alike.
 */

export interface SentenceSplit {
  /** The sentences, without surrounding whitespace (never empty). */
  sentences: string[];
  /** The whitespace before each sentence and after the last: sentences.length + 1 entries. */
  separators: string[];
}

const segmenter = new Intl.Segmenter('en', { granularity: 'sentence' });
const EDGES = /^(\s*)([\s\S]*?)(\s*)$/;

export function splitSentences(text: string): SentenceSplit {
  const sentences: string[] = [];
  const separators: string[] = [];
  let gap = '';
  for (const { segment } of segmenter.segment(text)) {
    const [, lead, core, trail] = EDGES.exec(segment)!;
    gap += lead;
    if (core === '') {
      gap += trail;
      continue;
    }
    separators.push(gap);
    sentences.push(core);
    gap = trail;
  }
  separators.push(gap);
  return { sentences, separators };
}

/** The text of `split` with sentence i replaced by translations[i]. */
export function joinSentences(split: SentenceSplit, translations: readonly string[]): string {
  if (translations.length !== split.sentences.length) {
    throw new RangeError(`${split.sentences.length} sentences but ${translations.length} translations`);
  }
  let out = split.separators[0];
  for (let i = 0; i < translations.length; i++) out += translations[i] + split.separators[i + 1];
  return out;
}
