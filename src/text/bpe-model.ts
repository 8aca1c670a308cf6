/**
 * Applying learned BPE merges to one word (Sennrich et al. 2016, as Hugging Face's BPE model does):
 * start from the word's characters (code points; a character outside the vocabulary becomes a
 * `<unk>` symbol that never merges), then repeatedly apply the merge of lowest rank present,
 * leftmost occurrence first, until no adjacent pair has a merge.
 *
 * Implementation: the symbols form a doubly linked list; candidate merges sit in a min-heap keyed
 * rank·2^26 + position, so a word of n characters costs O(n log n) whatever its length.
 * Stale heap entries (a side already merged away) are recognised and dropped when popped.
 *
 * BPE-dropout (Provilkov et al. 2020), for training only: each time the merge of lowest rank is
 * about to be applied it is dropped instead with probability p; dropped merges are set aside and
 * return to the candidates after the next merge that is applied (as Hugging Face's BPE does), so
 * with p = 1 a word stays in characters and with p = 0 (or no dropout given) the encoding is the
 * deterministic one above, drawing no random numbers.
 */
import type { Rng } from '../util/rng.js';
import { UNK_ID } from './special-tokens.js';

/** Merge dropout: each merge about to be applied is skipped with probability `p`, drawn from `rng`. */
export interface BpeDropout {
  p: number;
  rng: Rng;
}

/** Packs a pair of ids into one number (ids < 2^24). */
export function pairKey(a: number, b: number): number {
  return a * 0x1000000 + b;
}

export const MAX_VOCAB = 0x1000000;
const POS_SPAN = 0x4000000; // 2^26 positions per word: MAX_LINE_BYTES (1 MiB) fits easily

export class BpeModel {
  /** Character (one code point) → id, for the single-character entries of the vocabulary. */
  readonly charIds: Map<string, number>;
  /** pairKey(a, b) → rank (0 = learned first). */
  readonly ranks: Map<number, number>;
  /** rank → id of the merged token. */
  readonly results: Int32Array;

  constructor(charIds: Map<string, number>, merges: readonly (readonly [number, number, number])[]) {
    this.charIds = charIds;
    this.ranks = new Map();
    this.results = new Int32Array(merges.length);
    merges.forEach(([a, b, c], rank) => {
      const key = pairKey(a, b);
      // A repeated pair keeps its last rank, as in Hugging Face's loader (a map built in order).
      this.ranks.set(key, rank);
      this.results[rank] = c;
    });
  }

  /**
   * The ids of one metaspace word, and the length (UTF-16 units) of each piece; with `dropout`
   * (p > 0), one random segmentation of it by BPE-dropout.
   */
  encodeWord(word: string, dropout?: BpeDropout): { ids: Int32Array; lengths: Int32Array } {
    const drop = dropout !== undefined && dropout.p > 0 ? dropout : null;
    // Initial symbols: one per code point; `len` counts UTF-16 units for slicing pieces later.
    const ids: number[] = [];
    const lens: number[] = [];
    for (const ch of word) {
      ids.push(this.charIds.get(ch) ?? UNK_ID);
      lens.push(ch.length);
    }
    const n = ids.length;
    if (n < 2 || this.ranks.size === 0) return { ids: Int32Array.from(ids), lengths: Int32Array.from(lens) };
    const next = new Int32Array(n);
    const prev = new Int32Array(n);
    const alive = new Uint8Array(n).fill(1);
    for (let i = 0; i < n; i++) {
      next[i] = i + 1 < n ? i + 1 : -1;
      prev[i] = i - 1;
    }
    const heap: number[] = [];
    const rankAt = (i: number): number => {
      const j = next[i];
      if (j < 0) return -1;
      const a = ids[i];
      const b = ids[j];
      if (a === UNK_ID || b === UNK_ID) return -1;
      const r = this.ranks.get(pairKey(a, b));
      return r === undefined ? -1 : r;
    };
    for (let i = 0; i + 1 < n; i++) {
      const r = rankAt(i);
      if (r >= 0) heapPush(heap, r * POS_SPAN + i);
    }
    // Merges dropped since the last applied one (BPE-dropout): they become candidates again after it.
    const dropped: number[] = [];
    while (heap.length > 0) {
      const top = heapPop(heap);
      const rank = Math.floor(top / POS_SPAN);
      const i = top - rank * POS_SPAN;
      if (!alive[i] || rankAt(i) !== rank) continue; // stale entry
      if (drop !== null) {
        if (drop.rng.next() < drop.p) {
          dropped.push(top);
          continue;
        }
        for (const d of dropped) heapPush(heap, d);
        dropped.length = 0;
      }
      const j = next[i];
      // merge j into i
      ids[i] = this.results[rank];
      lens[i] += lens[j];
      alive[j] = 0;
      next[i] = next[j];
      if (next[j] >= 0) prev[next[j]] = i;
      const p = prev[i];
      if (p >= 0) {
        const rp = rankAt(p);
        if (rp >= 0) heapPush(heap, rp * POS_SPAN + p);
      }
      const rn = rankAt(i);
      if (rn >= 0) heapPush(heap, rn * POS_SPAN + i);
    }
    const outIds: number[] = [];
    const outLens: number[] = [];
    for (let i = 0; i >= 0; i = next[i]) {
      outIds.push(ids[i]);
      outLens.push(lens[i]);
    }
    return { ids: Int32Array.from(outIds), lengths: Int32Array.from(outLens) };
  }
}

/** Binary min-heap of numbers, in a plain array. */
export function heapPush(h: number[], v: number): void {
  let i = h.length;
  h.push(v);
  while (i > 0) {
    const p = (i - 1) >> 1;
    if (h[p] <= v) break;
    h[i] = h[p];
    i = p;
  }
  h[i] = v;
}

export function heapPop(h: number[]): number {
  const top = h[0];
  const last = h.pop()!;
  const n = h.length;
  if (n > 0) {
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && h[r] < h[l] ? r : l;
      if (h[c] >= last) break;
      h[i] = h[c];
      i = c;
    }
    h[i] = last;
  }
  return top;
}
