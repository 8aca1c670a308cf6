/**
 * Batched beam search. The decoding session (model/types.ts) holds, for every sentence still being
 * decoded, its alive hypotheses (at most K rows each, one at the first step): all beams of all sentences
 * are the rows of one model step. Per step and sentence:
 *   1. every alive hypothesis h and token v gives a candidate with log p(h) + log p(v | h, x);
 *   2. the 2K best candidates are taken (score, then row, then token id decide ties);
 *   3. in rank order: a </s> candidate among the first K is finished, with the ranking score
 *        score = log p / lp(|Y|),  lp(|Y|) = ((5 + |Y|) / 6)^α   (Wu et al. 2016; |Y| counts </s>);
 *      other candidates become the new alive hypotheses until there are K;
 *   4. the greedy path (argmax continuation of the greedy hypothesis) always stays in the beam,
 *      replacing the weakest survivor if it fell out, so the result never scores below greedy;
 *   5. a sentence is done when it has K finished hypotheses and its greedy path has ended, or when
 *      its alive hypotheses reach the maximum length (then finished as they are, marked unfinished).
 * Done sentences leave the batch (their rows are dropped with DecodingSession.select), so finished work is
 * compacted away; the loop ends when every sentence is done. The n best finished hypotheses are returned,
 * best first; they are distinct because each comes from a distinct (prefix, token) pair.
 * With K = 1 this is exactly greedy decoding (the </s> candidate counts only at rank 0).
 *
 * Where the work goes: step 2 is one Backend.rowTopK call over all rows (each row's 2K best, from which a
 * sentence's 2K best are merged exactly: a candidate outside its row's 2K best has 2K better ones before it);
 * hypotheses are rows of back-pointer tables (token and parent row per step), allocated once per call, so the
 * loop allocates nothing per step, hypothesis or candidate; ids (and attention rows, kept in an AttentionStore)
 * are read back only for the n best of each sentence at the end.
 */
import { BOS_ID, EOS_ID } from '../data/batch.js';
import { startDecodingSession } from '../model/decoding-session.js';
import type { Seq2SeqModel } from '../model/types.js';
import { getBackend } from '../tensor/index.js';
import { AttentionStore } from './attention-store.js';
import { prefixViews } from './prefix-views.js';
import { packSources } from './source-batch.js';
import { type SearchHypothesis, type SearchOptions, lengthPenalty, maxOutputLength } from './search-types.js';
import { TopK } from './top-k.js';

/** Finished hypotheses of all sentences, in the order they finished (typed columns, grown by doubling). */
class Finished {
  size = 0;
  sentence = new Int32Array(64);
  /** the step and row of its last alive state, and the token it took there: </s>, or the last one before the limit */
  step = new Int32Array(64);
  row = new Int32Array(64);
  token = new Int32Array(64);
  logProb = new Float64Array(64);
  score = new Float64Array(64);

  add(sentence: number, step: number, row: number, token: number, logProb: number, score: number): void {
    if (this.size === this.sentence.length) this.grow();
    const i = this.size++;
    this.sentence[i] = sentence;
    this.step[i] = step;
    this.row[i] = row;
    this.token[i] = token;
    this.logProb[i] = logProb;
    this.score[i] = score;
  }

  private grow(): void {
    const twice = <A extends Int32Array | Float64Array>(a: A): A => {
      const b = new (a.constructor as new (n: number) => A)(2 * a.length);
      b.set(a);
      return b;
    };
    this.sentence = twice(this.sentence);
    this.step = twice(this.step);
    this.row = twice(this.row);
    this.token = twice(this.token);
    this.logProb = twice(this.logProb);
    this.score = twice(this.score);
  }
}

export function beamSearch(
  model: Seq2SeqModel,
  sources: readonly ArrayLike<number>[],
  opts: SearchOptions,
): SearchHypothesis[][] {
  const K = opts.beam;
  if (!Number.isInteger(K) || K < 1) throw new RangeError(`beam must be a positive integer, got ${K}`);
  if (!Number.isInteger(opts.nBest) || opts.nBest < 1 || opts.nBest > K)
    throw new RangeError(`nBest must be between 1 and the beam size ${K}, got ${opts.nBest}`);
  if (sources.length === 0) return [];
  const packed = packSources(sources);
  const session = startDecodingSession(model, packed.src, packed.lengths, packed.batchSize, packed.srcLen);
  const beams = new BatchBeams(model, session.columns, packed.lengths, packed.srcLen, opts);
  for (let t = 0; ; t++) {
    const { logProbs, attention } = session.step(beams.lastTokens());
    if (!beams.advance(t, logProbs, attention)) break;
    session.select(beams.survivingRows());
  }
  return beams.results(opts.nBest);
}

