/**
 * A lexical shortlist (Marian's `--shortlist`): for every source token the target tokens that co-occur with it
 * most in the training pairs, and the most frequent target tokens. A batch is decoded over the union of the lists
 * of its source tokens, the frequent tokens and the special ones (<pad>, <unk>, <s>, </s>): the output layer and
 * the softmax then cover a few thousand columns instead of the whole vocabulary — an approximation (the softmax is
 * normalised over the shortlist), opt-in, its BLEU cost measured in docs/decoding.md.
 *
 * Learning (`seq2seq shortlist`): over the pairs, with c(s) / c(t) the sentences containing source token s /
 * target token t and c(s, t) those containing both, s keeps the `perSource` targets of highest Dice coefficient
 *   dice(s, t) = 2 c(s, t) / (c(s) + c(t))
 * (ties to the lower id): a translation of s scores high, a target that is merely frequent does not (the frequent
 * ones are kept anyway, `frequent` of them by c(t)). Stored in a run as shortlist.json.
 */
import { InputError } from '../errors.js';

export const SHORTLIST_FORMAT = 'seq2seq-shortlist';
export const SHORTLIST_VERSION = 1;
/** <pad>, <unk>, <s>, </s> (src/data/batch.ts): always in a batch's columns. */
const SPECIAL_IDS = 4;

export interface ShortlistOptions {
  /** Targets kept per source token. */
  perSource: number;
  /** Most frequent target tokens kept for every batch. */
  frequent: number;
}

export const SHORTLIST_DEFAULTS: ShortlistOptions = { perSource: 50, frequent: 500 };

export class Shortlist {
  /** The targets of source token s: ids[offsets[s] … offsets[s + 1]). */
  private readonly offsets: Int32Array;
  private readonly ids: Int32Array;
  private readonly mark: Uint8Array;
  private readonly scratch: Int32Array;

  constructor(
    readonly srcVocabSize: number,
    readonly tgtVocabSize: number,
    readonly frequent: Int32Array,
    lists: readonly ArrayLike<number>[],
  ) {
    if (lists.length !== srcVocabSize) throw new RangeError(`shortlist: ${lists.length} lists for ${srcVocabSize} ids`);
    this.offsets = new Int32Array(srcVocabSize + 1);
    lists.forEach((l, s) => (this.offsets[s + 1] = this.offsets[s] + l.length));
    this.ids = new Int32Array(this.offsets[srcVocabSize]);
    lists.forEach((l, s) => this.ids.set(l, this.offsets[s]));
    this.mark = new Uint8Array(tgtVocabSize);
    this.scratch = new Int32Array(tgtVocabSize);
  }

  /** The targets kept for source token s. */
  targetsOf(s: number): Int32Array {
    return this.ids.subarray(this.offsets[s], this.offsets[s + 1]);
  }

  /** The columns of a batch: the special ids, the frequent ones and the lists of the source ids, ascending. */
  columnsFor(src: Int32Array): Int32Array {
    const { mark } = this;
    mark.fill(0);
    for (let t = 0; t < Math.min(SPECIAL_IDS, this.tgtVocabSize); t++) mark[t] = 1;
    for (const t of this.frequent) mark[t] = 1;
    for (const s of src) {
      if (!(s >= 0 && s < this.srcVocabSize)) {
        throw new InputError(`shortlist: source id ${s} outside 0..${this.srcVocabSize - 1}`);
      }
      for (let i = this.offsets[s]; i < this.offsets[s + 1]; i++) mark[this.ids[i]] = 1;
    }
    let n = 0;
    for (let t = 0; t < mark.length; t++) if (mark[t]) this.scratch[n++] = t;
    return this.scratch.slice(0, n);
  }

  toJSON(): object {
    return {
      format: SHORTLIST_FORMAT,
      version: SHORTLIST_VERSION,
      srcVocabSize: this.srcVocabSize,
      tgtVocabSize: this.tgtVocabSize,
      frequent: Array.from(this.frequent),
      lists: Array.from({ length: this.srcVocabSize }, (_, s) => Array.from(this.targetsOf(s))),
    };
  }

