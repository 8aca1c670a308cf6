/**
 * Cutting a very long source line before encoding it (src/decode/translator.ts encodeSource)
 * must give exactly the ids and pieces of encoding the whole line and cropping it to the model's
 * limit: checked on random long lines full of the awkward cases (combining marks that NFC composes,
 * NFKC expansions, special-token literals, repeated spaces, tabs, astral characters, Σ) with
 * NFC, NFKC and lowercasing tokenizers and small limits, so that the cut happens on most lines.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { encodeSource } from '../../src/decode/translator.js';
import { learnBpe, type Tokenizer } from '../../src/text/tokenizer.js';
import { unit } from '../text/arbitraries.js';

const TEXTS = [
  'a man in an orange hat starring at something',
  'zwei junge Männer sind im Freien',
  'déjà vu ça va',
  'ΣΑΣ σας ﬁne ① Ａ',
  'e\u0301 composé 😀 👩‍👩‍👧',
];
const tokenizers: [string, Tokenizer][] = [];
beforeAll(async () => {
  tokenizers.push(['nfc', await learnBpe(TEXTS, { vocabSize: 70, minFrequency: 1 })]);
  tokenizers.push([
    'nfkc, lowercase',
    await learnBpe(TEXTS, { vocabSize: 90, minFrequency: 1, normalization: 'nfkc', lowercase: true }),
  ]);
});

const word = fc.oneof(
  { arbitrary: fc.constantFrom(...TEXTS.join(' ').split(' ')), weight: 6 },
  { arbitrary: fc.array(unit, { minLength: 1, maxLength: 4 }).map((u) => u.join('')), weight: 3 },
  { arbitrary: fc.constantFrom('<unk>', '<s>', '</s>', '﷽', 'ﬃ', '\u0301', '\u0301\u0301', 'Σ'), weight: 1 },
);
const sep = fc.constantFrom(' ', ' ', ' ', '  ', '\t', ' \u0301', '');
const line = fc
  .array(fc.tuple(word, sep), { minLength: 20, maxLength: 400 })
  .map((ws) => ws.map(([w, s]) => w + s).join(''));

describe('pre-truncation of long source lines', () => {
  it('gives the same first tokens as encoding the whole line, on random long lines (300 per tokenizer)', () => {
    let cut = 0;
    let total = 0;
    for (const [, tok] of tokenizers) {
      fc.assert(
        fc.property(line, fc.integer({ min: 1, max: 12 }), (text, max) => {
          const got = encodeSource(tok, text, max);
          const ids = tok.encode(text);
          const pieces = tok.tokenize(text);
          expect(Array.from(got.ids)).toEqual(Array.from(ids.slice(0, max)));
          expect(got.pieces).toEqual(pieces.slice(0, max));
          expect(got.warning !== null).toBe(ids.length > max);
          total++;
          if (got.warning?.startsWith('source of more than')) cut++;
        }),
        { numRuns: 300, seed: 5 },
      );
    }
    // Most lines must really have been cut early, or the property proves nothing.
    expect(cut).toBeGreaterThan(total / 2);
  });

  it('a 1 MB line costs no more than a short one', () => {
    const tok = tokenizers[0][1];
    const big = 'a man in an orange hat '.repeat(45_000);
    const t0 = performance.now();
    const r = encodeSource(tok, big, 50);
    const t = performance.now() - t0;
    expect(r.ids.length).toBe(50);
    expect(Array.from(r.ids)).toEqual(Array.from(tok.encode(big.slice(0, 2000)).slice(0, 50)));
    expect(r.warning).toMatch(
      /^source of more than \d+ tokens \(1035000 characters\) cropped to the model's limit of 50$/,
    );
    expect(t).toBeLessThan(1000); // encoding the whole line takes several times longer; this is a sanity bound, not a benchmark
  });
});
