/**
 * The special tokens, with fixed ids shared with src/data/batch.ts (PAD/UNK/BOS/EOS = 0..3).
 */
export const PAD = '<pad>';
export const UNK = '<unk>';
export const BOS = '<s>';
export const EOS = '</s>';

export const SPECIAL_TOKENS: readonly string[] = [PAD, UNK, BOS, EOS];
export const PAD_ID = 0;
export const UNK_ID = 1;
export const BOS_ID = 2;
export const EOS_ID = 3;

const SPECIAL_PATTERN = /<pad>|<unk>|<s>|<\/s>/g;

/**
 * Splits raw text (before normalisation) at literal special-token strings, as Hugging Face does
 * with its added tokens: "a <s> b" → ["a ", 2, " b"]. Strings are text segments (never empty),
 * numbers are special-token ids. Text without "<" is returned as one segment.
 */
export function splitSpecials(text: string): (string | number)[] {
  if (!text.includes('<')) return text.length > 0 ? [text] : [];
  const out: (string | number)[] = [];
  let last = 0;
  for (const m of text.matchAll(SPECIAL_PATTERN)) {
    if (m.index! > last) out.push(text.slice(last, m.index));
    out.push(SPECIAL_TOKENS.indexOf(m[0]));
    last = m.index! + m[0].length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}
