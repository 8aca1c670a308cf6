/**
 * Global-norm gradient clipping (Pascanu et al. 2013; PyTorch's clip_grad_norm_):
 *   n = √(Σ_params Σ g²);   if n > max:  g ← g · max / (n + 1e-6)
 * Returns n, the norm before clipping (NaN/Inf when a gradient is not finite; nothing is scaled then).
 */
import type { Param } from '../nn/param.js';
import { getBackend } from '../tensor/index.js';

export function globalGradNorm(params: readonly Param[]): number {
  const k = getBackend();
  let sum = 0;
  for (const p of params) sum += k.sumSquares(p.grad as Float32Array);
  return Math.sqrt(sum);
}

export function clipGradNorm(params: readonly Param[], maxNorm: number): number {
  const norm = globalGradNorm(params);
  if (!Number.isFinite(norm) || !(maxNorm > 0) || norm <= maxNorm) return norm;
  const k = getBackend();
  const factor = maxNorm / (norm + 1e-6);
  for (const p of params) k.scale(factor, p.grad as Float32Array);
  return norm;
}

/** g ← a · g for every parameter (e.g. a = 1 / tokens: per-token gradients). */
export function scaleGrads(params: readonly Param[], a: number): void {
  const k = getBackend();
  for (const p of params) k.scale(a, p.grad as Float32Array);
}
