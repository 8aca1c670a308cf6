/**
 * Learning BPE merges from word counts (Sennrich et al. 2016): start from characters and
 * repeatedly merge the most frequent adjacent pair of symbols, counted over all words weighted by
 * their frequency, until the vocabulary reaches its target size or no pair occurs at least
 * `minFrequency` times.
 *
 * Incremental, not a recount per merge:
 *   count[p]  frequency of pair p over the corpus        (a Map keyed pairKey(a, b))
 *   where[p]  indices of the words that contain p        (may hold stale entries; checked on use)
 *   queue     max-heap of (count, a, b) with lazy deletion: a popped entry whose count is no
 *             longer current is pushed back with the current count.
 * Merging p = (a, b) → c only touches the words in where[p]: each such word's pairs are taken out
 * of the counts, the word is rewritten left to right (non-overlapping: "a a a" with (a, a) →
 * "aa a"), and its pairs are put back. Only pairs containing c can gain counts; they are pushed.
 *
 * Ties are broken deterministically: higher count first, then the smaller left id, then the
 * smaller right id. The alphabet gets ids in code point order, so the result depends only on the
 * word counts.
 */
import { InputError } from '../errors.js';
import { MAX_VOCAB, pairKey } from './bpe-model.js';
import { METASPACE } from './normalize.js';
import { SPECIAL_TOKENS } from './special-tokens.js';

export interface LearnedBpe {
  /** id → token: the special tokens, the alphabet, then one token per new merge result. */
  vocab: string[];
  /** Merges in rank order: [left id, right id, result id]. */
  merges: [number, number, number][];
}

interface Entry {
  count: number;
  a: number;
  b: number;
}

/** true when x should come out of the queue before y. */
function before(x: Entry, y: Entry): boolean {
  if (x.count !== y.count) return x.count > y.count;
  if (x.a !== y.a) return x.a < y.a;
  return x.b < y.b;
}

class PairQueue {
  private h: Entry[] = [];
  get size(): number {
    return this.h.length;
  }
  push(e: Entry): void {
    const h = this.h;
    let i = h.length;
    h.push(e);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(e, h[p])) break;
      h[i] = h[p];
      i = p;
    }
    h[i] = e;
  }
  pop(): Entry {
    const h = this.h;
    const top = h[0];
    const last = h.pop()!;
    const n = h.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const c = r < n && before(h[r], h[l]) ? r : l;
        if (!before(h[c], last)) break;
        h[i] = h[c];
        i = c;
      }
      h[i] = last;
    }
    return top;
  }
}

/**
 * Chooses the alphabet: every character occurring at least `minFrequency` times (and always
 * "▁"); when that leaves no room for the specials, the most frequent characters.
 */
export function chooseAlphabet(charCounts: Map<string, number>, vocabSize: number, minFrequency: number): string[] {
  const room = vocabSize - SPECIAL_TOKENS.length;
  if (room < 1)
    throw new InputError(
      `vocabulary size ${vocabSize} is too small: it must exceed the ${SPECIAL_TOKENS.length} special tokens`,
    );
  let chars = [...charCounts.entries()].filter(([ch, n]) => n >= minFrequency && ch !== METASPACE);
  if (chars.length + 1 > room) {
    chars.sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
    chars = chars.slice(0, room - 1);
  }
  const alphabet = [METASPACE, ...chars.map(([ch]) => ch)];
  return alphabet.sort((x, y) => x.codePointAt(0)! - y.codePointAt(0)!);
}