/**
 * The beams of every sentence still decoded, advanced one model step at a time (steps 1–5 above). The buffers are
 * allocated once per search; `b`, `t` and `r0` name the sentence being looked at, the step and its first row.
 */
class BatchBeams {
  private readonly K: number;
  /** The log-probabilities' columns: the whole vocabulary, or a shortlist's tokens (column c is token cols[c]). */
  private readonly V: number;
  /** Candidates taken per row (and per sentence): 2K, at most V. */
  private readonly kk: number;
  /** Rows of a step, at most B·K. */
  private readonly R: number;
  private readonly maxLen: Int32Array;
  private readonly alpha: number;
  private readonly store: AttentionStore | null;
  // Back-pointers: the hypothesis of row r at step t (t tokens so far) took token[t·R + r]
  // after row parent[t·R + r] of step t − 1.
  private readonly token: Int32Array;
  private readonly parent: Int32Array;
  // Per row of the current step (and the next one's, swapped): its log-probability, whether it is the greedy path.
  private rowLogProb: Float64Array;
  private rowGreedy: Uint8Array;
  private nextLogProb: Float64Array;
  private nextGreedy: Uint8Array;
  // Per sentence still decoded (in state order): which one and its row count (its rows follow the previous ones').
  private readonly active: Int32Array;
  private readonly count: Int32Array;
  private nActive: number;
  private rows: number;
  /** Per row: the token it took last (the next step's input); rows of the step that survive into the next. */
  private readonly prev: Int32Array;
  private readonly selRows: Int32Array;
  private readonly prevOf: (n: number) => Int32Array;
  private readonly selOf: (n: number) => Int32Array;
  /** Each row's kk best candidates, from Backend.rowTopK. */
  private readonly values: Float64Array;
  private readonly ids: Int32Array;
  /** One sentence's 2K best candidates. */
  private readonly top: TopK;
  // This sentence's survivors (at most K, the greedy path one more before it replaces the last).
  private readonly survRow: Int32Array;
  private readonly survToken: Int32Array;
  private readonly survLogProb: Float64Array;
  private readonly survGreedy: Uint8Array;
  private nSurv = 0;
  /** Whether the greedy path's continuation is among this sentence's survivors or finished hypotheses. */
  private gTaken = false;
  private readonly finished = new Finished();
  private readonly finishedOf: Int32Array;
  private readonly kernels = getBackend();
  private b = 0;
  private t = 0;
  private r0 = 0;

  constructor(
    model: Seq2SeqModel,
    private readonly cols: Int32Array | null,
    private readonly lengths: Int32Array,
    srcLen: number,
    opts: SearchOptions,
  ) {
    const B = lengths.length;
    const K = (this.K = opts.beam);
    this.V = cols ? cols.length : model.tgtVocabSize;
    this.maxLen = Int32Array.from(lengths, (l) => maxOutputLength(l, opts));
    const T = Math.max(...this.maxLen);
    const R = (this.R = B * K);
    const kk = (this.kk = Math.min(2 * K, this.V));
    this.alpha = opts.lengthPenalty;
    this.store = opts.keepAttention && model.hasAttention ? new AttentionStore(srcLen, R * T * srcLen) : null;
    this.token = new Int32Array((T + 1) * R);
    this.parent = new Int32Array((T + 1) * R);
    this.rowLogProb = new Float64Array(R);
    this.rowGreedy = new Uint8Array(R);
    this.nextLogProb = new Float64Array(R);
    this.nextGreedy = new Uint8Array(R);
    this.active = Int32Array.from({ length: B }, (_, i) => i);
    this.count = new Int32Array(B).fill(1);
    this.nActive = B;
    this.rows = B;
    this.prev = new Int32Array(R).fill(BOS_ID);
    this.selRows = new Int32Array(R);
    this.prevOf = prefixViews(this.prev);
    this.selOf = prefixViews(this.selRows);
    this.values = new Float64Array(R * kk);
    this.ids = new Int32Array(R * kk);
    this.top = new TopK(2 * K);
    this.survRow = new Int32Array(K + 1);
    this.survToken = new Int32Array(K + 1);
    this.survLogProb = new Float64Array(K + 1);
    this.survGreedy = new Uint8Array(K + 1);
    this.finishedOf = new Int32Array(B);
    this.rowGreedy.fill(1, 0, B);
  }

