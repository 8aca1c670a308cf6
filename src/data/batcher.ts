/**
 * Training batches from encoded sentence pairs, by a token budget, with length bucketing and a
 * resumable, seeded order.
 *
 * Plan of one epoch (a pure function of the seed, the epoch number and the pairs):
 *   1. shuffle the kept pairs with Rng(mix(seed, epoch));
 *   2. cut them into pools of `poolBatches` batches' worth of sentences and sort each pool by
 *      (source length, target length), so that neighbours have similar lengths;
 *   3. fill batches greedily in that order while  B · max(S, T) ≤ maxTokens  and  B ≤ maxSentences,
 *      where S is the longest source and T the longest target + 1 (for </s>) — padding counts;
 *      a single pair over the budget still forms a batch of its own;
 *   4. shuffle the order of the batches with the same generator.
 * Because a plan is recomputed from (seed, epoch), the position {epoch, index} is the whole state:
 * restore() continues with exactly the batches the uninterrupted batcher would have produced.
 *
 * With `encodeEpoch` (BPE-dropout: a new segmentation of every pair each epoch), an epoch's plan and
 * batches use that epoch's encodings; which pairs are kept is decided once, on the plain encodings,
 * and a pair whose epoch encoding is over a length limit falls back to its plain encoding that epoch.
 */
import { InputError } from '../errors.js';
import { Rng } from '../util/rng.js';
import { makeBatch, type Batch } from './batch.js';

/** A pair encoded to ids, without <s>/</s>; `id` is its index in the corpus. */
export interface EncodedPair {
  src: Int32Array;
  tgt: Int32Array;
  id: number;
}

export interface BatcherOptions {
  /** Budget of padded tokens per batch: B · max(S, T+1). */
  maxTokens?: number;
  /** Most sentences per batch. */
  maxSentences?: number;
  /** Pairs with a longer source / target (in ids, without </s>) are left out and counted. */
  maxSrcLen?: number;
  maxTgtLen?: number;
  /** Seed of the shuffles (default 1). */
  seed?: number;
  /** Shuffle pairs and batches (default true); false keeps corpus order apart from the sort within pools. */
  shuffle?: boolean;
  /** Pool size for length sorting, in batches (default 100). 1 = no bucketing across batches. */
  poolBatches?: number;
  /**
   * The pairs' encodings for an epoch, aligned with `pairs` (BPE-dropout re-encodes them every
   * epoch). Must depend on the epoch number only, so that a restored batcher recomputes them.
   */
  encodeEpoch?: (epoch: number) => readonly EncodedPair[];
}

/** JSON-serialisable position of a batcher. */
export interface BatcherState {
  version: 1;
  seed: number;
  epoch: number;
  /** Index of the next batch within the epoch's plan. */
  index: number;
  /** Checks that the state is restored onto the same data and settings. */
  pairs: number;
  fingerprint: string;
}

export interface FilterCounts {
  /** Pairs left out because the source / target was longer than allowed (a pair may count in both). */
  srcTooLong: number;
  tgtTooLong: number;
  /** Pairs left out in total. */
  total: number;
}

export class Batcher {
  readonly filtered: FilterCounts = { srcTooLong: 0, tgtTooLong: 0, total: 0 };
  private readonly pairs: EncodedPair[];
  /** Index in the constructor's `pairs` of each kept pair. */
  private readonly keptAt: number[] = [];
  private readonly encodeEpoch: ((epoch: number) => readonly EncodedPair[]) | null;
  private readonly maxSrc: number;
  private readonly maxTgt: number;
  private readonly seed: number;
  private readonly shuffle: boolean;
  private readonly maxTokens: number;
  private readonly maxSentences: number;
  private readonly poolSize: number;
  private readonly fingerprint: string;
  private epochNo = 0;
  private indexNo = 0;
  private plan: number[][] | null = null;
  private planPairs: readonly EncodedPair[] = [];
  private planEpoch = -1;

