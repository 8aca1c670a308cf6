/** What the search algorithms (greedy.ts, beam.ts) take and return. */

export interface SearchOptions {
  /** Beam size K (1 = greedy). */
  beam: number;
  /** Hypotheses returned per sentence (≤ beam). */
  nBest: number;
  /** α of the length penalty lp(|Y|) = ((5 + |Y|) / 6)^α (Wu et al. 2016); 0 = raw log-probability. */
  lengthPenalty: number;
  /** Output tokens allowed (without </s>): floor(ratio · source length + constant). */
  maxLengthRatio: number;
  maxLengthConstant: number;
  /** Keep each output token's attention row (for <unk> replacement and the attention view). */
  keepAttention: boolean;
}

export const SEARCH_DEFAULTS: SearchOptions = {
  beam: 5,
  nBest: 1,
  lengthPenalty: 0.6,
  maxLengthRatio: 2,
  maxLengthConstant: 10,
  keepAttention: false,
};

export interface SearchHypothesis {
  /** Output ids without <s> and </s>. */
  ids: number[];
  /** Σ log p of the output tokens, </s> included when the hypothesis ended with it. */
  logProb: number;
  /** logProb / lp(length), the ranking score. */
  score: number;
  /** True when it ended with </s> (false: cut at the maximum length). */
  finished: boolean;
  /** One row of S source weights per output token (</s> included when finished), or null. */
  attention: Float32Array[] | null;
}

/** Wu et al. (2016): lp(Y) = ((5 + |Y|) / 6)^α, |Y| = output tokens counting </s> when present. */
export function lengthPenalty(length: number, alpha: number): number {
  return alpha === 0 ? 1 : ((5 + length) / 6) ** alpha;
}

/** Maximum number of output tokens (without </s>) for a source of `srcLength` tokens; at least 1. */
export function maxOutputLength(
  srcLength: number,
  opts: Pick<SearchOptions, 'maxLengthRatio' | 'maxLengthConstant'>,
): number {
  return Math.max(1, Math.floor(opts.maxLengthRatio * srcLength + opts.maxLengthConstant));
}

/** The length lp counts: output tokens plus </s> when the hypothesis ended with it. */
export function scoredLength(ids: readonly number[], finished: boolean): number {
  return ids.length + (finished ? 1 : 0);
}
