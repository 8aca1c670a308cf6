/**
 * BPE-dropout (Provilkov et al. 2020) in BpeModel.encodeWord and the Tokenizer: p = 0 is the plain
 * encoding and draws nothing; p = 1 leaves characters; in between, segmentations that are valid
 * (every piece in the vocabulary, decoding to the same text) with a distribution computed by hand
 * on a three-merge example; the fast encoder draws exactly as the naive procedure of
 * reference-bpe.ts does; a seed reproduces a segmentation.
 */
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { learnMerges } from '../../src/text/bpe-learn.js';
import { BpeModel } from '../../src/text/bpe-model.js';
import { learnBpe, type Tokenizer } from '../../src/text/tokenizer.js';
import { Rng } from '../../src/util/rng.js';
import { awkwardText, textOver } from './arbitraries.js';
import { naiveApplyDropout } from './reference-bpe.js';

const DEMO = readFileSync(new URL('../../corpora/demo/train.de', import.meta.url), 'utf8')
  .split('\n')
  .slice(0, 400);

let tok: Tokenizer;
beforeAll(async () => {
  tok = await learnBpe(DEMO, { vocabSize: 300 });
});

const dropout = (p: number, seed: number) => ({ p, rng: new Rng(seed) });

describe('BPE-dropout in the tokenizer', () => {
  it('p = 0 (and no dropout) is the plain encoding, bit for bit, and draws no random numbers', () => {
    const d = dropout(0, 5);
    const before = d.rng.getState();
    for (const line of DEMO.slice(0, 100)) {
      expect(tok.encode(line, d)).toEqual(tok.encode(line));
      expect(tok.tokenize(line, d)).toEqual(tok.tokenize(line));
    }
    expect(d.rng.getState()).toEqual(before);
  });

  it('p = 1 leaves every word in characters', () => {
    const d = dropout(1, 5);
    for (const line of DEMO.slice(0, 50)) {
      const pieces = tok.tokenize(line, d);
      expect(pieces.every((piece) => [...piece].length === 1)).toBe(true);
      expect(pieces.join('')).toBe(tok.tokenize(line).join(''));
      expect(tok.decode(tok.encode(line, d))).toBe(tok.decode(tok.encode(line)));
    }
  });

  it('any p: every piece is in the vocabulary and the pieces decode to the same text', () => {
    const chars = [' ', ...'abcdefghijklmnopqrstuvwxyzäöüßEDSM.,'].filter(
      (c) => c === ' ' || tok.tokenToId(c) !== undefined,
    );
    fc.assert(
      fc.property(
        textOver(chars),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.integer({ min: 0, max: 1e6 }),
        (x, p, seed) => {
          const pieces = tok.tokenize(x, dropout(p, seed));
          expect(tok.detokenize(pieces)).toBe(tok.normalize(x));
          for (const piece of pieces) expect(tok.tokenToId(piece), piece).toBeDefined();
          expect(tok.decode(tok.encode(x, dropout(p, seed)))).toBe(tok.normalize(x));
        },
      ),
      { numRuns: 300 },
    );
    // awkward Unicode (unknown characters, specials, astral planes) still round-trips through tokenize
    fc.assert(
      fc.property(awkwardText, fc.integer({ min: 0, max: 1e6 }), (x, seed) => {
        expect(tok.detokenize(tok.tokenize(x, dropout(0.3, seed)))).toBe(tok.normalize(x));
      }),
      { numRuns: 300 },
    );
  });

  it('the mean number of pieces grows with p (corpus segmentations move from words toward characters)', () => {
    const lines = DEMO.slice(0, 200);
    const mean = (p: number) => {
      const d = dropout(p, 11);
      return lines.reduce((n, l) => n + tok.encode(l, d).length, 0) / lines.length;
    };
    const means = [0, 0.05, 0.1, 0.3, 0.6, 1].map(mean);
    for (let i = 1; i < means.length; i++)
      expect(means[i], `p index ${i}: ${means.join(', ')}`).toBeGreaterThan(means[i - 1]);
    const chars = lines.reduce((n, l) => n + tok.tokenize(l).join('').length, 0) / lines.length;
    expect(means[means.length - 1]).toBeCloseTo(chars, 10);
  });

  it('a seed reproduces the segmentation; another seed gives another one', () => {
    const text = DEMO.slice(0, 50).join(' ');
    expect(tok.encode(text, dropout(0.2, 3))).toEqual(tok.encode(text, dropout(0.2, 3)));
    expect(tok.encode(text, dropout(0.2, 3))).not.toEqual(tok.encode(text, dropout(0.2, 4)));
  });
});

