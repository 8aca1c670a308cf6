/**
 * Deliberately naive reference implementations of the BPE specification, for testing the fast
 * ones against: learning recounts every pair of every word before each merge; applying scans the
 * whole word for the lowest-rank pair before each merge. Symbols are strings here, not ids.
 */
const SPECIALS = ['<pad>', '<unk>', '<s>', '</s>'];

export function naiveLearn(
  wordCounts: Map<string, number>,
  vocabSize: number,
  minFrequency: number,
): { vocab: string[]; merges: [string, string][] } {
  const chars = new Map<string, number>();
  for (const [w, n] of wordCounts) for (const ch of w) chars.set(ch, (chars.get(ch) ?? 0) + n);
  let alpha = [...chars].filter(([c, n]) => n >= minFrequency && c !== '▁');
  if (alpha.length + 1 > vocabSize - 4) {
    alpha.sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
    alpha = alpha.slice(0, vocabSize - 5);
  }
  const alphabet = ['▁', ...alpha.map(([c]) => c)].sort((x, y) => x.codePointAt(0)! - y.codePointAt(0)!);
  const vocab = [...SPECIALS, ...alphabet];
  const known = new Set(alphabet);
  const words = [...wordCounts].map(([w, n]) => ({ syms: [...w].map((c) => (known.has(c) ? c : null)), n }));
  const merges: [string, string][] = [];
  const learned = new Set<string>();
  const skipped = new Set<string>();
  while (vocab.length < vocabSize) {
    const counts = new Map<string, { a: string; b: string; n: number }>();
    for (const { syms, n } of words) {
      for (let i = 0; i + 1 < syms.length; i++) {
        const a = syms[i];
        const b = syms[i + 1];
        if (a === null || b === null) continue;
        const k = `${a}\u0000${b}`;
        const e = counts.get(k) ?? { a, b, n: 0 };
        e.n += n;
        counts.set(k, e);
      }
    }
    let best: { a: string; b: string; n: number } | undefined;
    for (const [k, e] of counts) {
      if (learned.has(k) || skipped.has(k)) continue;
      const ia = vocab.indexOf(e.a);
      const ib = vocab.indexOf(e.b);
      if (
        best === undefined ||
        e.n > best.n ||
        (e.n === best.n && (ia < vocab.indexOf(best.a) || (ia === vocab.indexOf(best.a) && ib < vocab.indexOf(best.b))))
      )
        best = e;
    }
    if (best === undefined || best.n < minFrequency) break;
    const k = `${best.a}\u0000${best.b}`;
    const tok = best.a + best.b;
    if (SPECIALS.includes(tok)) {
      skipped.add(k);
      continue;
    }
    learned.add(k);
    merges.push([best.a, best.b]);
    if (!vocab.includes(tok)) vocab.push(tok);
    for (const w of words) {
      const out: (string | null)[] = [];
      for (let i = 0; i < w.syms.length; i++) {
        if (i + 1 < w.syms.length && w.syms[i] === best.a && w.syms[i + 1] === best.b) {
          out.push(tok);
          i++;
        } else out.push(w.syms[i]);
      }
      w.syms = out;
    }
  }
  return { vocab, merges };
}

/** Pieces of one word: characters outside `vocab` stay single, unmergeable pieces. */
export function naiveApply(word: string, vocab: ReadonlySet<string>, merges: readonly [string, string][]): string[] {
  const rank = new Map<string, number>();
  merges.forEach(([a, b], r) => rank.set(`${a}\u0000${b}`, r));
  const syms = [...word].map((c) => ({ text: c, known: vocab.has(c) }));
  for (;;) {
    let bestRank = Infinity;
    let at = -1;
    for (let i = 0; i + 1 < syms.length; i++) {
      if (!syms[i].known || !syms[i + 1].known) continue;
      const r = rank.get(`${syms[i].text}\u0000${syms[i + 1].text}`);
      if (r !== undefined && r < bestRank) {
        bestRank = r;
        at = i;
      }
    }
    if (at < 0) return syms.map((s) => s.text);
    syms.splice(at, 2, { text: syms[at].text + syms[at + 1].text, known: true });
  }
}

/**
 * BPE-dropout (Provilkov et al. 2020) spelled out naively: before each merge, list every candidate
 * merge (adjacent known pair with a rank) by (rank, position of its left symbol in code points);
 * walk that list, drawing one uniform number per candidate: below `p`, the candidate is dropped
 * for this merge and the next is tried; otherwise it is applied and every dropped candidate is a
 * candidate again. The word is done when no candidate is left.
 */
export function naiveApplyDropout(
  word: string,
  vocab: ReadonlySet<string>,
  merges: readonly [string, string][],
  p: number,
  draw: () => number,
): string[] {
  const rank = new Map<string, number>();
  merges.forEach(([a, b], r) => rank.set(`${a}\u0000${b}`, r));
  const syms: { text: string; known: boolean; start: number }[] = [];
  let at = 0;
  for (const c of word) syms.push({ text: c, known: vocab.has(c), start: at++ });
  for (;;) {
    const candidates: { rank: number; i: number }[] = [];
    for (let i = 0; i + 1 < syms.length; i++) {
      if (!syms[i].known || !syms[i + 1].known) continue;
      const r = rank.get(`${syms[i].text}\u0000${syms[i + 1].text}`);
      if (r !== undefined) candidates.push({ rank: r, i });
    }
    candidates.sort((x, y) => x.rank - y.rank || syms[x.i].start - syms[y.i].start);
    const applied = candidates.find(() => draw() >= p);
    if (applied === undefined) return syms.map((s) => s.text);
    const { i } = applied;
    syms.splice(i, 2, { text: syms[i].text + syms[i + 1].text, known: true, start: syms[i].start });
  }
}
