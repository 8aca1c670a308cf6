/**
 * The beam search and greedy decoding of commit e3915d8, kept verbatim (but for imports) as an oracle: the
 * allocation-free searches of src/decode must return exactly what these return (ids, scores, attention).
 */
import { BOS_ID, EOS_ID } from '../../src/data/batch.js';
import { packSources } from '../../src/decode/source-batch.js';
import {
  type SearchHypothesis,
  type SearchOptions,
  lengthPenalty,
  maxOutputLength,
  scoredLength,
} from '../../src/decode/search-types.js';
import type { Seq2SeqModel } from '../../src/model/types.js';
interface Alive {
  ids: number[];
  logProb: number;
  attention: Float32Array[] | null;
  /** The hypothesis greedy decoding would build (kept in the beam until it ends). */
  greedy: boolean;
}

/** A small descending top-k buffer of candidates (score, row, token), ties → lower row, then lower token. */
class TopK {
  readonly score: Float64Array;
  readonly row: Int32Array;
  readonly token: Int32Array;
  size = 0;
  constructor(readonly k: number) {
    this.score = new Float64Array(k);
    this.row = new Int32Array(k);
    this.token = new Int32Array(k);
  }
  /** Candidates arrive in (row, token) order, so an equal score never displaces an earlier one. */
  push(s: number, r: number, t: number): void {
    if (this.size === this.k && !(s > this.score[this.k - 1])) return;
    let i = this.size < this.k ? this.size++ : this.k - 1;
    while (i > 0 && s > this.score[i - 1]) {
      this.score[i] = this.score[i - 1];
      this.row[i] = this.row[i - 1];
      this.token[i] = this.token[i - 1];
      i--;
    }
    this.score[i] = s;
    this.row[i] = r;
    this.token[i] = t;
  }
  threshold(): number {
    return this.size === this.k ? this.score[this.k - 1] : -Infinity;
  }
}

