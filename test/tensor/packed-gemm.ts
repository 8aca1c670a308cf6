/**
 * Shared by packed-matrix.test.ts and packed-weights.test.ts: random operands as views at an offset, a count of
 * the elements that differ, and the check that a product by a packed operand equals gemm's to the bit.
 */
import { expect } from 'vitest';
import type { Backend } from '../../src/tensor/backend.js';
import { Rng } from '../../src/util/rng.js';

/** A maker of `n` random values in [-1, 1) as a view that starts `offset` floats into its buffer. */
export function randomViews(seed: number, offset: number): (n: number) => Float32Array {
  const rng = new Rng(seed);
  return (n) => {
    const a = new Float32Array(n + offset);
    for (let i = 0; i < a.length; i++) a[i] = rng.next() * 2 - 1;
    return a.subarray(offset);
  };
}

/** How many elements of `a` and `b` differ (Object.is: -0 against 0 and NaN count as they are). */
export function differing(a: Float32Array, b: Float32Array): number {
  let n = 0;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) n++;
  return n;
}

/**
 * What is packed once: `matrix`, B (K×N) by packMatrix for C = αA·B + βC (gemm NN); `weights`, W (N×K) by
 * packWeights for C = αA·Wᵀ + βC (gemm NT).
 */
export type Packing = 'matrix' | 'weights';

/** Expects the product by the packed operand to equal gemm's to the bit, on operands drawn from `view`. */
export function expectPackedEqualsGemm(
  k: Backend,
  packing: Packing,
  view: (n: number) => Float32Array,
  [M, N, K, alpha, beta]: [number, number, number, number, number],
): void {
  const A = view(M * K),
    B = view(K * N),
    C0 = view(M * N);
  const packed = new Float32Array(k.packedWeightsSize(N, K));
  if (packing === 'matrix') k.packMatrix(K, N, B, packed);
  else k.packWeights(N, K, B, packed);
  const want = C0.slice(),
    got = C0.slice();
  k.gemm(false, packing === 'weights', M, N, K, alpha, A, B, beta, want);
  if (packing === 'matrix') k.gemmPackedMatrix(M, N, K, alpha, A, B, packed, beta, got);
  else k.gemmPackedWeights(M, N, K, alpha, A, B, packed, beta, got);
  expect(differing(got, want), `${M}×${K}×${N} α=${alpha} β=${beta}: elements that differ`).toBe(0);
}

/** Calls `each` with every shape [M, N, K] and every [α, β], on 1 and then 2 threads; restores the thread count. */
export function overThreads(
  native: Backend,
  shapes: [number, number, number][],
  alphaBetas: [number, number][],
  each: (c: [number, number, number, number, number]) => void,
): void {
  const before = native.threads();
  try {
    for (const threads of [1, 2]) {
      native.setThreads(threads);
      for (const [M, N, K] of shapes) for (const [alpha, beta] of alphaBetas) each([M, N, K, alpha, beta]);
    }
  } finally {
    native.setThreads(before);
  }
}
