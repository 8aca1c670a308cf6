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
  const B = sources.length;
  const K = opts.beam;
  if (!Number.isInteger(K) || K < 1) throw new RangeError(`beam must be a positive integer, got ${K}`);
  if (!Number.isInteger(opts.nBest) || opts.nBest < 1 || opts.nBest > K)
    throw new RangeError(`nBest must be between 1 and the beam size ${K}, got ${opts.nBest}`);
  if (B === 0) return [];
  const k = getBackend();
  const packed = packSources(sources);
  const session = startDecodingSession(model, packed.src, packed.lengths, packed.batchSize, packed.srcLen);
  // the log-probabilities' columns: the whole vocabulary, or a shortlist's tokens (column c is token cols[c])
  const cols = session.columns;
  const V = cols ? cols.length : model.tgtVocabSize;
  const tokenOf = (c: number): number => (cols && c >= 0 ? cols[c] : c);
  const maxLen = Int32Array.from(packed.lengths, (l) => maxOutputLength(l, opts));
  const T = Math.max(...maxLen);
  const R = B * K; // rows of a step, at most
  const kk = Math.min(2 * K, V); // candidates per row (and per sentence)
  const store =
    opts.keepAttention && model.hasAttention ? new AttentionStore(packed.srcLen, R * T * packed.srcLen) : null;

  // Back-pointers: the hypothesis of row r at step t (t tokens so far) took token[t·R + r]
  // after row parent[t·R + r] of step t − 1.
  const token = new Int32Array((T + 1) * R);
  const parent = new Int32Array((T + 1) * R);
  // Per row of the current step (and the next one's, swapped): its log-probability, whether it is the greedy path.
  let rowLogProb = new Float64Array(R);
  let rowGreedy = new Uint8Array(R);
  let nextLogProb = new Float64Array(R);
  let nextGreedy = new Uint8Array(R);
  // Per sentence still decoded (in state order): which one, its first row, its row count.
  const active = Int32Array.from({ length: B }, (_, i) => i);
  const count = new Int32Array(B).fill(1);
  const prev = new Int32Array(R).fill(BOS_ID);
  const selRows = new Int32Array(R);
  const prevOf = prefixViews(prev);
  const selOf = prefixViews(selRows);
  const values = new Float64Array(R * kk);
  const ids = new Int32Array(R * kk);
  const top = new TopK(2 * K);
  // This sentence's survivors (at most K, the greedy path one more before it replaces the last).
  const survRow = new Int32Array(K + 1);
  const survToken = new Int32Array(K + 1);
  const survLogProb = new Float64Array(K + 1);
  const survGreedy = new Uint8Array(K + 1);
  const finished = new Finished();
  const finishedOf = new Int32Array(B);
  rowGreedy.fill(1, 0, B);

  // The sentence being looked at: b, at step t, its rows from r0; its survivors so far and whether the
  // greedy path is among them.
  let b = 0;
  let t = 0;
  let r0 = 0;
  let nSurv = 0;
  let gTaken = false;
  /** Finishes a hypothesis whose last alive state is row `row` of step t: with </s>, or cut after token v. */
  const finish = (row: number, v: number, logProb: number): void => {
    // |Y| = t + 1 either way: t tokens and </s>, or t tokens and the last one
    finished.add(b, t, row, v, logProb, logProb / lengthPenalty(t + 1, opts.lengthPenalty));
    finishedOf[b]++;
  };
  const extend = (hRow: number, v: number, score: number, isGreedy: boolean): void => {
    if (v === EOS_ID) finish(r0 + hRow, v, score);
    else {
      survRow[nSurv] = r0 + hRow;
      survToken[nSurv] = v;
      survLogProb[nSurv] = score;
      survGreedy[nSurv] = isGreedy ? 1 : 0;
      nSurv++;
    }
    if (isGreedy) gTaken = true;
  };

  let nActive = B;
  let rows = B;
  for (t = 0; nActive > 0; t++) {
    const { logProbs, attention } = session.step(prevOf(rows));
    if (store && attention) store.addStep(attention, rows);
    k.rowTopK(rows, V, logProbs, kk, rowLogProb, values, ids);
    let nextActive = 0;
    let nextRows = 0;
    r0 = 0;
    for (let j = 0; j < nActive; j++) {
      b = active[j];
      const nh = count[j];
      top.clear();
      for (let h = 0; h < nh; h++)
        for (let i = 0; i < kk; i++) top.push(values[(r0 + h) * kk + i], h, tokenOf(ids[(r0 + h) * kk + i]));
      // The greedy lineage's next token: the argmax of its row (lowest id on ties), as greedy takes it.
      let g = -1;
      for (let h = 0; h < nh && g < 0; h++) if (rowGreedy[r0 + h]) g = h;
      const gColumn = g >= 0 ? rowArgmax(logProbs, r0 + g, V, values, ids, kk) : -1;
      const gToken = tokenOf(gColumn);
      nSurv = 0;
      gTaken = false;
      for (let i = 0; i < top.size && nSurv < K; i++) {
        const hRow = top.row[i];
        const v = top.token[i];
        const isGreedy = hRow === g && v === gToken;
        if (v === EOS_ID && i >= K && !isGreedy) continue; // </s> counts only among the K best
        extend(hRow, v, top.score[i], isGreedy);
      }
      if (g >= 0 && !gTaken) {
        // Keep the greedy path in the beam (it replaces the weakest survivor), so that the result
        // can never score below greedy decoding.
        if (gToken !== EOS_ID && nSurv === K) nSurv--;
        extend(g, gToken, rowLogProb[r0 + g] + logProbs[(r0 + g) * V + gColumn], true);
      }
      r0 += nh;
      let lineageAlive = false;
      for (let i = 0; i < nSurv; i++) lineageAlive ||= survGreedy[i] === 1;
      const done = finishedOf[b] >= K && !lineageAlive;
      if (!done && nSurv > 0 && t + 1 < maxLen[b]) {
        active[nextActive] = b;
        count[nextActive] = nSurv;
        nextActive++;
        for (let i = 0; i < nSurv; i++, nextRows++) {
          selRows[nextRows] = survRow[i];
          prev[nextRows] = survToken[i];
          token[(t + 1) * R + nextRows] = survToken[i];
          parent[(t + 1) * R + nextRows] = survRow[i];
          nextLogProb[nextRows] = survLogProb[i];
          nextGreedy[nextRows] = survGreedy[i];
        }
      } else if (!done) {
        // Survivors cut at the maximum length are finished as they are.
        for (let i = 0; i < nSurv; i++) finish(survRow[i], survToken[i], survLogProb[i]);
      }
    }
    if (nextActive === 0) break;
    session.select(selOf(nextRows));
    [rowLogProb, nextLogProb] = [nextLogProb, rowLogProb];
    [rowGreedy, nextGreedy] = [nextGreedy, rowGreedy];
    nActive = nextActive;
    rows = nextRows;
  }

  return results(finished, B, opts.nBest, { token, parent, R, store, lengths: packed.lengths });
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
    for (let v = 0; v < V; v++) if (logProbs[r * V + v] > bestLp) ((bestLp = logProbs[r * V + v]), (best = v));
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
