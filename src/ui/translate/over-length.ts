/**
 * What the model did not see of a line longer than its length limit. The translator keeps the
 * first pieces (and warns); the kept pieces, joined back into text, are matched character by
 * character against the line (white space, the "▁" word marker and case aside), and what follows
 * the last matched character was left out. When the tokenizer changed the text beyond case (an
 * unknown piece, a normalised character) the match fails and nothing is claimed.
 */

const GAP = /[\s\u2581]/u;

export function leftOutText(source: string, keptPieces: readonly string[]): string | null {
  const kept = Array.from(keptPieces.join('')).filter((c) => !GAP.test(c));
  const chars = Array.from(source);
  let i = 0;
  for (const k of kept) {
    while (i < chars.length && GAP.test(chars[i]!)) i++;
    if (i >= chars.length || chars[i]!.toLowerCase() !== k.toLowerCase()) return null;
    i++;
  }
  const rest = chars.slice(i).join('').trim();
  return rest === '' ? null : rest;
}
