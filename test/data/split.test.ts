import { describe, expect, it } from 'vitest';
import { sourceKey, splitCorpus, type SplitPair } from '../../src/data/split.js';

/** A corpus like Tatoeba: some sources with several translations, a few exact duplicates. */
function corpus(): SplitPair[] {
  const out: SplitPair[] = [];
  for (let i = 0; i < 300; i++) {
    const n = 1 + (i % 3); // 1, 2 or 3 translations of the same English sentence
    for (let k = 0; k < n; k++) out.push({ src: `Sentence number ${i}.`, tgt: `Phrase ${i} version ${k}.` });
  }
  out.push({ src: 'Sentence number 5.', tgt: 'Phrase 5 version 0.' }); // duplicate
  out.push({ src: 'Sentence  number 7. ', tgt: 'Phrase 7 version 0.' }); // duplicate up to whitespace
  return out;
}

const key = (p: SplitPair) => `${p.src}\t${p.tgt}`;

describe('splitCorpus', () => {
  it('puts all translations of a source in one split, drops duplicates, keeps every other pair once', () => {
    const pairs = corpus();
    const s = splitCorpus(pairs, { valid: 50, test: 80 }, 1);
    expect(s.duplicates).toBe(2);
    expect(s.groups).toBe(300);
    const all = [...s.train, ...s.valid, ...s.test];
    expect(all.length).toBe(pairs.length - 2);
    expect(new Set(all.map(key)).size).toBe(all.length);
    const where = new Map<string, string>();
    for (const [name, part] of [
      ['train', s.train],
      ['valid', s.valid],
      ['test', s.test],
    ] as const) {
      for (const p of part) {
        const k = sourceKey(p.src);
        expect(where.get(k) ?? name).toBe(name);
        where.set(k, name);
      }
    }
  });

  it('fills test and validation with whole groups up to at least the sizes asked (overshoot < one group)', () => {
    const s = splitCorpus(corpus(), { valid: 50, test: 80 }, 3);
    expect(s.test.length).toBeGreaterThanOrEqual(80);
    expect(s.test.length).toBeLessThan(80 + 3);
    expect(s.valid.length).toBeGreaterThanOrEqual(50);
    expect(s.valid.length).toBeLessThan(50 + 3);
  });

  it('is a pure function of the seed, and different seeds give different splits', () => {
    const a = splitCorpus(corpus(), { valid: 50, test: 80 }, 7);
    const b = splitCorpus(corpus(), { valid: 50, test: 80 }, 7);
    const c = splitCorpus(corpus(), { valid: 50, test: 80 }, 8);
    expect(b).toEqual(a);
    expect(c.test.map(key)).not.toEqual(a.test.map(key));
  });

  it('shuffles: the test split of a length-ordered corpus is not its beginning or end', () => {
    const pairs = Array.from({ length: 1000 }, (_, i) => ({ src: 'x'.repeat(1 + i), tgt: `y${i}` }));
    const s = splitCorpus(pairs, { valid: 100, test: 100 }, 1);
    const idx = s.test.map((p) => p.src.length - 1);
    const mean = idx.reduce((a, b) => a + b, 0) / idx.length;
    expect(mean).toBeGreaterThan(350);
    expect(mean).toBeLessThan(650);
  });

  it('refuses sizes that leave nothing to train on', () => {
    expect(() => splitCorpus(corpus(), { valid: 300, test: 300 }, 1)).toThrow(/nothing to train on/);
    expect(() => splitCorpus(corpus(), { valid: -1, test: 3 }, 1)).toThrow(RangeError);
  });
});
