/**
 * The attention softmax of the TypeScript kernels (attentionContext in ./js-backend.ts, attentionContextAt in
 * ./js-indexed-attention.ts): one query's weights over the first `len` of S source positions, whose scores
 * stand in a column of a score matrix (score s at scores[s · stride + col]):
 *   α_s = exp(e_s − max) / Σ_{s' < len} exp(e_s' − max)  for s < len,   α_s = 0  for len ≤ s < S (padding).
 * Written to alpha[ao … ao + S).
 */
export function maskedSoftmaxColumn(
  scores: Float32Array,
  stride: number,
  col: number,
  len: number,
  S: number,
  alpha: Float32Array,
  ao: number,
): void {
  let max = -Infinity;
  for (let s = 0; s < len; s++) if (scores[s * stride + col] > max) max = scores[s * stride + col];
  let sum = 0;
  for (let s = 0; s < len; s++) {
    const e = Math.exp(scores[s * stride + col] - max);
    alpha[ao + s] = e;
    sum += e;
  }
  const inv = 1 / sum;
  for (let s = 0; s < len; s++) alpha[ao + s] *= inv;
  for (let s = len; s < S; s++) alpha[ao + s] = 0;
}
