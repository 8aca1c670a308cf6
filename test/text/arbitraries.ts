/** fast-check generators of awkward Unicode text for the tokenizer tests. */
import fc from 'fast-check';

const codePoint = (min: number, max: number) => fc.integer({ min, max }).map((c) => String.fromCodePoint(c));

/** One "unit" of text: mostly ordinary letters and spaces, with every awkward case mixed in. */
export const unit: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.constantFrom('a', 'b', 'c', 'e', 'n', 's', 't', 'A', 'É', 'é', 'ß', '.', ',', "'"), weight: 10 },
  { arbitrary: fc.constantFrom(' ', '  ', '\t', '\n', '\r\n', '\u00a0', '\u3000'), weight: 4 },
  { arbitrary: codePoint(0x300, 0x36f), weight: 2 }, // combining diacritics
  { arbitrary: fc.constantFrom('e\u0301', 'A\u030a', '\u1100\u1161\u11a8', 'ﬁ', '①', 'Ａ'), weight: 2 }, // NFC/NFKC cases
  { arbitrary: codePoint(0x1f300, 0x1f64f), weight: 2 }, // emoji (astral)
  { arbitrary: fc.constantFrom('\u200d', '\ufe0f', '\u{1f3fb}', '👩‍👩‍👧', '🇫🇷'), weight: 1 }, // ZWJ, selectors, flags
  { arbitrary: fc.constantFrom('\u2581', '▁▁', ' \u2581'), weight: 1 }, // literal metaspace
  { arbitrary: fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)), weight: 1 }, // lone surrogates
  { arbitrary: fc.constantFrom('<s>', '</s>', '<unk>', '<pad>', '<', '>'), weight: 1 }, // special-token literals
  { arbitrary: fc.constantFrom('Σ', 'ΣΑΣ', 'İ', 'ǅ'), weight: 1 }, // case mapping corner cases
  // characters newer than Hugging Face's Unicode data (see src/text/hf-unicode-gaps.ts)
  {
    arbitrary: fc.constantFrom(
      '\u08d2',
      '\u0e39',
      '\u{105d2}\u0307',
      '\u{11935}\u{11930}',
      '\u32ff',
      '\ua7f2',
      '\u{16d63}\u{16d67}',
    ),
    weight: 1,
  },
  {
    arbitrary: codePoint(0, 0x10ffff).filter(
      (c) => c.length > 1 || c.charCodeAt(0) < 0xd800 || c.charCodeAt(0) > 0xdfff,
    ),
    weight: 2,
  },
);

export const awkwardText: fc.Arbitrary<string> = fc.array(unit, { maxLength: 40 }).map((u) => u.join(''));

/** Text over a fixed set of characters (to stay inside a vocabulary). */
export function textOver(chars: readonly string[], maxLength = 60): fc.Arbitrary<string> {
  return fc.array(fc.constantFrom(...chars), { maxLength }).map((u) => u.join(''));
}
