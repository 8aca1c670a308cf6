/**
 * Text measured as the terminal draws it: in columns, not code points. A CJK character or an emoji
 * takes two columns, a combining mark none (string-width, the measure Ink itself lays out with).
 * Cutting works on whole graphemes, so an emoji sequence or a letter with its accent is never split.
 */
import stringWidth from 'string-width';

export function displayWidth(s: string): number {
  return stringWidth(s);
}

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

function* graphemesOf(s: string): Generator<string> {
  for (const g of graphemes.segment(s)) yield g.segment;
}

/** The longest prefix of `s` that fits in `n` columns. */
export function takeWidth(s: string, n: number): string {
  let out = '';
  let w = 0;
  for (const g of graphemesOf(s)) {
    const gw = stringWidth(g);
    if (w + gw > n) break;
    out += g;
    w += gw;
  }
  return out;
}

/** The longest suffix of `s` that fits in `n` columns. */
export function takeWidthFromEnd(s: string, n: number): string {
  const gs = Array.from(graphemesOf(s));
  let out = '';
  let w = 0;
  for (let i = gs.length - 1; i >= 0; i--) {
    const gw = stringWidth(gs[i]!);
    if (w + gw > n) break;
    out = gs[i]! + out;
    w += gw;
  }
  return out;
}

/** Shortens `s` to at most `n` columns, marking the cut with "…" (one column). */
export function truncateToWidth(s: string, n: number): string {
  if (stringWidth(s) <= n) return s;
  if (n <= 0) return '';
  return `${takeWidth(s, n - 1)}…`;
}

/** `s` followed by spaces up to `n` columns (unchanged when already as wide). */
export function padToWidth(s: string, n: number): string {
  const w = stringWidth(s);
  return w >= n ? s : s + ' '.repeat(n - w);
}