  constructor(pairs: EncodedPair[], opts: BatcherOptions) {
    const { maxTokens, maxSentences } = opts;
    if (maxTokens === undefined && maxSentences === undefined)
      throw new InputError('batching needs maxTokens and/or maxSentences');
    for (const [name, v] of [
      ['maxTokens', maxTokens],
      ['maxSentences', maxSentences],
      ['maxSrcLen', opts.maxSrcLen],
      ['maxTgtLen', opts.maxTgtLen],
      ['poolBatches', opts.poolBatches],
    ] as const) {
      if (v !== undefined && !(Number.isInteger(v) && v >= 1))
        throw new InputError(`${name} must be a positive integer, got ${v}`);
    }
    this.maxTokens = maxTokens ?? Infinity;
    this.maxSentences = maxSentences ?? Infinity;
    this.seed = (opts.seed ?? 1) >>> 0;
    this.shuffle = opts.shuffle ?? true;
    this.maxSrc = opts.maxSrcLen ?? Infinity;
    this.maxTgt = opts.maxTgtLen ?? Infinity;
    this.encodeEpoch = opts.encodeEpoch ?? null;
    this.pairs = [];
    pairs.forEach((p, at) => {
      const longSrc = p.src.length > this.maxSrc;
      const longTgt = p.tgt.length > this.maxTgt;
      if (longSrc) this.filtered.srcTooLong++;
      if (longTgt) this.filtered.tgtTooLong++;
      if (longSrc || longTgt) this.filtered.total++;
      else {
        this.pairs.push(p);
        this.keptAt.push(at);
      }
    });
    if (this.pairs.length === 0)
      throw new InputError(`no training pairs left (${this.filtered.total} longer than the length limits)`);
    let sumLen = 0;
    for (const p of this.pairs) sumLen += Math.max(p.src.length, p.tgt.length + 1);
    const meanLen = sumLen / this.pairs.length;
    const perBatch = Math.max(1, Math.min(this.maxSentences, Math.floor(this.maxTokens / meanLen)));
    this.poolSize = Math.max(1, perBatch * (opts.poolBatches ?? 100));
    this.fingerprint = fingerprintOf(this.pairs, [
      this.maxTokens,
      this.maxSentences,
      this.poolSize,
      this.shuffle ? 1 : 0,
    ]);
  }

  /** Number of pairs kept after the length filter. */
  get size(): number {
    return this.pairs.length;
  }

  /** The epoch of the next batch (0-based). */
  get epoch(): number {
    return this.epochNo;
  }

  /** Index of the next batch within its epoch. */
  get index(): number {
    return this.indexNo;
  }

  /** Number of batches in the current epoch. */
  get batchesInEpoch(): number {
    return this.currentPlan().length;
  }

  /** The batches of an epoch as lists of pair ids (pure: depends only on seed, epoch and data). */
  planFor(epoch: number): number[][] {
    return this.planIndices(epoch).map((b) => b.map((i) => this.pairs[i].id));
  }

  /** The kept pairs as encoded for an epoch: the plain encodings, or encodeEpoch's within the limits. */
  private pairsOf(epoch: number): readonly EncodedPair[] {
    if (this.encodeEpoch === null) return this.pairs;
    const all = this.encodeEpoch(epoch);
    return this.keptAt.map((at, k) => {
      const p = all[at];
      return p.src.length <= this.maxSrc && p.tgt.length <= this.maxTgt ? p : this.pairs[k];
    });
  }

  /** The same plan as indices into the kept pairs. */
  private planIndices(epoch: number, pairs: readonly EncodedPair[] = this.pairsOf(epoch)): number[][] {
    const rng = new Rng(mixSeed(this.seed, epoch));
    const order = pairs.map((_, i) => i);
    if (this.shuffle) rng.shuffle(order);
    const batches: number[][] = [];
    for (let start = 0; start < order.length; start += this.poolSize) {
      const pool = order.slice(start, start + this.poolSize);
      // Array.prototype.sort is stable: equal lengths keep their shuffled order.
      pool.sort((a, b) => pairs[a].src.length - pairs[b].src.length || pairs[a].tgt.length - pairs[b].tgt.length);
      let cur: number[] = [];
      let S = 0;
      let T = 0;
      for (const i of pool) {
        const s = Math.max(1, pairs[i].src.length);
        const t = pairs[i].tgt.length + 1;
        const S2 = Math.max(S, s);
        const T2 = Math.max(T, t);
        if (
          cur.length > 0 &&
          ((cur.length + 1) * Math.max(S2, T2) > this.maxTokens || cur.length + 1 > this.maxSentences)
        ) {
          batches.push(cur);
          cur = [];
          S = s;
          T = t;
        } else {
          S = S2;
          T = T2;
        }
        cur.push(i);
      }
      if (cur.length > 0) batches.push(cur);
    }
    if (this.shuffle) rng.shuffle(batches);
    return batches;
  }

  private currentPlan(): number[][] {
    if (this.planEpoch !== this.epochNo || this.plan === null) {
      this.planPairs = this.pairsOf(this.epochNo);
      this.plan = this.planIndices(this.epochNo, this.planPairs);
      this.planEpoch = this.epochNo;
    }
    return this.plan;
  }

  private build(indices: number[]): Batch {
    const ps = indices.map((i) => this.planPairs[i]);
    return makeBatch(
      ps.map((p) => p.src),
      ps.map((p) => p.tgt),
      ps.map((p) => p.id),
    );
  }

  /** The next batch of the current epoch, or null when the epoch is over (the next call starts the next epoch). */
  nextInEpoch(): Batch | null {
    const plan = this.currentPlan();
    if (this.indexNo >= plan.length) {
      this.epochNo++;
      this.indexNo = 0;
      return null;
    }
    return this.build(plan[this.indexNo++]);
  }

