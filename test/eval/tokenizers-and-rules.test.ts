/** The 13a/intl/char tokenisers on hand-worked lines, Python text behaviour, and BLEU/chrF rules worked by hand. */
import { describe, expect, it } from 'vitest';
import { tokenize13a, tokenizeChar, tokenizeIntl } from '../../src/eval/tokenizers.js';
import { pyFixed, pyRstrip, pySplit } from '../../src/eval/python-text.js';
import { Bleu, closestRefLength, corpusBleu } from '../../src/eval/bleu.js';
import { Chrf, splitPunctuation } from '../../src/eval/chrf.js';

describe('tokenize13a (mteval-v13a rules, worked by hand)', () => {
  it.each([
    ['Hello, world.', 'Hello , world .'],
    ['It costs $3.50, or 3,000 yen.', 'It costs $ 3.50 , or 3,000 yen .'],
    ["It wasn't surprising.", "It wasn't surprising ."], // the apostrophe (0x27) is not in the symbol ranges
    ['a-b 1990-2000', 'a-b 1990 - 2000'], // dash split only after a digit
    ['&quot;quoted&quot; &amp; &lt;tag&gt;', '" quoted " & < tag >'],
    ['x<skipped>y', 'xy'],
    ['line-\nbreak\nhere', 'linebreak here'],
    ['{a}[b]^_`|~@/:;=?', '{ a } [ b ] ^ _ ` | ~ @ / : ; = ?'],
    ['3.14. .5 5.', '3.14 . . 5 5 .'], // a period before a digit is still split when preceded by a non-digit
    ['  spaced   out  ', 'spaced out'],
    ['«Ça va?» — oui…', '«Ça va ? » — oui…'], // non-ASCII punctuation is left alone by 13a
  ])('%j → %j', (input, expected) => {
    expect(tokenize13a(input)).toBe(expected);
  });
  it('unescapes only when & is present, and &amp;quot; becomes &quot; → " (replacements in order)', () => {
    expect(tokenize13a('&amp;quot;')).toBe('& quot ;'); // &quot; is replaced before &amp;, so this stays &quot;, then & and ; are symbols
  });
});

describe('tokenizeIntl and tokenizeChar', () => {
  it('splits Unicode punctuation and symbols except around digits', () => {
    expect(tokenizeIntl('«Ça va?» 3.5€ 1,000')).toBe('« Ça va ? » 3.5 € 1,000');
  });
  it('char: one token per code point, astral characters intact', () => {
    expect(tokenizeChar('a😀b')).toBe('a 😀 b');
  });
});

describe('Python text behaviour', () => {
  it('split/rstrip use Python whitespace (\\x1c-\\x1f, \\x85 yes; \\ufeff no)', () => {
    expect(pySplit('a\x1cb\x85c\ufeffd  e')).toEqual(['a', 'b', 'c\ufeffd', 'e']);
    expect(pyRstrip('x \u3000\n')).toBe('x');
  });
  it('pyFixed rounds exact ties to even like Python, otherwise as toFixed', () => {
    expect(pyFixed(0.125, 2)).toBe('0.12');
    expect(pyFixed(0.375, 2)).toBe('0.38');
    expect(pyFixed(2.5, 0)).toBe('2');
    expect(pyFixed(48.530827, 2)).toBe('48.53');
    expect(pyFixed(0.1 + 0.2, 1)).toBe('0.3');
    expect(pyFixed(1.005, 2)).toBe('1.00'); // 1.005 is below the tie in binary
  });
});

