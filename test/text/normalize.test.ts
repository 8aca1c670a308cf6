/**
 * Normalisation and the metaspace scheme, case by case against hand-written expectations
 * (the cases docs/tokenizer.md defines), then the lossless property on random Unicode.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { lowercaseByCodePoint, makeNormalizer, wellFormed } from '../../src/text/normalize.js';
import { detokenize, preTokenize } from '../../src/text/metaspace.js';
import { awkwardText } from './arbitraries.js';

const nfc = makeNormalizer({ normalization: 'nfc', lowercase: false });
const nfkcLower = makeNormalizer({ normalization: 'nfkc', lowercase: true });

describe('normalize', () => {
  it('composes to NFC: e + U+0301 → é (U+00E9), Hangul jamo → one syllable', () => {
    expect(nfc('e\u0301')).toBe('\u00e9');
    expect(nfc('\u1100\u1161\u11a8')).toBe('\uac01');
  });
  it('keeps compatibility characters under NFC, folds them under NFKC', () => {
    expect(nfc('ﬁ①Ａ')).toBe('ﬁ①Ａ');
    expect(nfkcLower('ﬁ①Ａ')).toBe('fi1a');
  });
  it('keeps a combining mark that has nothing to compose with', () => {
    expect(nfc('q\u0301')).toBe('q\u0301');
    expect(nfc('\u0301x')).toBe('\u0301x');
  });
  it('lowercases code point by code point: final Σ → σ (not ς), İ → i + U+0307', () => {
    expect(lowercaseByCodePoint('ΣΑΣ')).toBe('σασ');
    expect(lowercaseByCodePoint('İ')).toBe('i\u0307');
    expect(lowercaseByCodePoint('ABC def')).toBe('abc def');
  });
  it('turns a literal ▁ into a space and lone surrogates into U+FFFD', () => {
    expect(nfc('a\u2581b')).toBe('a b');
    expect(wellFormed('x\ud800y\udc00')).toBe('x\ufffdy\ufffd');
    expect(wellFormed('😀')).toBe('😀');
  });
  it("leaves characters newer than Hugging Face's Unicode data alone, as it does", () => {
    // U+08D2 (Unicode 9, combining class 220) is class 0 there: no reordering with U+0E39 (class 103)
    expect('\u08d2\u0e39'.normalize('NFC')).toBe('\u0e39\u08d2');
    expect(nfc('\u08d2\u0e39')).toBe('\u08d2\u0e39');
    // U+11935 U+11930 compose to U+11938 in Unicode 13, not there; U+32FF (Unicode 12.1) has no NFKC form there
    expect(nfc('\u{11935}\u{11930}')).toBe('\u{11935}\u{11930}');
    expect(nfkcLower('\u32ff')).toBe('\u32ff');
    // the text around them is still normalised
    expect(nfc('e\u0301\u08d2e\u0301')).toBe('\u00e9\u08d2\u00e9');
  });
  it('keeps spaces, tabs and newlines exactly', () => {
    expect(nfc('  a\t\tb \n')).toBe('  a\t\tb \n');
  });
});

describe('metaspace pre-tokenisation', () => {
  it('splits before every space, keeping each as ▁ (leading, trailing, repeated)', () => {
    expect(preTokenize('a b')).toEqual(['▁a', '▁b']);
    expect(preTokenize(' a  b ')).toEqual(['▁', '▁a', '▁', '▁b', '▁']);
    expect(preTokenize('a\tb\nc')).toEqual(['▁a\tb\nc']);
    expect(preTokenize('')).toEqual([]);
    expect(preTokenize(' ')).toEqual(['▁', '▁']);
  });
  it('detokenises pieces back: ▁ → space, minus the one leading space', () => {
    expect(detokenize(['▁', '▁a', '▁', '▁b', '▁'])).toBe(' a  b ');
    expect(detokenize(['▁th', 'e', '▁cat'])).toBe('the cat');
    expect(detokenize([])).toBe('');
  });
  it('is lossless on every normalised string (random Unicode)', () => {
    fc.assert(
      fc.property(awkwardText, (x) => {
        const n = nfc(x);
        expect(detokenize(preTokenize(n))).toBe(n);
      }),
      { numRuns: 500 },
    );
  });
  it('normalisation is idempotent (random Unicode)', () => {
    fc.assert(
      fc.property(awkwardText, (x) => {
        expect(nfc(nfc(x))).toBe(nfc(x));
      }),
      { numRuns: 500 },
    );
  });
});
