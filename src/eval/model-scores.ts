/**
 * Scores of reference translations under a model:
 *   forced decoding  log p(y | x) = Σ_t log p(y_t | y_<t, x)   (t over y_1..y_n and </s>), per
 *                    sentence, through the step API (the path the decoders use);
 *   perplexity       exp( Σ nll / Σ tokens ) over a corpus, from model.loss on padded batches
 *                    (tokens = target tokens + one </s> per sentence), or from forced decoding
 *                    (`forcedPerplexity`, the same sum through the step API: for a model without
 *                    a loss, such as an ensemble).
 */
import { makeBatch } from '../data/batch.js';
import type { Seq2SeqModel } from '../model/types.js';

export interface ForcedScore {
  /** Σ log p of the reference tokens and </s>. */
  logProb: number;
  /** Tokens scored (reference length + 1 for </s>). */
  tokens: number;
}

/** Forced-decoding log-probabilities of tgt[i] given src[i], for one batch of sentences. */
export function forcedDecode(
  model: Seq2SeqModel,
  src: readonly ArrayLike<number>[],
  tgt: readonly ArrayLike<number>[],
): ForcedScore[] {
  const B = src.length;
  if (B === 0) return [];
  const batch = makeBatch(src as ArrayLike<number>[], tgt as ArrayLike<number>[]);
  const V = model.tgtVocabSize;
  let state = model.startDecoding(batch.src, batch.srcLengths, B, batch.srcLen);
  const logProb = new Float64Array(B);
  for (let t = 0; t < batch.tgtLen; t++) {
    const prev = batch.tgtIn.subarray(t * B, (t + 1) * B);
    const r = model.step(state, prev);
    for (let b = 0; b < B; b++) if (t < batch.tgtLengths[b]) logProb[b] += r.logProbs[b * V + batch.tgtOut[t * B + b]];
    state = r.state;
  }
  return Array.from(logProb, (lp, b) => ({ logProb: lp, tokens: batch.tgtLengths[b] }));
}

export interface PerplexityResult {
  perplexity: number;
  /** Σ −log p per token (nats). */
  nllPerToken: number;
  tokens: number;
  sentences: number;
}

/** Σ nll and Σ tokens of one batch of sentence pairs. */
type BatchScorer = (src: ArrayLike<number>[], tgt: ArrayLike<number>[]) => { nll: number; tokens: number };

/** exp(Σ nll / Σ tokens) over a corpus scored in length-sorted batches of `batchSize` pairs. */
function corpusPerplexity(
  src: readonly ArrayLike<number>[],
  tgt: readonly ArrayLike<number>[],
  batchSize: number,
  score: BatchScorer,
): PerplexityResult {
  const order = src.map((_, i) => i).sort((a, b) => src[a].length - src[b].length || a - b);
  let nll = 0;
  let tokens = 0;
  for (let s = 0; s < order.length; s += batchSize) {
    const idx = order.slice(s, s + batchSize);
    const r = score(
      idx.map((i) => src[i]),
      idx.map((i) => tgt[i]),
    );
    nll += r.nll;
    tokens += r.tokens;
  }
  const per = tokens > 0 ? nll / tokens : 0;
  return { perplexity: Math.exp(per), nllPerToken: per, tokens, sentences: src.length };
}

/** Corpus perplexity with model.loss (no dropout, no gradients), in length-sorted batches. */
export function perplexity(
  model: Seq2SeqModel,
  src: readonly ArrayLike<number>[],
  tgt: readonly ArrayLike<number>[],
  batchSize = 64,
): PerplexityResult {
  return corpusPerplexity(src, tgt, batchSize, (s, t) =>
    model.loss(makeBatch(s, t), { backward: false, train: false }),
  );
}

/**
 * Corpus perplexity from forced decoding (the step API), in length-sorted batches: for models without a loss
 * (ensembles).
 */
export function forcedPerplexity(
  model: Seq2SeqModel,
  src: readonly ArrayLike<number>[],
  tgt: readonly ArrayLike<number>[],
  batchSize = 64,
): PerplexityResult {
  return corpusPerplexity(src, tgt, batchSize, (s, t) => {
    let nll = 0;
    let tokens = 0;
    for (const r of forcedDecode(model, s, t)) {
      nll -= r.logProb;
      tokens += r.tokens;
    }
    return { nll, tokens };
  });
}
