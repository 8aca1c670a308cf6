/**
 * src/text/sentences.ts: sentences by Unicode's rules (Intl.Segmenter), whitespace kept exactly so
 * that translations join back into the text's own layout; for any string, joining the sentences
 * themselves gives the string back.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { joinSentences, splitSentences } from '../../src/text/sentences.js';

describe('splitSentences', () => {
  it('cuts at sentence ends, keeps the whitespace between as separators', () => {
    expect(splitSentences('  One. Two?\n')).toEqual({ sentences: ['One.', 'Two?'], separators: ['  ', ' ', '\n'] });
    expect(splitSentences('He paid 3.5 euros. Then left!  Why?')).toEqual({
      sentences: ['He paid 3.5 euros.', 'Then left!', 'Why?'],
      separators: ['', ' ', '  ', ''],
    });
    expect(splitSentences('Line one\nline two')).toEqual({
      sentences: ['Line one', 'line two'],
      separators: ['', '\n', ''],
    });
    expect(splitSentences('日本語です。はい。').sentences).toEqual(['日本語です。', 'はい。']);
  });

  it('a text of only whitespace has no sentences and joins back to itself', () => {
    const s = splitSentences(' \n\t ');
    expect(s.sentences).toEqual([]);
    expect(joinSentences(s, [])).toBe(' \n\t ');
    expect(splitSentences('')).toEqual({ sentences: [], separators: [''] });
  });

  it('joinSentences puts translations in place and refuses a wrong count', () => {
    const s = splitSentences('  One. Two?\n');
    expect(joinSentences(s, ['Eins.', 'Zwei?'])).toBe('  Eins. Zwei?\n');
    expect(() => joinSentences(s, ['Eins.'])).toThrow(RangeError);
  });

  it('for any text: sentences are non-empty and trimmed, and joining them gives the text back', () => {
    const unit = fc.constantFrom('a', 'B', ' ', '.', '?', '!', '\n', '\t', '3', '"', 'é', '。', '\u00a0');
    const text = fc.string({ unit, maxLength: 60 });
    fc.assert(
      fc.property(text, (t) => {
        const s = splitSentences(t);
        expect(s.separators).toHaveLength(s.sentences.length + 1);
        for (const x of s.sentences) {
          expect(x).not.toBe('');
          expect(x.trim()).toBe(x);
        }
        expect(joinSentences(s, s.sentences)).toBe(t);
      }),
      { numRuns: 500 },
    );
  });
});
