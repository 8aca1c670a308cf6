/**
 * Softmax cross-entropy over M rows of V logits, summed over the rows whose target is not
 * padding (id 0), with optional label smoothing ε (backend.softmaxCrossEntropy):
 *   p = softmax(z);  q = (1 − ε)·onehot(y) + ε/V;  loss = −Σ_rows Σ_j q_j log p_j;  dz = p − q
 * Also returns the unsmoothed negative log-likelihood Σ −log p_y (for perplexity): equal to the
 * loss when ε = 0; otherwise recovered from dz (p_y = dz_y + 1 − ε + ε/V), falling back to an
 * exact log-sum-exp of the row when p_y is too small to be recovered accurately.
 */
import type { F32, I32 } from '../tensor/backend.js';
import { getBackend } from '../tensor/index.js';

export interface CrossEntropyResult {
  loss: number;
  nll: number;
  tokens: number;
}

/**
 * dLogits receives p − q (it may be `logits` itself only when smoothing = 0, since the exact
 * fallback re-reads the logits).
 */
export function softmaxCrossEntropy(M: number, V: number, logits: F32, targets: I32, smoothing: number, dLogits: F32, padId = 0): CrossEntropyResult {
  let tokens = 0;
  for (let i = 0; i < M; i++) if (targets[i] !== padId) tokens++;
  const loss = getBackend().softmaxCrossEntropy(M, V, logits, targets, padId, smoothing, dLogits);
  if (smoothing === 0) return { loss, nll: loss, tokens };
  if (dLogits === logits) throw new Error('softmaxCrossEntropy: with label smoothing dLogits must not alias logits');
  const shift = 1 - smoothing + smoothing / V;
  let nll = 0;
  for (let i = 0; i < M; i++) {
    const y = targets[i];
    if (y === padId) continue;
    const py = dLogits[i * V + y] + shift;
    if (py > 1e-3) nll -= Math.log(py);
    else {
      const o = i * V;
      let max = -Infinity;
      for (let j = 0; j < V; j++) if (logits[o + j] > max) max = logits[o + j];
      let sum = 0;
      for (let j = 0; j < V; j++) sum += Math.exp(logits[o + j] - max);
      nll += max + Math.log(sum) - logits[o + y];
    }
  }
  return { loss, nll, tokens };
}
