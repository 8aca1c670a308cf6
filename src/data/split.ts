/**
 * Seeded train/validation/test split of a parallel corpus that ships without one (Tatoeba).
 *
 * Pairs are grouped by their source sentence (after NFC and whitespace squeezing), so that the
 * several translations of one English sentence all land in the same split: a random cut over pairs
 * would put the same source in train and in test. Exact duplicate pairs are dropped. The groups are
 * shuffled with Fisher–Yates from the project's Rng(seed); test takes whole groups in shuffled order
 * until it holds at least `test` pairs, then validation likewise, train the rest. Within each split
 * the pairs keep their shuffled order. The result is a pure function of (pairs, sizes, seed).
 *
 * assignSplits is that rule over group sizes alone; `corpus prepare` (prepare.ts) applies it to
 * corpora too large to hold in memory, splitCorpus to pairs in memory.
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

export interface GroupAssignment {
  /** Per group (in first-appearance order): 0 train, 1 validation, 2 test. */
  split: Uint8Array;
  /** The groups in shuffled order: the order their pairs are written in. */
  order: Uint32Array;
  /** Pairs per split: [train, validation, test]. */
  pairs: [number, number, number];
}

/** Shuffles the groups (sizes in first-appearance order) and deals them to test, validation, train. */
export function assignSplits(groupSizes: ArrayLike<number>, sizes: SplitSizes, seed: number): GroupAssignment {
  if (!Number.isSafeInteger(sizes.valid) || sizes.valid < 0 || !Number.isSafeInteger(sizes.test) || sizes.test < 0) {
    throw new RangeError('split sizes must be integers ≥ 0');
  }
  const n = groupSizes.length;
  let kept = 0;
  for (let g = 0; g < n; g++) kept += groupSizes[g];
  if (sizes.valid + sizes.test >= kept) {
    throw new RangeError(
      `validation ${sizes.valid} + test ${sizes.test} pairs leave nothing to train on (${kept} distinct pairs)`,
    );
  }
  // Fisher–Yates over group indices.
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const rng = new Rng(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  const split = new Uint8Array(n);
  const pairs: [number, number, number] = [0, 0, 0];
  for (const g of order) {
    const s = pairs[2] < sizes.test ? 2 : pairs[1] < sizes.valid ? 1 : 0;
    split[g] = s;
    pairs[s] += groupSizes[g];
  }
  return { split, order, pairs };
}

export function splitCorpus(pairs: readonly SplitPair[], sizes: SplitSizes, seed: number): CorpusSplit {
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
  const { split, order } = assignSplits(
    groups.map((g) => g.length),
    sizes,
    seed,
  );
  const out: CorpusSplit = { train: [], valid: [], test: [], duplicates, groups: groups.length };
  const parts = [out.train, out.valid, out.test];
  for (const g of order) for (const p of groups[g]) parts[split[g]].push(p);
  return out;
}
