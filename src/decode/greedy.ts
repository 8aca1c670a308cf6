/**
 * Batched greedy decoding: every sentence of the batch advances one step per model call,
 *   y_t = argmax_v log p(v | y_<t, x)   (lowest id on ties),
 * until </s> or the maximum length; finished rows are dropped from the state (DecoderState.select),
 * so the batch shrinks as sentences end and the loop stops when all are done.
 */
import { BOS_ID, EOS_ID } from '../data/batch.js';
import type { Seq2SeqModel } from '../model/types.js';
import { packSources } from './source-batch.js';
import { type SearchHypothesis, type SearchOptions, lengthPenalty, maxOutputLength, scoredLength } from './search-types.js';

export function greedyDecode(model: Seq2SeqModel, sources: readonly ArrayLike<number>[], opts: Pick<SearchOptions, 'lengthPenalty' | 'maxLengthRatio' | 'maxLengthConstant' | 'keepAttention'>): SearchHypothesis[] {
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
