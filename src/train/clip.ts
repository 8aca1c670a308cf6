/**
 * Global-norm gradient clipping (Pascanu et al. 2013; PyTorch's clip_grad_norm_):
 *   n = √(Σ_params Σ g²);   if n > max:  g ← g · max / (n + 1e-6)
 * `clipGradNorm` scales the gradients in place; the trainer instead hands the factor (`clipScale`) to the
 * optimiser, which applies it while it reads the gradients (one pass over them fewer), and takes the norm
 * while it scales the gradients to per-token ones (`scaleGradsAndNorm`, one pass for both).
 */
import type { Param } from '../nn/param.js';
import { getBackend } from '../tensor/index.js';

export function globalGradNorm(params: readonly Param[]): number {
  const k = getBackend();
  let sum = 0;
  for (const p of params) sum += k.sumSquares(p.grad as Float32Array);
  return Math.sqrt(sum);
}

/** The factor max / (n + 1e-6) that clipping multiplies the gradients by, or 1 (n ≤ max, no max, n not finite). */
export function clipScale(norm: number, maxNorm: number): number {
  if (!Number.isFinite(norm) || !(maxNorm > 0) || norm <= maxNorm) return 1;
  return maxNorm / (norm + 1e-6);
}

/**
 * Clips in place; returns n, the norm before clipping (NaN/Inf when a gradient is not finite; nothing is scaled then).
 */
export function clipGradNorm(params: readonly Param[], maxNorm: number): number {
  const norm = globalGradNorm(params);
  const factor = clipScale(norm, maxNorm);
  if (factor === 1) return norm;
  const k = getBackend();
  for (const p of params) k.scale(factor, p.grad as Float32Array);
  return norm;
}

/** g ← a · g for every parameter (e.g. a = 1 / tokens: per-token gradients). */
export function scaleGrads(params: readonly Param[], a: number): void {
  const k = getBackend();
  for (const p of params) k.scale(a, p.grad as Float32Array);
}

/** scaleGrads(params, a), then returns globalGradNorm(params): the same values, one pass over the gradients. */
export function scaleGradsAndNorm(params: readonly Param[], a: number): number {
  const k = getBackend();
  let sum = 0;
  for (const p of params) sum += k.scaleSumSquares(a, p.grad as Float32Array);
  return Math.sqrt(sum);
}