  /** A shortlist from its JSON (`where` names the file in errors), checked against the model's vocabularies. */
  static fromJSON(raw: unknown, where: string, srcVocabSize: number, tgtVocabSize: number): Shortlist {
    const bad = (what: string): never => {
      throw new InputError(`${where}: ${what}`);
    };
    const o = raw as Record<string, unknown> | null;
    if (typeof o !== 'object' || o === null || o.format !== SHORTLIST_FORMAT) bad(`not a ${SHORTLIST_FORMAT} file`);
    if (o!.version !== SHORTLIST_VERSION) {
      bad(`version ${String(o!.version)} (this program reads ${SHORTLIST_VERSION})`);
    }
    if (o!.srcVocabSize !== srcVocabSize || o!.tgtVocabSize !== tgtVocabSize) {
      bad(
        `made for vocabularies ${String(o!.srcVocabSize)} → ${String(o!.tgtVocabSize)}, the model has ` +
          `${srcVocabSize} → ${tgtVocabSize}`,
      );
    }
    const ids = (x: unknown, what: string): number[] => {
      if (!Array.isArray(x)) return bad(`${what} is not a list`);
      for (const t of x) {
        if (!Number.isInteger(t) || t < 0 || t >= tgtVocabSize) bad(`${what}: ${String(t)} is not a target id`);
      }
      return x as number[];
    };
    const lists = o!.lists;
    if (!Array.isArray(lists) || lists.length !== srcVocabSize) {
      bad(`lists: expected one list per source id (${srcVocabSize})`);
    }
    const frequent = Int32Array.from(ids(o!.frequent, 'frequent'));
    const checked = (lists as unknown[]).map((l, s) => ids(l, `lists[${s}]`));
    return new Shortlist(srcVocabSize, tgtVocabSize, frequent, checked);
  }
}

/** The co-occurrence counts of a corpus, pair by pair, and the shortlist they give (see the file comment). */
export class ShortlistLearner {
  private readonly cs: Float64Array;
  private readonly ct: Float64Array;
  /** s · V_tgt + t → c(s, t) */
  private readonly joint = new Map<number, number>();
  private pairs = 0;

  constructor(
    readonly srcVocabSize: number,
    readonly tgtVocabSize: number,
  ) {
    this.cs = new Float64Array(srcVocabSize);
    this.ct = new Float64Array(tgtVocabSize);
  }

  /** Counts one pair of id sequences (each token once per sentence). */
  add(src: ArrayLike<number>, tgt: ArrayLike<number>): void {
    const S = [...new Set(Array.from(src))];
    const T = [...new Set(Array.from(tgt))];
    for (const s of S) this.cs[s]++;
    for (const t of T) this.ct[t]++;
    const V = this.tgtVocabSize;
    for (const s of S)
      for (const t of T) {
        const key = s * V + t;
        this.joint.set(key, (this.joint.get(key) ?? 0) + 1);
      }
    this.pairs++;
  }

  get pairsCounted(): number {
    return this.pairs;
  }

  finish(opts: ShortlistOptions = SHORTLIST_DEFAULTS): Shortlist {
    const { cs, ct, srcVocabSize, tgtVocabSize: V } = this;
    const candidates: [number, number][][] = Array.from({ length: srcVocabSize }, () => []);
    for (const [key, c] of this.joint) {
      const s = Math.floor(key / V);
      const t = key - s * V;
      candidates[s].push([t, (2 * c) / (cs[s] + ct[t])]);
    }
    const byScore = (a: [number, number], b: [number, number]) => b[1] - a[1] || a[0] - b[0];
    const best = (l: [number, number][]) => l.sort(byScore).slice(0, opts.perSource);
    const lists = candidates.map((l) => Int32Array.from(best(l), ([t]) => t).sort());
    const byCount = Array.from({ length: V }, (_, t) => t)
      .filter((t) => ct[t] > 0)
      .sort((a, b) => ct[b] - ct[a] || a - b);
    const frequent = Int32Array.from(byCount.slice(0, opts.frequent)).sort();
    return new Shortlist(srcVocabSize, V, frequent, lists);
  }
}