  /** The model's input of the next step: each row's last token (<s> at the first step). */
  lastTokens(): Int32Array {
    return this.prevOf(this.rows);
  }

  /** The rows of the step just taken that go on, in the next step's order (for DecodingSession.select). */
  survivingRows(): Int32Array {
    return this.selOf(this.rows);
  }

  /** Step t of every sentence, given the model's log p(v | h, x) of each row; false when all are done. */
  advance(t: number, logProbs: Float32Array, attention: Float32Array | null): boolean {
    if (this.store && attention) this.store.addStep(attention, this.rows);
    this.kernels.rowTopK(this.rows, this.V, logProbs, this.kk, this.rowLogProb, this.values, this.ids);
    this.t = t;
    let nextActive = 0;
    let nextRows = 0;
    this.r0 = 0;
    for (let j = 0; j < this.nActive; j++) {
      this.b = this.active[j];
      const nh = this.count[j];
      this.collectCandidates(nh);
      this.chooseSurvivors(logProbs, nh);
      this.r0 += nh;
      if (this.goesOn()) {
        this.active[nextActive] = this.b;
        this.count[nextActive] = this.nSurv;
        nextActive++;
        nextRows = this.carryOver(nextRows);
      }
    }
    if (nextActive === 0) return false;
    [this.rowLogProb, this.nextLogProb] = [this.nextLogProb, this.rowLogProb];
    [this.rowGreedy, this.nextGreedy] = [this.nextGreedy, this.rowGreedy];
    this.nActive = nextActive;
    this.rows = nextRows;
    return true;
  }

  /**
   * Steps 1–2: the sentence's 2K best candidates, score(h, v) = log p(h) + log p(v | h, x), from its rows'
   * kk best each (rowTopK's values already hold the sum).
   */
  private collectCandidates(nh: number): void {
    const { top, values, ids, kk, r0 } = this;
    top.clear();
    for (let h = 0; h < nh; h++)
      for (let i = 0; i < kk; i++) top.push(values[(r0 + h) * kk + i], h, this.tokenOf(ids[(r0 + h) * kk + i]));
  }

  /**
   * Steps 3–4: in rank order, a </s> among the K best finishes a hypothesis, score = log p / lp(|Y|); any other
   * candidate survives until there are K. The greedy path's continuation (the argmax of its row, lowest id on
   * ties, as greedy takes it) is kept in any case, in place of the weakest survivor.
   */
  private chooseSurvivors(logProbs: Float32Array, nh: number): void {
    const { top, K, r0 } = this;
    let g = -1;
    for (let h = 0; h < nh && g < 0; h++) if (this.rowGreedy[r0 + h]) g = h;
    const gColumn = g >= 0 ? rowArgmax(logProbs, r0 + g, this.V, this.values, this.ids, this.kk) : -1;
    const gToken = this.tokenOf(gColumn);
    this.nSurv = 0;
    this.gTaken = false;
    for (let i = 0; i < top.size && this.nSurv < K; i++) {
      const hRow = top.row[i];
      const v = top.token[i];
      const isGreedy = hRow === g && v === gToken;
      if (v === EOS_ID && i >= K && !isGreedy) continue; // </s> counts only among the K best
      this.extend(hRow, v, top.score[i], isGreedy);
    }
    if (g >= 0 && !this.gTaken) {
      // Keep the greedy path in the beam (it replaces the weakest survivor), so that the result
      // can never score below greedy decoding.
      if (gToken !== EOS_ID && this.nSurv === K) this.nSurv--;
      this.extend(g, gToken, this.rowLogProb[r0 + g] + logProbs[(r0 + g) * this.V + gColumn], true);
    }
  }

  /** Candidate (hypothesis hRow of this sentence, token v): finished with </s>, else a survivor. */
  private extend(hRow: number, v: number, logProb: number, isGreedy: boolean): void {
    if (v === EOS_ID) this.finish(this.r0 + hRow, v, logProb);
    else {
      const n = this.nSurv++;
      this.survRow[n] = this.r0 + hRow;
      this.survToken[n] = v;
      this.survLogProb[n] = logProb;
      this.survGreedy[n] = isGreedy ? 1 : 0;
    }
    if (isGreedy) this.gTaken = true;
  }