export function referenceBeamSearch(
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
  const V = model.tgtVocabSize;
  const packed = packSources(sources);
  const S = packed.srcLen;
  let state = model.startDecoding(packed.src, packed.lengths, packed.batchSize, packed.srcLen);
  const keepAtt = opts.keepAttention && model.hasAttention;
  const maxLen = Array.from(packed.lengths, (l) => maxOutputLength(l, opts));
  const finished: SearchHypothesis[][] = Array.from({ length: B }, () => []);
  const finish = (
    b: number,
    ids: number[],
    logProb: number,
    attention: Float32Array[] | null,
    ended: boolean,
  ): void => {
    finished[b].push({
      ids,
      logProb,
      score: logProb / lengthPenalty(scoredLength(ids, ended), opts.lengthPenalty),
      finished: ended,
      attention,
    });
  };

  // Rows of the state, grouped by sentence: rowsOf[j] = alive hypotheses of sentence active[j].
  let active = Array.from({ length: B }, (_, i) => i);
  let beams: Alive[][] = active.map(() => [{ ids: [], logProb: 0, attention: keepAtt ? [] : null, greedy: true }]);
  let prev = new Int32Array(B).fill(BOS_ID);
  const top = new TopK(2 * K);

  while (active.length > 0) {
    const { logProbs, attention: att, state: next } = model.step(state, prev);
    const selRows: number[] = [];
    const selPrev: number[] = [];
    const nextActive: number[] = [];
    const nextBeams: Alive[][] = [];
    let row0 = 0;
    for (let j = 0; j < active.length; j++) {
      const b = active[j];
      const hyps = beams[j];
      top.size = 0;
      for (let h = 0; h < hyps.length; h++) {
        const base = hyps[h].logProb;
        const off = (row0 + h) * V;
        for (let v = 0; v < V; v++) {
          const s = base + logProbs[off + v];
          if (s > top.threshold() || top.size < top.k) top.push(s, h, v);
        }
      }
      // The greedy lineage's next token: argmax of its row (lowest id on ties), as greedy takes it.
      const g = hyps.findIndex((h) => h.greedy);
      let gToken = -1;
      if (g >= 0) {
        const off = (row0 + g) * V;
        let best = -Infinity;
        for (let v = 0; v < V; v++) if (logProbs[off + v] > best) (best = logProbs[off + v]), (gToken = v);
      }
      let gTaken = false;
      const survivors: (Alive & { row: number })[] = [];
      const extend = (h: Alive, hRow: number, v: number, score: number, isGreedy: boolean): void => {
        const row = row0 + hRow;
        const attention = h.attention && att ? [...h.attention, att.slice(row * S, row * S + packed.lengths[b])] : null;
        if (v === EOS_ID) finish(b, h.ids, score, attention, true);
        else survivors.push({ ids: [...h.ids, v], logProb: score, attention, greedy: isGreedy, row });
        if (isGreedy) gTaken = true;
      };
      for (let i = 0; i < top.size && survivors.length < K; i++) {
        const hRow = top.row[i];
        const v = top.token[i];
        const isGreedy = hRow === g && v === gToken;
        if (v === EOS_ID && i >= K && !isGreedy) continue; // </s> counts only among the K best
        extend(hyps[hRow], hRow, v, top.score[i], isGreedy);
      }
      if (g >= 0 && !gTaken) {
        // Keep the greedy path in the beam (it replaces the weakest survivor), so that the result
        // can never score below greedy decoding.
        if (gToken !== EOS_ID && survivors.length === K) survivors.pop();
        extend(hyps[g], g, gToken, hyps[g].logProb + logProbs[(row0 + g) * V + gToken], true);
      }
      row0 += hyps.length;
      const lineageAlive = survivors.some((x) => x.greedy);
      const done = finished[b].length >= K && !lineageAlive;
      if (!done && survivors.length > 0 && survivors[0].ids.length < maxLen[b]) {
        nextActive.push(b);
        nextBeams.push(survivors);
        for (const x of survivors) {
          selRows.push(x.row);
          selPrev.push(x.ids[x.ids.length - 1]);
        }
      } else if (!done) {
        // Survivors cut at the maximum length are finished as they are.
        for (const x of survivors) finish(b, x.ids, x.logProb, x.attention, false);
      }
    }
    if (nextActive.length === 0) break;
    state = next.select(Int32Array.from(selRows));
    active = nextActive;
    beams = nextBeams;
    prev = Int32Array.from(selPrev);
  }

  return finished.map((list) => {
    // Stable sort: equal scores keep the order in which they were found.
    const sorted = list.slice().sort((a, b) => b.score - a.score);
    return sorted.slice(0, opts.nBest);
  });
}
export function referenceGreedyDecode(
  model: Seq2SeqModel,
  sources: readonly ArrayLike<number>[],
  opts: Pick<SearchOptions, 'lengthPenalty' | 'maxLengthRatio' | 'maxLengthConstant' | 'keepAttention'>,
): SearchHypothesis[] {
  const B = sources.length;
  if (B === 0) return [];
  const V = model.tgtVocabSize;
  const packed = packSources(sources);
  let state = model.startDecoding(packed.src, packed.lengths, packed.batchSize, packed.srcLen);
  const S = packed.srcLen;
  const maxLen = Array.from(packed.lengths, (l) => maxOutputLength(l, opts));
  const ids: number[][] = Array.from({ length: B }, () => []);
  const logProb = new Float64Array(B);
  const attention: Float32Array[][] | null = opts.keepAttention ? Array.from({ length: B }, () => []) : null;
  const finished = new Array<boolean>(B).fill(false);
  /** alive[r] = the sentence of state row r. */
  let alive = Array.from({ length: B }, (_, i) => i);
  let prev = new Int32Array(B).fill(BOS_ID);

  while (alive.length > 0) {
    const { logProbs, attention: att, state: next } = model.step(state, prev);
    const keepRows: number[] = [];
    const nextPrev: number[] = [];
    for (let r = 0; r < alive.length; r++) {
      const b = alive[r];
      let best = 0;
      let bestLp = -Infinity;
      const off = r * V;
      for (let v = 0; v < V; v++) {
        const lp = logProbs[off + v];
        if (lp > bestLp) {
          bestLp = lp;
          best = v;
        }
      }
      logProb[b] += bestLp;
      if (attention && att) attention[b].push(att.slice(r * S, r * S + packed.lengths[b]));
      if (best === EOS_ID) {
        finished[b] = true;
        continue;
      }
      ids[b].push(best);
      if (ids[b].length >= maxLen[b]) continue; // cut at the maximum length
      keepRows.push(r);
      nextPrev.push(best);
    }
    if (keepRows.length === 0) break;
    state = keepRows.length === alive.length ? next : next.select(Int32Array.from(keepRows));
    alive = keepRows.map((r) => alive[r]);
    prev = Int32Array.from(nextPrev);
  }

  return ids.map((y, b) => ({
    ids: y,
    logProb: logProb[b],
    score: logProb[b] / lengthPenalty(scoredLength(y, finished[b]), opts.lengthPenalty),
    finished: finished[b],
    attention: attention && model.hasAttention ? attention[b] : null,
  }));
}
