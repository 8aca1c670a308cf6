/**
 * BPE learning and application: the worked example of Sennrich et al. (2016) by hand, then the
 * incremental learner and the heap-based encoder against the naive references of
 * reference-bpe.ts on random corpora.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { learnMerges } from '../../src/text/bpe-learn.js';
import { BpeModel } from '../../src/text/bpe-model.js';
import { naiveApply, naiveLearn } from './reference-bpe.js';

const pieces = (vocab: string[], ids: ArrayLike<number>) => Array.from(ids, (i) => vocab[i]);

function modelOf(vocab: string[], merges: [number, number, number][]): BpeModel {
  const charIds = new Map<string, number>();
  vocab.forEach((t, i) => {
    if (i >= 4 && [...t].length === 1) charIds.set(t, i);
  });
  return new BpeModel(charIds, merges);
}

describe('learnMerges', () => {
  // low ×5, lower ×2, newest ×6, widest ×3, each word with its leading ▁.
  // Alphabet by code point: d e i l n o r s t w ▁ → ids 4..14.
  // Pair counts: es 9, st 9 (tie: smaller left id, e=5 < s=11) → es; then es+t 9 → est;
  // then ▁l, lo, ow all 7 → lo (l=7 is the smallest left id); ▁+lo 7 beats lo+w 7 (▁=14 < lo=17);
  // ▁lo+w 7; then 6: ▁n, ne, ew, w+est → ew (e=5); n+ew (n=8) before ▁+n (14); ▁+new; ▁new+est.
  const counts = new Map([
    ['▁low', 5],
    ['▁lower', 2],
    ['▁newest', 6],
    ['▁widest', 3],
  ]);
  it('reproduces the hand-computed merge sequence of the classic example', () => {
    const { vocab, merges } = learnMerges(counts, 24, 2);
    expect(vocab.slice(0, 15)).toEqual([
      '<pad>',
      '<unk>',
      '<s>',
      '</s>',
      'd',
      'e',
      'i',
      'l',
      'n',
      'o',
      'r',
      's',
      't',
      'w',
      '▁',
    ]);
    expect(merges.map(([a, b]) => `${vocab[a]} ${vocab[b]}`)).toEqual([
      'e s',
      'es t',
      'l o',
      '▁ lo',
      '▁lo w',
      'e w',
      'n ew',
      '▁ new',
      '▁new est',
    ]);
    expect(vocab.slice(15)).toEqual(['es', 'est', 'lo', '▁lo', '▁low', 'ew', 'new', '▁new', '▁newest']);
  });
  it('stops when the best pair is rarer than minFrequency', () => {
    // After the 9 merges above the best pairs occur 3 times (▁w, wi, id, d+est): minFrequency 4 stops there.
    const { merges } = learnMerges(counts, 1000, 4);
    expect(merges.length).toBe(9);
  });
  it('leaves characters rarer than minFrequency out of the alphabet', () => {
    const { vocab } = learnMerges(
      new Map([
        ['▁aab', 3],
        ['▁c', 1],
      ]),
      100,
      2,
    );
    expect(vocab.slice(4, 7)).toEqual(['a', 'b', '▁']);
    expect(vocab).not.toContain('c');
  });
  it('keeps the most frequent characters when the alphabet does not fit', () => {
    const { vocab } = learnMerges(
      new Map([
        ['▁aaab', 2],
        ['▁ccd', 1],
      ]),
      7,
      1,
    );
    // a: 6, c: 2, b: 2, d: 1 → room for 2 besides ▁: a, then b (ties by code point: b < c)
    expect(vocab).toEqual(['<pad>', '<unk>', '<s>', '</s>', 'a', 'b', '▁']);
  });
  it('never builds a special token out of characters', () => {
    const { vocab, merges } = learnMerges(new Map([['▁<s>', 50]]), 20, 1);
    expect(vocab.indexOf('<s>')).toBe(2);
    expect(merges.every(([, , c]) => c !== 2)).toBe(true);
  });
  it('matches the naive recount-everything learner on random corpora', () => {
    const word = fc
      .array(fc.constantFrom('a', 'b', 'c', 'd', '<', 's', '>'), { minLength: 1, maxLength: 9 })
      .map((cs) => '▁' + cs.join(''));
    fc.assert(
      fc.property(
        fc.array(fc.tuple(word, fc.integer({ min: 1, max: 20 })), { minLength: 1, maxLength: 30 }),
        fc.integer({ min: 6, max: 60 }),
        fc.integer({ min: 1, max: 3 }),
        (ws, size, minF) => {
          const counts = new Map<string, number>();
          for (const [w, n] of ws) counts.set(w, (counts.get(w) ?? 0) + n);
          const fast = learnMerges(counts, size, minF);
          const slow = naiveLearn(counts, size, minF);
          expect(fast.vocab).toEqual(slow.vocab);
          expect(fast.merges.map(([a, b]) => [fast.vocab[a], fast.vocab[b]])).toEqual(slow.merges);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('BpeModel.encodeWord', () => {
  const { vocab, merges } = learnMerges(
    new Map([
      ['▁low', 5],
      ['▁lower', 2],
      ['▁newest', 6],
      ['▁widest', 3],
    ]),
    24,
    2,
  );
  const model = modelOf(vocab, merges);
  it('applies merges by rank', () => {
    expect(pieces(vocab, model.encodeWord('▁lowest').ids)).toEqual(['▁low', 'est']);
    expect(pieces(vocab, model.encodeWord('▁newer').ids)).toEqual(['▁new', 'e', 'r']);
    expect(pieces(vocab, model.encodeWord('▁').ids)).toEqual(['▁']);
  });
  it('turns unknown characters into <unk> that never merge, with their lengths', () => {
    const { ids, lengths } = model.encodeWord('▁lo😀west');
    expect(pieces(vocab, ids)).toEqual(['▁lo', '<unk>', 'w', 'est']);
    expect(Array.from(lengths)).toEqual([3, 2, 1, 3]);
  });
  it('matches the naive scan-for-the-lowest-rank encoder on random words, long ones included', () => {
    const counts = new Map<string, number>();
    const rnd = fc.sample(fc.array(fc.constantFrom('a', 'b', 'c', 'd'), { minLength: 1, maxLength: 8 }), {
      numRuns: 200,
      seed: 7,
    });
    rnd.forEach((cs, i) => counts.set('▁' + cs.join(''), 1 + (i % 5)));
    const learned = learnMerges(counts, 80, 1);
    const m = modelOf(learned.vocab, learned.merges);
    const known = new Set(learned.vocab.slice(4));
    const mergesAsText = learned.merges.map(([a, b]) => [learned.vocab[a], learned.vocab[b]] as [string, string]);
    fc.assert(
      fc.property(fc.array(fc.constantFrom('a', 'b', 'c', 'd', 'x', '▁'), { minLength: 1, maxLength: 300 }), (cs) => {
        const w = '▁' + cs.join('');
        expect(pieces(learned.vocab, m.encodeWord(w).ids).map((p, i, all) => (p === '<unk>' ? 'x' : all[i]))).toEqual(
          naiveApply(w, known, mergesAsText),
        );
      }),
      { numRuns: 300 },
    );
  });
});
