/**
 * Compatibility with Hugging Face `tokenizers` (the independent oracle): the tokenizer.json we
 * write must load there and encode to identical ids — on Multi30k val with a tokenizer learned on
 * Multi30k train, and on random Unicode text (unknown characters, special-token literals, lone
 * surrogates, emoji, combining marks, tabs, long lines) for each normalisation variant.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { learnBpe, type Tokenizer } from '../../src/text/tokenizer.js';
import { awkwardText } from './arbitraries.js';

interface HfNormalizer {
  normalizeString(s: string): string;
}
interface HfEncoding {
  getIds(): number[];
}
interface HfTokenizer {
  encode(s: string): Promise<HfEncoding>;
  encodeBatch(s: string[]): Promise<HfEncoding[]>;
  decode(ids: number[], skipSpecialTokens: boolean): Promise<string>;
  getNormalizer(): HfNormalizer;
}
const hf = createRequire(import.meta.url)('tokenizers') as { Tokenizer: { fromString(json: string): HfTokenizer } };
const toHf = (t: Tokenizer): HfTokenizer => hf.Tokenizer.fromString(JSON.stringify(t.toJSON()));

const shared = new URL('../../../shared/corpora/multi30k/', import.meta.url).pathname;
const hasMulti30k = ['train.en', 'train.de', 'val.en', 'val.de'].every((f) => existsSync(shared + f));
const lines = (f: string) =>
  readFileSync(shared + f, 'utf8')
    .split('\n')
    .filter((l) => l.length > 0);

async function expectSameIds(ours: Tokenizer, theirs: HfTokenizer, texts: string[]): Promise<void> {
  const encs = await theirs.encodeBatch(texts);
  const mismatches = texts
    .map((t, i) => ({ t, ours: Array.from(ours.encode(t)), theirs: encs[i].getIds() }))
    .filter((m) => m.ours.join(' ') !== m.theirs.join(' '));
  expect(mismatches.slice(0, 3)).toEqual([]);
}

describe('Hugging Face tokenizers compatibility', () => {
  describe('Multi30k', () => {
    let tok: Tokenizer;
    beforeAll(async () => {
      if (!hasMulti30k) return;
      // 8,000 sentence pairs of train (en + de), joint vocabulary of 4,000.
      const texts = [...lines('train.en').slice(0, 8000), ...lines('train.de').slice(0, 8000)];
      tok = await learnBpe(texts, { vocabSize: 4000 });
    });
    it.skipIf(!hasMulti30k)(
      'encodes all of val.en and val.de to identical ids (skipped: ../shared/corpora not found)',
      async () => {
        const val = [...lines('val.en'), ...lines('val.de')];
        expect(val.length).toBe(2028);
        await expectSameIds(tok, toHf(tok), val);
        // and decoding gives back the text (all val characters are in train's alphabet)
        const unknown = val.filter((v) => tok.decode(tok.encode(v)) !== tok.normalize(v));
        expect(unknown.every((v) => Array.from(tok.encode(v)).includes(1))).toBe(true);
      },
    );
    it.skipIf(!hasMulti30k)(
      'Hugging Face decodes our ids to the same text (skipped: ../shared/corpora not found)',
      async () => {
        const theirs = toHf(tok);
        for (const v of lines('val.de').slice(0, 200)) {
          const ids = Array.from(tok.encode(v));
          expect(await theirs.decode(ids, true)).toBe(tok.decode(ids));
        }
      },
    );
  });

  it('normalises like Hugging Face on random runs of combining marks, decomposable and newer characters', async () => {
    const marks: string[] = [];
    const decomposable: string[] = [];
    for (let cp = 0x80; cp < 0x30000; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      const c = String.fromCodePoint(cp);
      if (/\p{M}/u.test(c)) marks.push(c);
      else if (c.normalize('NFKD') !== c) decomposable.push(c, c.normalize('NFD'), c.normalize('NFKD'));
    }
    const gen = fc
      .array(
        fc.oneof(fc.constantFrom(...marks), fc.constantFrom(...decomposable), fc.constantFrom('a', 'q', ' ', 'Σ')),
        { minLength: 1, maxLength: 8 },
      )
      .map((u) => u.join(''));
    const samples = fc.sample(gen, { numRuns: 20000, seed: 7 });
    for (const variant of [
      { normalization: 'nfc' as const, lowercase: false },
      { normalization: 'nfkc' as const, lowercase: true },
    ]) {
      const tok = await learnBpe(['a'], { vocabSize: 10, minFrequency: 1, ...variant });
      const n = toHf(tok).getNormalizer();
      // Hugging Face's normaliser sequence ends with Prepend "▁"
      const differ = samples.filter((s) => '▁' + tok.normalize(s) !== n.normalizeString(s));
      expect(differ.slice(0, 3).map((s) => [...s].map((c) => c.codePointAt(0)!.toString(16)).join(' '))).toEqual([]);
    }
  });

  const corpus = [
    'The quick brown fox jumps over the lazy dog. Ünïcödé façade — naïve café!',
    'Ein Mann mit einem orangefarbenen Hut, der etwas anstarrt. Σίσυφος ΣΑΣ.',
    'emoji 😀😀 👩‍👩‍👧 🇫🇷 tab\there e\u0301 < s > ▁x',
  ];
  for (const variant of [
    { normalization: 'nfc' as const, lowercase: false },
    { normalization: 'nfkc' as const, lowercase: true },
  ]) {
    it(`random Unicode text encodes to identical ids (${variant.normalization}${variant.lowercase ? ', lowercase' : ''})`, async () => {
      const tok = await learnBpe(corpus, { vocabSize: 150, minFrequency: 1, ...variant });
      const theirs = toHf(tok);
      const samples = fc.sample(awkwardText, { numRuns: 1500, seed: 42 });
      samples.push(
        'a'.repeat(5000) + ' ' + corpus.join('\t').repeat(50),
        '',
        ' ',
        '  ',
        '<s>',
        '<s><s> </s>',
        '\u2581\u2581',
      );
      await expectSameIds(tok, theirs, samples);
    });
  }
});
