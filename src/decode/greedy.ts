/**
 * Batched greedy decoding: every sentence of the batch advances one step per model call,
 *   y_t = argmax_v log p(v | y_<t, x)   (lowest id on ties),
 * until </s> or the maximum length; finished rows are dropped from the session (DecodingSession.select),
 * so the batch shrinks as sentences end and the loop stops when all are done.
 * The argmax of every row is one Backend.rowTopK call (k = 1); the tokens go into one table allocated up
 * front, so the loop allocates nothing per step or per sentence (the attention rows, when kept, go into an
 * AttentionStore). The outputs are built once at the end.
 */
import { BOS_ID, EOS_ID } from '../data/batch.js';
import { startDecodingSession } from '../model/decoding-session.js';
import type { Seq2SeqModel } from '../model/types.js';
import { getBackend } from '../tensor/index.js';
import { AttentionStore } from './attention-store.js';
import { prefixViews } from './prefix-views.js';
import { packSources } from './source-batch.js';
import {
  type SearchHypothesis,
  type SearchOptions,
  lengthPenalty,
  maxOutputLength,
  scoredLength,
} from './search-types.js';

export function greedyDecode(
  model: Seq2SeqModel,
  sources: readonly ArrayLike<number>[],
  opts: Pick<SearchOptions, 'lengthPenalty' | 'maxLengthRatio' | 'maxLengthConstant' | 'keepAttention'>,
): SearchHypothesis[] {
  const B = sources.length;
  if (B === 0) return [];
  const k = getBackend();
  const packed = packSources(sources);
  const session = startDecodingSession(model, packed.src, packed.lengths, packed.batchSize, packed.srcLen);
  // the log-probabilities' columns: the whole vocabulary, or a shortlist's tokens (column c is token cols[c])
  const cols = session.columns;
  const V = cols ? cols.length : model.tgtVocabSize;
  const maxLen = Int32Array.from(packed.lengths, (l) => maxOutputLength(l, opts));
  const T = Math.max(...maxLen);
  /** tokens[b·T + t]: sentence b's output token t; length[b] of them so far */
  const tokens = new Int32Array(B * T);
  const length = new Int32Array(B);
  const logProb = new Float64Array(B);
  const finished = new Uint8Array(B);
  const store =
    opts.keepAttention && model.hasAttention ? new AttentionStore(packed.srcLen, B * T * packed.srcLen) : null;
  /** attRow[b·(T + 1) + t]: the row of sentence b at step t (its attention row in the store) */
  const attRow = store ? new Int32Array(B * (T + 1)) : null;
  /** alive[r]: the sentence of state row r */
  const alive = Int32Array.from({ length: B }, (_, i) => i);
  const prev = new Int32Array(B).fill(BOS_ID);
  const keep = new Int32Array(B);
  const best = new Int32Array(B);
  const bestLp = new Float64Array(B);
  const prevOf = prefixViews(prev);
  const keepOf = prefixViews(keep);

  let n = B;
  for (let step = 0; n > 0; step++) {
    const { logProbs, attention } = session.step(prevOf(n));
    k.rowTopK(n, V, logProbs, 1, null, bestLp, best);
    if (cols) for (let r = 0; r < n; r++) best[r] = cols[best[r]];
    if (store && attention) store.addStep(attention, n);
    let kept = 0;
    for (let r = 0; r < n; r++) {
      const b = alive[r];
      logProb[b] += bestLp[r];
      if (attRow && attention) attRow[b * (T + 1) + step] = r;
      if (best[r] === EOS_ID) {
        finished[b] = 1;
        continue;
      }
      tokens[b * T + length[b]++] = best[r];
      if (length[b] >= maxLen[b]) continue; // cut at the maximum length
      keep[kept] = r;
      prev[kept] = best[r];
      alive[kept] = b;
      kept++;
    }
    if (kept === 0) break;
    if (kept < n) session.select(keepOf(kept));
    n = kept;
  }

  return Array.from({ length: B }, (_, b) => {
    const ids = Array.from(tokens.subarray(b * T, b * T + length[b]));
    const ended = finished[b] === 1;
    const rows = ids.length + (ended ? 1 : 0);
    return {
      ids,
      logProb: logProb[b],
      score: logProb[b] / lengthPenalty(scoredLength(ids, ended), opts.lengthPenalty),
      finished: ended,
      attention: store
        ? Array.from({ length: rows }, (_, t) => store.row(t, attRow![b * (T + 1) + t], packed.lengths[b]))
        : null,
    };
  });
}
