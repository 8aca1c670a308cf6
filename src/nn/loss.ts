/**
 * Softmax cross-entropy over M rows of V logits, summed over the rows whose target is not
 * padding (id 0), with optional label smoothing ε (backend.softmaxCrossEntropy):
 *   p = softmax(z);  q = (1 − ε)·onehot(y) + ε/V;  loss = −Σ_rows Σ_j q_j log p_j;  dz = p − q
 * Also returns the unsmoothed negative log-likelihood Σ −log p_y (for perplexity), which the
 * kernel computes from the same log-sum-exp (equal to the loss when ε = 0).
 */
import type { F32, I32 } from '../tensor/backend.js';
import { getBackend } from '../tensor/index.js';

export interface CrossEntropyResult {
  loss: number;
  nll: number;
  tokens: number;
}

const nllOut = new Float64Array(1);

/** dLogits receives p − q; it may be `logits` itself. */
export function softmaxCrossEntropy(
  M: number,
  V: number,
  logits: F32,
  targets: I32,
  smoothing: number,
  dLogits: F32,
  padId = 0,
): CrossEntropyResult {
  let tokens = 0;
  for (let i = 0; i < M; i++) if (targets[i] !== padId) tokens++;
  const loss = getBackend().softmaxCrossEntropy(M, V, logits, targets, padId, smoothing, dLogits, nllOut);
  return { loss, nll: smoothing === 0 ? loss : nllOut[0], tokens };
}
