/**
 * gemmPackedWeights (C = αA·Wᵀ + βC with W packed once) must equal gemm(false, true, …) to the bit, on both
 * backends: every row count the decoder steps use (1–4 take the unpacked row kernel, split over the threads by the
 * size of W, 5 and up the packed panels), several column blocks and k blocks, 1 and 2 threads, alpha/beta cases,
 * views at an offset.
 */
import { describe, expect, it } from 'vitest';
import { createNativeBackend } from '../../src/tensor/index.js';
import { jsBackend } from '../../src/tensor/js-backend.js';
import { loadNative } from '../../src/tensor/native.js';
import { differing, expectPackedEqualsGemm, overThreads, randomViews } from './packed-gemm.js';

const native = createNativeBackend();
const skipped = native ? '' : ` (skipped: ${loadNative().error})`;
const view = randomViews(31, 5);

const shapes: [number, number, number][] = [
  [1, 300, 70],
  [4, 97, 513],
  // few rows over a large W: split over the threads where gemm (counting flops) keeps one thread
  [1, 1536, 1280],
  [3, 1000, 130],
  [5, 8000, 256],
  [7, 3100, 300],
  [64, 1536, 512],
  [130, 200, 33],
  [320, 1000, 96],
];

describe('gemmPackedWeights = gemm NT to the bit', () => {
  it('TypeScript backend (the packed form is a copy of W)', () => {
    for (const [M, N, K] of [
      [1, 30, 7],
      [6, 50, 33],
    ] as const)
      expectPackedEqualsGemm(jsBackend, 'weights', view, [M, N, K, 0.5, 1]);
  });

  it.skipIf(!native)(`native: decoder-step shapes, column and k blocks, alpha/beta, 1 and 2 threads${skipped}`, () => {
    const alphaBetas: [number, number][] = [
      [1, 0],
      [0.5, 1],
      [-2, 0.25],
    ];
    overThreads(native!, shapes, alphaBetas, (c) => expectPackedEqualsGemm(native!, 'weights', view, c));
  });
});

describe(`packed weights, native${skipped}`, () => {
  it.skipIf(!native)(
    'the packed form holds every weight once (plus zero padding) and a short buffer is a RangeError',
    () => {
      const [N, K] = [100, 300];
      const W = view(N * K);
      const packed = new Float32Array(native!.packedWeightsSize(N, K));
      expect(packed.length).toBeGreaterThanOrEqual(N * K);
      native!.packWeights(N, K, W, packed);
      const sum = (a: Float32Array) => a.reduce((s, x) => s + Math.abs(x), 0);
      expect(sum(packed)).toBeCloseTo(sum(W), 1);
      expect(() =>
        native!.gemmPackedWeights(5, N, K, 1, view(5 * K), W, packed.subarray(1), 0, new Float32Array(5 * N)),
      ).toThrow(/packed has/);
    },
  );
});

describe(`gemmFewRows = gemm to the bit, split over the threads by the size of B${skipped}`, () => {
  it.skipIf(!native)('1–5 rows, B as is and transposed, small and large B, 1 and 2 threads', () => {
    const before = native!.threads();
    try {
      for (const threads of [1, 2])
        for (const transB of [false, true])
          for (const [N, K] of [
            [70, 30],
            [1536, 512],
            [1000, 130],
          ])
            for (let M = 1; M <= 5; M++) {
              native!.setThreads(threads);
              const A = view(M * K),
                B = view(N * K),
                C0 = view(M * N);
              const want = C0.slice(),
                got = C0.slice();
              native!.gemm(false, transB, M, N, K, 0.5, A, B, 1, want);
              native!.gemmFewRows(transB, M, N, K, 0.5, A, B, 1, got);
              expect(differing(got, want), `${M}×${K}×${N} transB=${transB}, ${threads} threads`).toBe(0);
            }
    } finally {
      native!.setThreads(before);
    }
  });
});
