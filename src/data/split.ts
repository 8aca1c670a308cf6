/**
 * Seeded train/validation/test split of a parallel corpus that ships without one (Tatoeba).
 *
 * Pairs are grouped by their source sentence (after NFC and whitespace squeezing), so that the
 * several translations of one English sentence all land in the same split: a random cut over pairs
 * would put the same source in train and in test. Exact duplicate pairs are dropped. The groups are
 * shuffled with Fisher–Yates from the project's Rng(seed); test takes whole groups in shuffled order
 * until it holds at least `test` pairs, then validation likewise, train the rest. Within each split
 * the pairs keep their shuffled order. The result is a pure function of (pairs, sizes, seed).
 */
import { Rng } from '../util/rng.js';

export interface SplitPair {
  src: string;
  tgt: string;
}

export interface SplitSizes {
  /** Least number of pairs in the validation split. */
  valid: number;
  /** Least number of pairs in the test split. */
  test: number;
}

export interface CorpusSplit {
  train: SplitPair[];
  valid: SplitPair[];
  test: SplitPair[];
  /** Exact duplicate pairs dropped. */
  duplicates: number;
  /** Distinct source sentences (groups). */
  groups: number;
}

/** The grouping key of a source sentence: NFC, whitespace squeezed and trimmed. */
export function sourceKey(src: string): string {
  return src.normalize('NFC').replace(/\s+/gu, ' ').trim();
}

export function splitCorpus(pairs: readonly SplitPair[], sizes: SplitSizes, seed: number): CorpusSplit {
  if (!Number.isSafeInteger(sizes.valid) || sizes.valid < 0 || !Number.isSafeInteger(sizes.test) || sizes.test < 0) {
    throw new RangeError('split sizes must be integers ≥ 0');
  }
  const seen = new Set<string>();
  const groupIndex = new Map<string, number>();
  const groups: SplitPair[][] = [];
  let duplicates = 0;
  for (const p of pairs) {
    const key = sourceKey(p.src);
    const pairKey = `${key}\t${sourceKey(p.tgt)}`;
    if (seen.has(pairKey)) {
      duplicates++;
      continue;
    }
    seen.add(pairKey);
    let g = groupIndex.get(key);
    if (g === undefined) {
      g = groups.length;
      groupIndex.set(key, g);
      groups.push([]);
    }
    groups[g].push(p);
  }
  const kept = pairs.length - duplicates;
  if (sizes.valid + sizes.test >= kept) throw new RangeError(`validation ${sizes.valid} + test ${sizes.test} pairs leave nothing to train on (${kept} distinct pairs)`);
  // Fisher–Yates over group indices.
  const order = groups.map((_, i) => i);
  const rng = new Rng(seed);
  for (let i = order.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  const out: CorpusSplit = { train: [], valid: [], test: [], duplicates, groups: groups.length };
  for (const g of order) {
    const into = out.test.length < sizes.test ? out.test : out.valid.length < sizes.valid ? out.valid : out.train;
    for (const p of groups[g]) into.push(p);
  }
  return out;
}