  /**
   * Finishes a hypothesis whose last alive state is row `row` of step t, with </s> or cut after token v:
   * score = log p / lp(|Y|), |Y| = t + 1 either way (t tokens and </s>, or t tokens and the last one).
   */
  private finish(row: number, v: number, logProb: number): void {
    const { b, t } = this;
    this.finished.add(b, t, row, v, logProb, logProb / lengthPenalty(t + 1, this.alpha));
    this.finishedOf[b]++;
  }

  /**
   * Step 5: whether the sentence stays in the batch. It is done with K finished hypotheses once its greedy path
   * has ended; survivors that reach its maximum length are finished as they are (marked unfinished).
   */
  private goesOn(): boolean {
    let lineageAlive = false;
    for (let i = 0; i < this.nSurv; i++) lineageAlive ||= this.survGreedy[i] === 1;
    if (this.finishedOf[this.b] >= this.K && !lineageAlive) return false;
    if (this.nSurv > 0 && this.t + 1 < this.maxLen[this.b]) return true;
    for (let i = 0; i < this.nSurv; i++) this.finish(this.survRow[i], this.survToken[i], this.survLogProb[i]);
    return false;
  }

  /** The survivors become rows nextRows… of step t + 1 (their back-pointers written); the next free row. */
  private carryOver(nextRows: number): number {
    const at = (this.t + 1) * this.R;
    let r = nextRows;
    for (let i = 0; i < this.nSurv; i++, r++) {
      this.selRows[r] = this.survRow[i];
      this.prev[r] = this.survToken[i];
      this.token[at + r] = this.survToken[i];
      this.parent[at + r] = this.survRow[i];
      this.nextLogProb[r] = this.survLogProb[i];
      this.nextGreedy[r] = this.survGreedy[i];
    }
    return r;
  }

  private tokenOf(c: number): number {
    return this.cols && c >= 0 ? this.cols[c] : c;
  }

  /** Each sentence's n best finished hypotheses, best first. */
  results(nBest: number): SearchHypothesis[][] {
    const { token, parent, R, store, lengths } = this;
    return results(this.finished, lengths.length, nBest, { token, parent, R, store, lengths });
  }
}

/**
 * The argmax of row r of the log-probabilities (a column), lowest column on ties. Its rowTopK list is sorted by
 * log p(h) + log p(v) (float64), whose ties can hide an order of the log p(v) themselves: the answer is the
 * entry of largest log p(v) among those tied with the first; a list that is all one tie is scanned in full.
 */
function rowArgmax(
  logProbs: Float32Array,
  r: number,
  V: number,
  values: Float64Array,
  ids: Int32Array,
  kk: number,
): number {
  const o = r * kk;
  if (kk > 1 && values[o + kk - 1] === values[o]) {
    let best = 0;
    let bestLp = -Infinity;
    for (let v = 0; v < V; v++) {
      if (logProbs[r * V + v] > bestLp) {
        bestLp = logProbs[r * V + v];
        best = v;
      }
    }
    return best;
  }
  let best = ids[o];
  // tied entries come in increasing id order, so a strict > keeps the lowest id among equal log p(v)
  for (let i = 1; i < kk && values[o + i] === values[o]; i++)
    if (logProbs[r * V + ids[o + i]] > logProbs[r * V + best]) best = ids[o + i];
  return best;
}

/** Each sentence's n best finished hypotheses (stable by score: equal scores keep the order they finished in). */
function results(
  f: Finished,
  B: number,
  nBest: number,
  t: { token: Int32Array; parent: Int32Array; R: number; store: AttentionStore | null; lengths: Int32Array },
): SearchHypothesis[][] {
  const bySentence: number[][] = Array.from({ length: B }, () => []);
  for (let i = 0; i < f.size; i++) bySentence[f.sentence[i]].push(i);
  return bySentence.map((list, b) =>
    list
      .sort((x, y) => f.score[y] - f.score[x] || x - y)
      .slice(0, nBest)
      .map((i) => {
        const ended = f.token[i] === EOS_ID; // a survivor never holds </s>: only ended hypotheses do
        const steps = f.step[i];
        const ids = new Array<number>(steps);
        const rowAt = new Int32Array(steps + 1);
        let r = f.row[i];
        for (let s = steps; s >= 0; s--) {
          rowAt[s] = r;
          if (s > 0) {
            ids[s - 1] = t.token[s * t.R + r];
            r = t.parent[s * t.R + r];
          }
        }
        if (!ended) ids.push(f.token[i]);
        const attention = t.store ? Array.from(rowAt, (row, s) => t.store!.row(s, row, t.lengths[b])) : null;
        return { ids, logProb: f.logProb[i], score: f.score[i], finished: ended, attention };
      }),
  );
}