describe('BpeModel.encodeWord with dropout', () => {
  // vocab: a b c ab abc bc; merges by rank: a+b → ab (0), ab+c → abc (1), b+c → bc (2).
  const vocab = ['<pad>', '<unk>', '<s>', '</s>', 'a', 'b', 'c', 'ab', 'abc', 'bc'];
  const model = new BpeModel(
    new Map([
      ['a', 4],
      ['b', 5],
      ['c', 6],
    ]),
    [
      [4, 5, 7],
      [7, 6, 8],
      [5, 6, 9],
    ],
  );
  const pieces = (ids: Int32Array) => Array.from(ids, (i) => vocab[i]).join(' ');

  it('"abc" splits with the probabilities computed by hand', () => {
    // a+b is tried first: dropped (p) → b+c is tried: dropped (p) → "a b c" (p²), applied → "a bc"
    // (p(1−p)); a+b applied (1−p) → ab+c: dropped → "ab c" (p(1−p)), applied → "abc" ((1−p)²).
    const p = 0.3;
    const n = 20000;
    const rng = new Rng(42);
    const seen = new Map<string, number>();
    for (let k = 0; k < n; k++) {
      const s = pieces(model.encodeWord('abc', { p, rng }).ids);
      seen.set(s, (seen.get(s) ?? 0) + 1);
    }
    const expected: Record<string, number> = {
      'a b c': p * p,
      'a bc': p * (1 - p),
      'ab c': (1 - p) * p,
      abc: (1 - p) * (1 - p),
    };
    expect([...seen.keys()].sort()).toEqual(Object.keys(expected).sort());
    for (const [s, q] of Object.entries(expected)) {
      const sd = Math.sqrt(n * q * (1 - q));
      expect(Math.abs(seen.get(s)! - n * q), `${s}: ${seen.get(s)} of ${n}, expected ${n * q}`).toBeLessThan(4 * sd);
    }
    expect(pieces(model.encodeWord('abc').ids)).toBe('abc');
  });

  it('draws exactly as the naive procedure on random words (same generator, same segmentation)', () => {
    const counts = new Map<string, number>();
    const rnd = fc.sample(fc.array(fc.constantFrom('a', 'b', 'c', 'd'), { minLength: 1, maxLength: 8 }), {
      numRuns: 200,
      seed: 7,
    });
    rnd.forEach((cs, i) => counts.set('▁' + cs.join(''), 1 + (i % 5)));
    const learned = learnMerges(counts, 80, 1);
    const charIds = new Map<string, number>();
    learned.vocab.forEach((t, i) => {
      if (i >= 4 && [...t].length === 1) charIds.set(t, i);
    });
    const m = new BpeModel(charIds, learned.merges);
    const known = new Set(learned.vocab.slice(4));
    const mergesAsText = learned.merges.map(([a, b]) => [learned.vocab[a], learned.vocab[b]] as [string, string]);
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom('a', 'b', 'c', 'd', 'x', '▁'), { minLength: 1, maxLength: 60 }),
        fc.double({ min: 0.01, max: 0.99, noNaN: true }),
        fc.integer({ min: 0, max: 1e6 }),
        (cs, p, seed) => {
          const w = '▁' + cs.join('');
          const fast = Array.from(m.encodeWord(w, { p, rng: new Rng(seed) }).ids, (i) =>
            i === 1 ? 'x' : learned.vocab[i],
          );
          const r = new Rng(seed);
          expect(fast).toEqual(naiveApplyDropout(w, known, mergesAsText, p, () => r.next()));
        },
      ),
      { numRuns: 500 },
    );
  });
});