export function learnMerges(wordCounts: Map<string, number>, vocabSize: number, minFrequency: number): LearnedBpe {
  if (!Number.isInteger(vocabSize) || vocabSize > MAX_VOCAB)
    throw new InputError(`vocabulary size must be an integer below ${MAX_VOCAB}, got ${vocabSize}`);
  // 1. Alphabet
  const charCounts = new Map<string, number>();
  for (const [word, n] of wordCounts) for (const ch of word) charCounts.set(ch, (charCounts.get(ch) ?? 0) + n);
  const alphabet = chooseAlphabet(charCounts, vocabSize, minFrequency);
  const vocab = [...SPECIAL_TOKENS, ...alphabet];
  const ids = new Map<string, number>();
  vocab.forEach((t, i) => ids.set(t, i));

  // 2. Words as symbol ids; -1 = a character outside the alphabet (it never pairs).
  const words: Int32Array[] = [];
  const freqs: number[] = [];
  for (const [word, n] of wordCounts) {
    const syms: number[] = [];
    for (const ch of word) syms.push(ids.get(ch) ?? -1);
    if (syms.length >= 2) {
      words.push(Int32Array.from(syms));
      freqs.push(n);
    }
  }

  // 3. Initial pair counts and occurrence lists.
  const count = new Map<number, number>();
  const where = new Map<number, number[]>();
  for (let w = 0; w < words.length; w++) {
    const s = words[w];
    const f = freqs[w];
    for (let i = 0; i + 1 < s.length; i++) {
      const a = s[i];
      const b = s[i + 1];
      if (a < 0 || b < 0) continue;
      const k = pairKey(a, b);
      count.set(k, (count.get(k) ?? 0) + f);
      const list = where.get(k);
      if (list === undefined) where.set(k, [w]);
      else if (list[list.length - 1] !== w) list.push(w);
    }
  }
  const queue = new PairQueue();
  for (const [k, n] of count) queue.push({ count: n, a: Math.floor(k / 0x1000000), b: k % 0x1000000 });

  // 4. Merge until the vocabulary is full.
  const merges: [number, number, number][] = [];
  const seen = new Int32Array(words.length).fill(-1);
  const learned = new Set<number>();
  const addPairs = (s: Int32Array, f: number, sign: number, w: number, c: number, touched: Set<number>): void => {
    for (let i = 0; i + 1 < s.length; i++) {
      const a = s[i];
      const b = s[i + 1];
      if (a < 0 || b < 0) continue;
      const k = pairKey(a, b);
      const n = (count.get(k) ?? 0) + sign * f;
      if (n === 0) count.delete(k);
      else count.set(k, n);
      if (sign > 0 && (a === c || b === c)) {
        touched.add(k);
        const list = where.get(k);
        if (list === undefined) where.set(k, [w]);
        else if (list[list.length - 1] !== w) list.push(w);
      }
    }
  };
  while (vocab.length < vocabSize && queue.size > 0) {
    const top = queue.pop();
    const k = pairKey(top.a, top.b);
    const current = count.get(k) ?? 0;
    if (current !== top.count) {
      if (current > 0) queue.push({ count: current, a: top.a, b: top.b });
      continue;
    }
    if (current < minFrequency) break;
    if (learned.has(k)) continue; // (a, b) can reappear only through a reused token; merge it once
    learned.add(k);
    const { a, b } = top;
    const token = vocab[a] + vocab[b];
    if (SPECIAL_TOKENS.includes(token)) continue; // never build "<s>" etc. out of characters
    let c = ids.get(token);
    if (c === undefined) {
      c = vocab.length;
      vocab.push(token);
      ids.set(token, c);
    }
    const step = merges.length;
    merges.push([a, b, c]);
    const touched = new Set<number>();
    for (const w of where.get(k) ?? []) {
      if (seen[w] === step) continue;
      seen[w] = step;
      const s = words[w];
      let has = false;
      for (let i = 0; i + 1 < s.length; i++) {
        if (s[i] === a && s[i + 1] === b) {
          has = true;
          break;
        }
      }
      if (!has) continue;
      addPairs(s, freqs[w], -1, w, c, touched);
      const out: number[] = [];
      for (let i = 0; i < s.length; i++) {
        if (i + 1 < s.length && s[i] === a && s[i + 1] === b) {
          out.push(c);
          i++;
        } else out.push(s[i]);
      }
      const merged = Int32Array.from(out);
      words[w] = merged;
      addPairs(merged, freqs[w], +1, w, c, touched);
    }
    where.delete(k);
    for (const t of touched) {
      const n = count.get(t);
      if (n !== undefined && n > 0) queue.push({ count: n, a: Math.floor(t / 0x1000000), b: t % 0x1000000 });
    }
  }
  return { vocab, merges };
}