describe('BLEU rules worked by hand', () => {
  it('closest reference length, ties to the shorter', () => {
    expect(closestRefLength(5, [7, 3])).toBe(3);
    expect(closestRefLength(5, [3, 7])).toBe(3);
    expect(closestRefLength(5, [9, 6, 4])).toBe(4);
  });
  it('one sentence: p1 = 3/4, p2 = 1/3, p3 = 0 → exp smoothing 1/(2·2), p4 = 0 → 1/(4·1)', () => {
    // hyp "the cat sat down" vs ref "the cat is sitting down": matches the, cat, down; "the cat".
    const s = corpusBleu(['the cat sat down'], [['the cat is sitting down']]);
    const p = [3 / 4, 1 / 3, 1 / 4, 1 / 4];
    const bp = Math.exp(1 - 5 / 4);
    const expected = 100 * bp * Math.exp(p.reduce((a, x) => a + Math.log(x), 0) / 4);
    expect(s.score).toBeCloseTo(expected, 10);
    expect(s.counts).toEqual([3, 1, 0, 0]);
    expect(s.totals).toEqual([4, 3, 2, 1]);
  });
  it('--lowercase folds case before tokenising', () => {
    expect(corpusBleu(['THE CAT SAT ON THE MAT'], [['the cat sat on the mat']], { lowercase: true }).score).toBeCloseTo(
      100,
      10,
    );
    expect(corpusBleu(['THE CAT SAT ON THE MAT'], [['the cat sat on the mat']]).score).toBe(0);
    // Without the effective order a 2-word corpus has no 3-grams: log 0 is floored and BLEU ≈ 0.
    expect(corpusBleu(['the cat'], [['the cat']]).score).toBe(0);
    expect(corpusBleu(['the cat'], [['the cat']], { effectiveOrder: true }).score).toBeCloseTo(100, 10);
  });
  it('clipping uses the max count over references', () => {
    const b = new Bleu({ tokenize: 'none' });
    const s = b.corpusScore(['a a a'], [['a b c'], ['a a d']]);
    expect(s.counts[0]).toBe(2);
  });
});

describe('chrF++ (word order 2) worked by hand', () => {
  it('punctuation split: one trailing else one leading mark', () => {
    expect(splitPunctuation('(hi) "yes", ok. !')).toEqual(['(hi', ')', '"yes"', ',', 'ok', '.', '!']);
  });
  it('identical sentences score 100; word n-gram stats counted', () => {
    const c = new Chrf({ wordOrder: 2 });
    const s = c.corpusScore(['the cat sat.'], [['the cat sat.']]);
    expect(s.score).toBeCloseTo(100, 10);
    expect(s.name).toBe('chrF2++');
    // word unigrams: the, cat, sat, . → 4; bigrams 3
    expect(s.stats.slice(18)).toEqual([4, 4, 4, 3, 3, 3]);
  });
  it('an order the reference lacks does not count the hypothesis n-grams (sacreBLEU rule; matters at corpus level)', () => {
    const c = new Chrf({ charOrder: 3 });
    // ref "ab" has no 3-grams: hyp "abcd" contributes [4,2,2], [3,1,1], [0,0,0] (not [2,0,0]).
    expect(c.segmentStats('abcd', ['ab'])).toEqual([4, 2, 2, 3, 1, 1, 0, 0, 0]);
    // Corpus: + ("xyz" vs "xyz") [3,3,3],[2,2,2],[1,1,1] → P̄ = (5/7 + 3/5 + 1)/3, R̄ = (5/5 + 3/3 + 1)/3 = 1.
    const P = (5 / 7 + 3 / 5 + 1) / 3;
    expect(c.corpusScore(['abcd', 'xyz'], [['ab', 'xyz']]).score).toBeCloseTo((100 * 5 * P) / (4 * P + 1), 10);
  });
  it('one word differing: hand-computed F from the per-order statistics', () => {
    const c = new Chrf({ charOrder: 1, wordOrder: 1, beta: 1 });
    // chars: "ab" vs "ac" → hyp 2 ref 2 match 1; words: [a,b] vs [a,c] → 2,2,1. P = R = 0.5 → F1 = 0.5
    const s = c.corpusScore(['a b'], [['a c']]);
    expect(s.stats).toEqual([2, 2, 1, 2, 2, 1]);
    expect(s.score).toBeCloseTo(50, 10);
  });
});
