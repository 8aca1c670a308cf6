/**
 * gemmPackedMatrix (C = αA·B + βC with B, K×N, packed once by packMatrix) must equal gemm(false, false, …) to
 * the bit, on both backends — the training's per-step products by the same weights (dgh·W_hh, dqp·W_q) — for
 * the row counts a step has (1–4 take the unpacked row kernel, 5 and up the panels), several column and k
 * blocks, 1 and 2 threads, alpha/beta cases, views at an offset; and packMatrix(B) must write exactly the
 * panels packWeights makes of Bᵀ (one layout, one product routine).
 */
import { describe, expect, it } from 'vitest';
import { createNativeBackend } from '../../src/tensor/index.js';
import { jsBackend } from '../../src/tensor/js-backend.js';
import { loadNative } from '../../src/tensor/native.js';
import { differing, expectPackedEqualsGemm, overThreads, randomViews } from './packed-gemm.js';

const native = createNativeBackend();
const skipped = native ? '' : ` (skipped: ${loadNative().error})`;
const view = randomViews(37, 3);

const shapes: [number, number, number][] = [
  [1, 512, 1536],
  [3, 70, 300],
  [5, 1536, 512],
  [17, 1100, 600],
  [64, 512, 1536],
  [64, 512, 512],
  [130, 200, 33],
  [320, 97, 513],
];

describe('gemmPackedMatrix = gemm NN to the bit', () => {
  it('TypeScript backend (the packed form is a copy of B)', () => {
    for (const [M, N, K] of [
      [1, 30, 7],
      [6, 50, 33],
    ] as const)
      expectPackedEqualsGemm(jsBackend, 'matrix', view, [M, N, K, 0.5, 1]);
  });

  it.skipIf(!native)(`native: training-step shapes, column and k blocks, alpha/beta, 1 and 2 threads${skipped}`, () => {
    const alphaBetas: [number, number][] = [
      [1, 0],
      [1, 1],
      [-2, 0.25],
    ];
    overThreads(native!, shapes, alphaBetas, (c) => expectPackedEqualsGemm(native!, 'matrix', view, c));
  });

  it.skipIf(!native)(`native: packMatrix(B) is packWeights(Bᵀ), and a short buffer is a RangeError${skipped}`, () => {
    for (const [K, N] of [
      [300, 100],
      [600, 1100],
      [17, 49],
    ]) {
      const B = view(K * N);
      const BT = new Float32Array(N * K);
      for (let k = 0; k < K; k++) for (let j = 0; j < N; j++) BT[j * K + k] = B[k * N + j];
      const fromB = new Float32Array(native!.packedWeightsSize(N, K));
      const fromBT = new Float32Array(native!.packedWeightsSize(N, K)).fill(NaN);
      native!.packMatrix(K, N, B, fromB);
      native!.packWeights(N, K, BT, fromBT);
      expect(differing(fromB, fromBT), `${K}×${N}`).toBe(0);
    }
    const [K, N] = [64, 40];
    const packed = new Float32Array(native!.packedWeightsSize(N, K));
    expect(() => native!.packMatrix(K, N, view(K * N), packed.subarray(1))).toThrow(/packed has/);
  });
});