  /** The next batch, moving on to the next epoch when one ends (never ends). */
  next(): Batch {
    return this.nextInEpoch() ?? this.nextInEpoch()!;
  }

  /** The remaining batches of the current epoch; afterwards the batcher is at the start of the next one. */
  *epochBatches(): Generator<Batch> {
    for (;;) {
      const b = this.nextInEpoch();
      if (b === null) return;
      yield b;
    }
  }

  state(): BatcherState {
    // A finished epoch is reported as the start of the next one.
    let { epochNo: epoch, indexNo: index } = this;
    if (index >= this.currentPlan().length) {
      epoch++;
      index = 0;
    }
    return { version: 1, seed: this.seed, epoch, index, pairs: this.pairs.length, fingerprint: this.fingerprint };
  }

  restore(state: BatcherState): void {
    if (state?.version !== 1) throw new InputError('batcher state: unknown version');
    if (state.pairs !== this.pairs.length || state.fingerprint !== this.fingerprint || state.seed !== this.seed) {
      throw new InputError(
        `batcher state does not match the data (saved for ${state.pairs} pairs, seed ${state.seed}; now ` +
          `${this.pairs.length} pairs, seed ${this.seed}, or different lengths/batch settings)`,
      );
    }
    if (!Number.isInteger(state.epoch) || state.epoch < 0 || !Number.isInteger(state.index) || state.index < 0) {
      throw new InputError('batcher state: epoch and index must be non-negative integers');
    }
    this.epochNo = state.epoch;
    this.indexNo = state.index;
    if (this.indexNo > this.currentPlan().length)
      throw new InputError(
        `batcher state: index ${state.index} beyond the epoch's ${this.currentPlan().length} batches`,
      );
  }
}

/**
 * Batches for evaluation or translation: sorted by source length (little padding), no shuffling,
 * nothing left out; `ids` give each pair's corpus index so that results can be put back in order.
 */
export function evalBatches(pairs: EncodedPair[], opts: { maxTokens?: number; maxSentences?: number }): Batch[] {
  const maxTokens = opts.maxTokens ?? Infinity;
  const maxSentences = opts.maxSentences ?? Infinity;
  if (maxTokens === Infinity && maxSentences === Infinity)
    throw new InputError('batching needs maxTokens and/or maxSentences');
  const order = pairs
    .map((_, i) => i)
    .sort((a, b) => pairs[a].src.length - pairs[b].src.length || pairs[a].tgt.length - pairs[b].tgt.length || a - b);
  const out: Batch[] = [];
  let cur: number[] = [];
  let S = 0;
  let T = 0;
  const flush = (): void => {
    if (cur.length === 0) return;
    out.push(
      makeBatch(
        cur.map((i) => pairs[i].src),
        cur.map((i) => pairs[i].tgt),
        cur.map((i) => pairs[i].id),
      ),
    );
    cur = [];
  };
  for (const i of order) {
    const s = Math.max(1, pairs[i].src.length);
    const t = pairs[i].tgt.length + 1;
    const S2 = Math.max(S, s);
    const T2 = Math.max(T, t);
    if (cur.length > 0 && ((cur.length + 1) * Math.max(S2, T2) > maxTokens || cur.length + 1 > maxSentences)) {
      flush();
      S = s;
      T = t;
    } else {
      S = S2;
      T = T2;
    }
    cur.push(i);
  }
  flush();
  return out;
}

/** Fraction of padding in a batch: 1 − real tokens / (B·S + B·T). */
export function paddingFraction(batches: Batch[]): number {
  let real = 0;
  let total = 0;
  for (const b of batches) {
    real += b.srcTokens + b.tgtTokens;
    total += b.size * (b.srcLen + b.tgtLen);
  }
  return total === 0 ? 0 : 1 - real / total;
}

/** Seed of an epoch's generator: a 32-bit mix of the seed and the epoch number. */
function mixSeed(seed: number, epoch: number): number {
  let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (epoch + 0x632be59b), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/** FNV-1a over the pairs' ids and lengths and the batch settings. */
function fingerprintOf(pairs: EncodedPair[], settings: number[]): string {
  let h = 0x811c9dc5;
  const add = (v: number): void => {
    h = Math.imul(h ^ (v & 0xffff), 0x01000193) >>> 0;
    h = Math.imul(h ^ ((v >>> 16) & 0xffff), 0x01000193) >>> 0;
  };
  for (const p of pairs) {
    add(p.id);
    add(p.src.length);
    add(p.tgt.length);
  }
  for (const s of settings) add(Number.isFinite(s) ? s : 0xffffffff);
  return h.toString(16).padStart(8, '0');
}
