/**
 * Every native kernel against the TypeScript reference backend (and GEMM also against a float64
 * triple loop) on random shapes: odd sizes, all transposes, alpha/beta cases, subarray views.
 * Skipped, with the reason, when the addon is not built.
 */
import { describe, expect, it } from 'vitest';
import type { Backend } from '../../src/tensor/backend.js';
import { createNativeBackend } from '../../src/tensor/index.js';
import { PackedSteps } from '../../src/nn/packed-steps.js';
import { jsBackend } from '../../src/tensor/js-backend.js';
import { loadNative } from '../../src/tensor/native.js';
import { Rng } from '../../src/util/rng.js';

const load = loadNative();
const native = createNativeBackend() as Backend;
const skip = load.addon === null;
const why = skip ? ` (skipped: ${load.error})` : '';

const rng = new Rng(1234);
function rand(n: number, scale = 1): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = (rng.next() * 2 - 1) * scale;
  return a;
}
/** A Float32Array view at a non-zero byteOffset inside a larger buffer, filled with random values. */
function view(n: number, scale = 1): Float32Array {
  const big = rand(n + 7, scale);
  return big.subarray(3, 3 + n);
}

/** max |a − b| / max(1, |b|) */
function relErr(a: Float32Array, b: ArrayLike<number>): number {
  let e = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i]));
    if (!(d <= e)) e = d;
  }
  return e;
}

function gemm64(
  tA: boolean,
  tB: boolean,
  M: number,
  N: number,
  K: number,
  alpha: number,
  A: Float32Array,
  B: Float32Array,
  beta: number,
  C: Float32Array,
): Float64Array {
  const R = new Float64Array(M * N);
  for (let i = 0; i < M; i++)
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += (tA ? A[k * M + i] : A[i * K + k]) * (tB ? B[j * K + k] : B[k * N + j]);
      R[i * N + j] = alpha * s + (beta === 0 ? 0 : beta * C[i * N + j]);
    }
  return R;
}

describe('native GEMM' + why, () => {
  const shapes: [number, number, number][] = [
    [1, 1, 1],
    [1, 3, 17],
    [3, 17, 1],
    [17, 3, 1023],
    [1, 1023, 17],
    [4, 65, 33],
    [5, 130, 64],
    [17, 49, 300],
    [64, 100, 33],
    [130, 97, 20],
    [9, 1023, 3],
    [100, 300, 257],
  ];
  for (const [M, N, K] of shapes)
    it.skipIf(skip)(`${M}×${K}×${N}, all transposes and alpha/beta, views`, () => {
      for (const tA of [false, true])
        for (const tB of [false, true])
          for (const [alpha, beta] of [
            [1, 0],
            [0.5, 1],
            [-2, 0.25],
            [1, 1],
          ]) {
            const A = view(M * K),
              B = view(K * N),
              C0 = view(M * N);
            if (beta === 0) C0.fill(NaN); // beta = 0 must overwrite, even NaN
            const expected = gemm64(tA, tB, M, N, K, alpha, A, B, beta, C0);
            const cn = C0.slice();
            const cj = C0.slice();
            native.gemm(tA, tB, M, N, K, alpha, A, B, beta, cn);
            jsBackend.gemm(tA, tB, M, N, K, alpha, A, B, beta, cj);
            // float32 rounding grows like √K for entries of size ~√K
            const tol = 1e-5 * Math.max(1, Math.sqrt(K) / 4);
            expect(relErr(cn, expected), `tA=${tA} tB=${tB} α=${alpha} β=${beta}`).toBeLessThan(tol);
            expect(relErr(cn, cj)).toBeLessThan(tol * 2);
          }
    });

  it.skipIf(skip)('K = 0 and alpha = 0 only scale C by beta', () => {
    const C = rand(12);
    const c2 = C.slice();
    native.gemm(false, false, 3, 4, 0, 1, new Float32Array(0), new Float32Array(0), 0.5, c2);
    expect(
      relErr(
        c2,
        Array.from(C, (x) => x * 0.5),
      ),
    ).toBe(0);
    const c3 = C.slice();
    native.gemm(false, true, 3, 4, 5, 0, rand(15), rand(20), 0, c3);
    expect(Array.from(c3)).toEqual(new Array(12).fill(0));
  });

  it.skipIf(skip)('the threaded path (large shape) equals the single-thread result', () => {
    const [M, N, K] = [96, 700, 160];
    const A = rand(M * K),
      B = rand(N * K);
    const prev = native.threads();
    const one = new Float32Array(M * N),
      two = new Float32Array(M * N);
    native.setThreads(1);
    native.gemm(false, true, M, N, K, 1, A, B, 0, one);
    native.setThreads(2);
    native.gemm(false, true, M, N, K, 1, A, B, 0, two);
    native.setThreads(prev);
    expect(relErr(two, one)).toBeLessThan(1e-6);
    expect(relErr(two, gemm64(false, true, M, N, K, 1, A, B, 0, two))).toBeLessThan(1e-5);
  });

  it.skipIf(skip)(
    'threaded column split with few rows (A packed once, shared by every chunk): all transposes, K over several blocks',
    () => {
      const prev = native.threads();
      for (const [M, N, K] of [
        [64, 1536, 600],
        [17, 1023, 259],
        [128, 500, 513],
        [3, 4000, 300],
      ] as const)
        for (const tA of [false, true])
          for (const tB of [false, true]) {
            const A = rand(M * K),
              B = rand(K * N),
              C0 = rand(M * N);
            const one = C0.slice(),
              two = C0.slice();
            native.setThreads(1);
            native.gemm(tA, tB, M, N, K, -0.5, A, B, 1, one);
            native.setThreads(2);
            native.gemm(tA, tB, M, N, K, -0.5, A, B, 1, two);
            const tol = 1e-5 * Math.max(1, Math.sqrt(K) / 4);
            expect(
              relErr(two, gemm64(tA, tB, M, N, K, -0.5, A, B, 1, C0)),
              `${M}×${K}×${N} tA=${tA} tB=${tB}`,
            ).toBeLessThan(tol);
            expect(relErr(two, one)).toBeLessThan(tol);
          }
      native.setThreads(prev);
    },
  );

  it.skipIf(skip)(
    'fmaPeak (the bench:kernels ceiling) measures a positive, finite rate above the GEMM kernel of a small product',
    () => {
      const peak = load.addon!.fmaPeak!();
      expect(Number.isFinite(peak) && peak > 0).toBe(true);
      // a scalar (non-vector) loop reaches only a few GFLOP/s
      expect(peak).toBeGreaterThan(16);
    },
  );

  it.skipIf(skip)('too-short arrays are a RangeError, not a crash', () => {
    expect(() =>
      native.gemm(false, false, 4, 4, 4, 1, new Float32Array(15), new Float32Array(16), 0, new Float32Array(16)),
    ).toThrow(/A has 15 elements, needs 16/);
  });
});

describe('native fused kernels against the TypeScript backend' + why, () => {
  const sizes = [1, 3, 17, 1023];

  it.skipIf(skip)('tanh: max abs error vs Math.tanh ≤ 1e-6 (relative below |x| = 1e-3) over a dense grid', () => {
    const n = 200001;
    const x = new Float32Array(n);
    for (let i = 0; i < n; i++) x[i] = -20 + (40 * i) / (n - 1);
    x[0] = 1e-6;
    x[1] = -3e-4;
    x[2] = 0;
    x[3] = 0.6249;
    x[4] = 0.6251;
    const y = new Float32Array(n);
    native.tanh(x, y);
    let worst = 0;
    for (let i = 0; i < n; i++) {
      const t = Math.tanh(x[i]);
      const e = Math.abs(y[i] - t) / Math.max(1, Math.abs(t) < 1e-3 ? Math.abs(t) / 1e-3 : 1);
      if (!(e <= worst)) worst = e;
    }
    expect(worst).toBeLessThanOrEqual(1e-6);
    expect(Math.abs(y[0] - 1e-6) / 1e-6).toBeLessThan(1e-6);
  });

  it.skipIf(skip)('sigmoid, tanh in place, tanhBackward (both modes)', () => {
    for (const n of sizes) {
      const x = view(n, 12);
      const a = new Float32Array(n),
        b = new Float32Array(n);
      native.sigmoid(x, a);
      jsBackend.sigmoid(x, b);
      expect(relErr(a, b)).toBeLessThan(1e-6);
      const inPlace = x.slice();
      native.tanh(inPlace, inPlace);
      jsBackend.tanh(x, b);
      expect(relErr(inPlace, b)).toBeLessThan(1e-6);
      const dy = view(n);
      for (const acc of [false, true]) {
        const d1 = view(n),
          d2 = d1.slice();
        native.tanhBackward(b, dy, d1, acc);
        jsBackend.tanhBackward(b, dy, d2, acc);
        expect(relErr(d1, d2)).toBeLessThan(1e-6);
      }
    }
  });

  it.skipIf(skip)('transpose: every element moved exactly, odd sizes and views, both backends', () => {
    for (const [R, C] of [
      [1, 1],
      [1, 17],
      [17, 1],
      [3, 17],
      [17, 1023],
      [1023, 3],
      [33, 48],
      [130, 97],
    ]) {
      const src = view(R * C);
      const d1 = view(R * C),
        d2 = view(R * C);
      native.transpose(R, C, src, d1);
      jsBackend.transpose(R, C, src, d2);
      const expected = new Float32Array(R * C);
      for (let i = 0; i < R; i++) for (let j = 0; j < C; j++) expected[j * R + i] = src[i * C + j];
      expect(Array.from(d1), `${R}×${C}`).toEqual(Array.from(expected));
      expect(Array.from(d2), `${R}×${C}`).toEqual(Array.from(expected));
    }
    // large enough to be split over the pool
    const [R, C] = [1536, 1280];
    const src = rand(R * C),
      d = new Float32Array(R * C);
    native.transpose(R, C, src, d);
    let bad = 0;
    for (let i = 0; i < R; i++) for (let j = 0; j < C; j++) if (d[j * R + i] !== src[i * C + j]) bad++;
    expect(bad).toBe(0);
    expect(() => native.transpose(4, 4, new Float32Array(15), new Float32Array(16))).toThrow(
      /src has 15 elements, needs 16/,
    );
  });

  it.skipIf(skip)('X·(Wᵀ) through a transposed copy equals X·Wᵀ (the per-pass recurrent product)', () => {
    for (const [M, N, K] of [
      [1, 3, 17],
      [17, 1023, 3],
      [64, 97, 130],
    ]) {
      const X = view(M * K),
        W = view(N * K),
        WT = new Float32Array(N * K);
      native.transpose(N, K, W, WT);
      const viaT = new Float32Array(M * N),
        direct = new Float32Array(M * N);
      native.gemm(false, false, M, N, K, 1, X, WT, 0, viaT);
      native.gemm(false, true, M, N, K, 1, X, W, 0, direct);
      expect(relErr(viaT, gemm64(false, true, M, N, K, 1, X, W, 0, direct))).toBeLessThan(
        1e-5 * Math.max(1, Math.sqrt(K) / 4),
      );
      expect(relErr(viaT, direct)).toBeLessThan(1e-5 * Math.max(1, Math.sqrt(K) / 4));
    }
  });

  it.skipIf(skip)('addRowVector, sumRowsInto, sumSquares, axpy, scale, fill', () => {
    // 800×1536 is split over the pool (rows for addRowVector, column blocks for sumRowsInto)
    for (const [M, N] of [
      [1, 1],
      [3, 17],
      [17, 1023],
      [64, 3],
      [800, 1536],
    ]) {
      const X = view(M * N),
        bias = view(N);
      const x1 = X.slice(),
        x2 = X.slice();
      native.addRowVector(M, N, x1, bias);
      jsBackend.addRowVector(M, N, x2, bias);
      expect(relErr(x1, x2)).toBeLessThan(1e-6);
      const o1 = view(N),
        o2 = o1.slice();
      native.sumRowsInto(M, N, X, o1);
      jsBackend.sumRowsInto(M, N, X, o2);
      expect(relErr(o1, o2)).toBeLessThan(1e-5);
      expect(Math.abs(native.sumSquares(X) - jsBackend.sumSquares(X)) / jsBackend.sumSquares(X)).toBeLessThan(1e-9);
      const y1 = view(M * N),
        y2 = y1.slice();
      native.axpy(-0.7, X, y1);
      jsBackend.axpy(-0.7, X, y2);
      expect(relErr(y1, y2)).toBeLessThan(1e-6);
      native.scale(1.5, y1);
      jsBackend.scale(1.5, y2);
      expect(relErr(y1, y2)).toBeLessThan(1e-6);
      native.fill(y1, 0.25);
      expect(y1.every((v) => v === 0.25)).toBe(true);
    }
  });

  it.skipIf(skip)('gruForward / gruBackward', () => {
    for (const [B, H] of [
      [1, 1],
      [3, 17],
      [17, 33],
      [64, 512],
    ]) {
      const gi = view(B * 3 * H, 3),
        gh = view(B * 3 * H, 3),
        h = view(B * H);
      const out = [
        new Float32Array(B * H),
        new Float32Array(B * 3 * H),
        new Float32Array(B * H),
        new Float32Array(B * 3 * H),
      ];
      native.gruForward(B, H, gi, gh, h, out[0], out[1]);
      jsBackend.gruForward(B, H, gi, gh, h, out[2], out[3]);
      expect(relErr(out[0], out[2])).toBeLessThan(1e-5);
      expect(relErr(out[1], out[3])).toBeLessThan(1e-5);
      const dh = view(B * H),
        dgi = [new Float32Array(B * 3 * H), new Float32Array(B * 3 * H)],
        dgh = [new Float32Array(B * 3 * H), new Float32Array(B * 3 * H)];
      const dhp1 = view(B * H),
        dhp2 = dhp1.slice();
      native.gruBackward(B, H, out[3], gh, h, dh, dgi[0], dgh[0], dhp1);
      jsBackend.gruBackward(B, H, out[3], gh, h, dh, dgi[1], dgh[1], dhp2);
      expect(relErr(dgi[0], dgi[1])).toBeLessThan(1e-5);
      expect(relErr(dgh[0], dgh[1])).toBeLessThan(1e-5);
      expect(relErr(dhp1, dhp2)).toBeLessThan(1e-5);
    }
  });

  it.skipIf(skip)(
    'gruForward with bhh = addRowVector(gh, bhh) then gruForward, to the bit, gh left with its bias',
    () => {
      for (const [B, H] of [
        [1, 1],
        [3, 17],
        [64, 512],
      ]) {
        const gi = view(B * 3 * H, 3),
          gh = view(B * 3 * H, 3),
          h = view(B * H),
          bhh = view(3 * H);
        for (const k of [native, jsBackend]) {
          const [ghA, ghB] = [gh.slice(), gh.slice()];
          const [hA, hB, gA, gB] = [
            new Float32Array(B * H),
            new Float32Array(B * H),
            new Float32Array(B * 3 * H),
            new Float32Array(B * 3 * H),
          ];
          k.addRowVector(B, 3 * H, ghA, bhh);
          k.gruForward(B, H, gi, ghA, h, hA, gA);
          k.gruForward(B, H, gi, ghB, h, hB, gB, bhh);
          for (const [x, y, what] of [
            [ghA, ghB, 'gh'],
            [hA, hB, 'h'],
            [gA, gB, 'gates'],
          ] as const)
            expect(
              x.every((v, i) => Object.is(v, y[i])),
              `${k.name} ${B}×${H} ${what}`,
            ).toBe(true);
        }
      }
    },
  );

  it.skipIf(skip)('lstmForward / lstmBackward', () => {
    for (const [B, H] of [
      [1, 1],
      [3, 17],
      [17, 33],
      [64, 512],
    ]) {
      const g = view(B * 4 * H, 3),
        c = view(B * H, 2);
      const n = [0, 1].map(() => ({
        h: new Float32Array(B * H),
        c: new Float32Array(B * H),
        gates: new Float32Array(B * 4 * H),
        tc: new Float32Array(B * H),
      }));
      native.lstmForward(B, H, g, c, n[0].h, n[0].c, n[0].gates, n[0].tc);
      jsBackend.lstmForward(B, H, g, c, n[1].h, n[1].c, n[1].gates, n[1].tc);
      for (const k of ['h', 'c', 'gates', 'tc'] as const) expect(relErr(n[0][k], n[1][k]), k).toBeLessThan(1e-5);
      const dh = view(B * H),
        dc = view(B * H);
      const dg = [new Float32Array(B * 4 * H), new Float32Array(B * 4 * H)],
        dcp = [view(B * H), view(B * H)];
      native.lstmBackward(B, H, n[1].gates, n[1].tc, c, dh, dc, dg[0], dcp[0]);
      jsBackend.lstmBackward(B, H, n[1].gates, n[1].tc, c, dh, dc, dg[1], dcp[1]);
      expect(relErr(dg[0], dg[1])).toBeLessThan(1e-5);
      expect(relErr(dcp[0], dcp[1])).toBeLessThan(1e-5);
    }
  });

  it.skipIf(skip)('selectRows, including out = a', () => {
    const B = 17,
      H = 33;
    const mask = Float32Array.from({ length: B }, (_, i) => (i % 3 === 0 ? 0 : 1));
    const a = view(B * H),
      b = view(B * H);
    const o1 = new Float32Array(B * H),
      o2 = new Float32Array(B * H);
    native.selectRows(B, H, mask, a, b, o1);
    jsBackend.selectRows(B, H, mask, a, b, o2);
    expect(Array.from(o1)).toEqual(Array.from(o2));
    const a2 = a.slice();
    native.selectRows(B, H, mask, a2, b, a2);
    expect(Array.from(a2)).toEqual(Array.from(o2));
  });

  it.skipIf(skip)('logSoftmax and softmaxCrossEntropy (smoothing 0 and 0.1, ignored rows, in place)', () => {
    for (const [M, V] of [
      [1, 1],
      [3, 17],
      [17, 1023],
      [40, 8000],
    ]) {
      const x = view(M * V, 8);
      const l1 = new Float32Array(M * V),
        l2 = new Float32Array(M * V);
      native.logSoftmax(M, V, x, l1);
      jsBackend.logSoftmax(M, V, x, l2);
      expect(relErr(l1, l2)).toBeLessThan(1e-5);
      const t = Int32Array.from({ length: M }, (_, i) => (i % 5 === 4 ? 0 : rng.int(V)));
      for (const eps of [0, 0.1]) {
        const d1 = new Float32Array(M * V),
          d2 = new Float32Array(M * V);
        const loss1 = native.softmaxCrossEntropy(M, V, x, t, 0, eps, d1);
        const loss2 = jsBackend.softmaxCrossEntropy(M, V, x, t, 0, eps, d2);
        expect(Math.abs(loss1 - loss2) / Math.max(1, Math.abs(loss2))).toBeLessThan(1e-5);
        expect(relErr(d1, d2)).toBeLessThan(1e-5);
        const inPlace = x.slice();
        const nll1 = new Float64Array(1),
          nll2 = new Float64Array(1);
        const loss3 = native.softmaxCrossEntropy(M, V, inPlace, t, 0, eps, inPlace, nll1);
        expect(loss3).toBe(loss1);
        expect(relErr(inPlace, d1)).toBe(0);
        // the unsmoothed NLL: against the TypeScript kernel and against −Σ log_softmax(x)[y]
        jsBackend.softmaxCrossEntropy(M, V, x, t, 0, eps, d2, nll2);
        let ref = 0;
        for (let r = 0; r < M; r++) if (t[r] !== 0) ref -= l2[r * V + t[r]];
        expect(Math.abs(nll1[0] - nll2[0]) / Math.max(1, Math.abs(nll2[0]))).toBeLessThan(1e-5);
        expect(Math.abs(nll1[0] - ref) / Math.max(1, Math.abs(ref))).toBeLessThan(1e-5);
        if (eps === 0) expect(Math.abs(nll1[0] - loss1) / Math.max(1, Math.abs(loss1))).toBeLessThan(1e-9);
      }
    }
    expect(() =>
      native.softmaxCrossEntropy(
        1,
        2,
        new Float32Array(2),
        new Int32Array([1]),
        0,
        0,
        new Float32Array(2),
        new Float32Array(1) as unknown as Float64Array,
      ),
    ).toThrow(/Float64Array/);
  });

  it.skipIf(skip)(
    'dropoutMask: the same mask as the TypeScript kernel (sizes across thread splits, views, p, seeds)',
    () => {
      for (const n of [1, 17, 1000, 100_003, 1_000_000])
        for (const p of [0, 0.1, 0.3, 0.5, 0.9])
          for (const [s0, s1] of [
            [0, 0],
            [1, 2],
            [0xffffffff, 0x80000000],
          ]) {
            const a = view(n),
              b = new Float32Array(n);
            native.dropoutMask(a, p, s0, s1);
            jsBackend.dropoutMask(b, p, s0, s1);
            expect(relErr(a, b)).toBe(0);
          }
      expect(() => native.dropoutMask(new Float32Array(4), 1, 1, 2)).toThrow(/p must be in \[0, 1\)/);
      expect(() => native.dropoutMask(new Float32Array(4), 0.5, -1, 2)).toThrow(/32-bit/);
    },
  );

  it.skipIf(skip)('dropoutMask from `first`: each part equals that slice of the whole mask, on both backends', () => {
    for (const k of [native, jsBackend])
      for (const [n, p] of [
        [1000, 0.3],
        [300_001, 0.5],
      ] as const) {
        const whole = new Float32Array(n);
        k.dropoutMask(whole, p, 7, 0xdeadbeef);
        // cut into parts of uneven sizes, each drawn on its own from its first element's index
        for (const cuts of [
          [0, 1, 17, n],
          [0, Math.floor(n / 3), n - 5, n],
        ]) {
          const parts = new Float32Array(n);
          for (let i = 0; i + 1 < cuts.length; i++) {
            k.dropoutMask(parts.subarray(cuts[i], cuts[i + 1]), p, 7, 0xdeadbeef, cuts[i]);
          }
          expect(relErr(parts, whole)).toBe(0);
        }
      }
    expect(() => native.dropoutMask(new Float32Array(4), 0.5, 1, 2, -1)).toThrow(/first/);
    expect(() => native.dropoutMask(new Float32Array(4), 0.5, 1, 2, 2 ** 32 - 2)).toThrow(/first/);
    expect(() => jsBackend.dropoutMask(new Float32Array(4), 0.5, 1, 2, 0.5)).toThrow(/first/);
  });

  it.skipIf(skip)('gatherRows / scatterAddRows (padding skipped), bad ids rejected', () => {
    const D = 17,
      rows = 50;
    const table = view(rows * D);
    const ids = Int32Array.from([0, 3, 49, 3, 0, 7]);
    const o1 = new Float32Array(ids.length * D),
      o2 = new Float32Array(ids.length * D);
    native.gatherRows(ids, D, table, o1);
    jsBackend.gatherRows(ids, D, table, o2);
    expect(Array.from(o1)).toEqual(Array.from(o2));
    const dOut = view(ids.length * D);
    const t1 = view(rows * D),
      t2 = t1.slice();
    native.scatterAddRows(ids, D, dOut, t1, 0);
    jsBackend.scatterAddRows(ids, D, dOut, t2, 0);
    expect(relErr(t1, t2)).toBeLessThan(1e-6);
    expect(() => native.gatherRows(Int32Array.from([50]), D, table, o1)).toThrow(/out of range/);
  });

  it.skipIf(skip)('adamStep (with and without weight decay, large enough to be threaded)', () => {
    for (const n of [...sizes, 300_000]) {
      for (const wd of [0, 0.01]) {
        const p = view(n),
          g = view(n),
          m = view(n, 0.1),
          v = rand(n).map(Math.abs);
        const s1 = [p.slice(), m.slice(), v.slice()],
          s2 = [p.slice(), m.slice(), v.slice()];
        native.adamStep(s1[0], g, s1[1], s1[2], 1e-3, 0.9, 0.999, 1e-8, 1 - 0.9 ** 3, 1 - 0.999 ** 3, wd);
        jsBackend.adamStep(s2[0], g, s2[1], s2[2], 1e-3, 0.9, 0.999, 1e-8, 1 - 0.9 ** 3, 1 - 0.999 ** 3, wd);
        for (let k = 0; k < 3; k++) expect(relErr(s1[k], s2[k])).toBeLessThan(1e-5);
      }
    }
  });

  it.skipIf(skip)(
    'sumSquares, scaleSumSquares, scale and fill on a large array: the same on 1 and 2 threads, as float64',
    () => {
      const before = native.threads();
      const n = 1_000_003;
      const x = view(n, 2);
      let want = 0;
      for (let i = 0; i < n; i++) want += x[i] * x[i];
      const got = [1, 2].map((t) => {
        native.setThreads(t);
        const y = x.slice(),
          z = x.slice();
        native.scale(0.5, z);
        const f = new Float32Array(n).fill(7);
        native.fill(f, 0);
        return { s: native.sumSquares(x), ss: native.scaleSumSquares(0.5, y), y, z, f };
      });
      native.setThreads(before);
      expect(got[1].s).toBe(got[0].s); // blocks summed in order, whatever runs them
      expect(got[1].ss).toBe(got[0].ss);
      expect(Math.abs(got[0].s - want) / want).toBeLessThan(1e-12);
      expect(got[0].ss).toBe(native.sumSquares(got[0].y));
      for (const g of got) {
        expect(g.y.every((v, i) => Object.is(v, g.z[i]))).toBe(true);
        expect(g.f.every((v) => v === 0)).toBe(true);
      }
      expect(got[0].z.every((v, i) => v === Math.fround(x[i] * 0.5))).toBe(true);
    },
  );

  it.skipIf(skip)(
    'adamStep with a gradient scale = the scaled gradient stored first; scaleSumSquares = scale, sumSquares',
    () => {
      for (const n of [...sizes, 300_000]) {
        const p = view(n),
          g = view(n, 3),
          m = view(n, 0.1),
          v = rand(n).map(Math.abs);
        for (const k of n > 100_000 ? [native] : [native, jsBackend]) {
          const a = [p.slice(), m.slice(), v.slice()],
            b = [p.slice(), m.slice(), v.slice()];
          k.adamStep(a[0], g, a[1], a[2], 1e-3, 0.9, 0.999, 1e-8, 1 - 0.9 ** 3, 1 - 0.999 ** 3, 0.01, 0.3);
          const gs = g.slice();
          k.scale(0.3, gs);
          k.adamStep(b[0], gs, b[1], b[2], 1e-3, 0.9, 0.999, 1e-8, 1 - 0.9 ** 3, 1 - 0.999 ** 3, 0.01);
          for (let i = 0; i < 3; i++) expect(a[i], `${k.name} n=${n}`).toEqual(b[i]);
          const x = g.slice(),
            y = g.slice();
          const s = k.scaleSumSquares(0.7, x);
          k.scale(0.7, y);
          expect(x).toEqual(y);
          expect(s).toBe(k.sumSquares(y));
        }
      }
    },
  );

  it.skipIf(skip)(
    'attention: additive energies and backward, dot scores and backward, masked context and backward',
    () => {
      // the last two are large enough to be split over the pool's threads (by rows b)
      for (const [S, B, D] of [
        [1, 1, 1],
        [3, 2, 17],
        [7, 5, 33],
        [14, 64, 512],
        [28, 64, 1024],
      ]) {
        const K = view(S * B * D, 2),
          q = view(B * D, 2),
          v = view(D);
        const lengths = Int32Array.from({ length: B }, (_, b) => (b === 0 ? S : 1 + rng.int(S)));
        const U = [new Float32Array(S * B * D), new Float32Array(S * B * D)],
          sc = [new Float32Array(S * B), new Float32Array(S * B)];
        native.additiveAttentionForward(S, B, D, K, q, v, U[0], sc[0]);
        jsBackend.additiveAttentionForward(S, B, D, K, q, v, U[1], sc[1]);
        expect(relErr(U[0], U[1])).toBeLessThan(1e-5);
        expect(relErr(sc[0], sc[1])).toBeLessThan(1e-5 * Math.sqrt(D));
        const ds = view(S * B);
        const dK = [view(S * B * D), null as unknown as Float32Array],
          dqp = [view(B * D), new Float32Array(B * D)],
          dv = [view(D), null as unknown as Float32Array];
        dK[1] = dK[0].slice();
        dv[1] = dv[0].slice();
        // dv sums S·B terms, in another order on native (per-chunk partial sums): check both
        // against a float64 sum, with the float32 rounding bound used for GEMM (∝ √terms)
        const dv64 = Float64Array.from(dv[0]);
        for (let r = 0; r < S * B; r++) for (let j = 0; j < D; j++) dv64[j] += ds[r] * U[1][r * D + j];
        native.additiveAttentionBackward(S, B, D, U[1], v, ds, dK[0], dqp[0], dv[0]);
        jsBackend.additiveAttentionBackward(S, B, D, U[1], v, ds, dK[1], dqp[1], dv[1]);
        expect(relErr(dK[0], dK[1])).toBeLessThan(1e-5);
        expect(relErr(dqp[0], dqp[1])).toBeLessThan(1e-5 * Math.max(1, Math.sqrt(S) / 4));
        const sumTol = 1e-5 * Math.max(1, Math.sqrt(S * B) / 4);
        expect(relErr(dv[0], dv64)).toBeLessThan(sumTol);
        expect(relErr(dv[1], dv64)).toBeLessThan(sumTol);
        expect(relErr(dv[0], dv[1])).toBeLessThan(2 * sumTol);

        native.dotAttentionScores(S, B, D, K, q, sc[0]);
        jsBackend.dotAttentionScores(S, B, D, K, q, sc[1]);
        expect(relErr(sc[0], sc[1])).toBeLessThan(1e-5 * Math.sqrt(D));
        const dq = [view(B * D), null as unknown as Float32Array],
          dK2 = [view(S * B * D), null as unknown as Float32Array];
        dq[1] = dq[0].slice();
        dK2[1] = dK2[0].slice();
        native.dotAttentionBackward(S, B, D, K, q, ds, dq[0], dK2[0]);
        jsBackend.dotAttentionBackward(S, B, D, K, q, ds, dq[1], dK2[1]);
        expect(relErr(dq[0], dq[1])).toBeLessThan(1e-5);
        expect(relErr(dK2[0], dK2[1])).toBeLessThan(1e-5);

        const M = view(S * B * D);
        const al = [new Float32Array(B * S).fill(NaN), new Float32Array(B * S)],
          ctx = [view(B * D), new Float32Array(B * D)];
        native.attentionContext(S, B, D, sc[1], lengths, M, al[0], ctx[0]);
        jsBackend.attentionContext(S, B, D, sc[1], lengths, M, al[1], ctx[1]);
        expect(relErr(al[0], al[1])).toBeLessThan(1e-5);
        expect(relErr(ctx[0], ctx[1])).toBeLessThan(1e-5);
        const dctx = view(B * D);
        const dM = [view(S * B * D), null as unknown as Float32Array],
          dsc = [view(S * B), new Float32Array(S * B)];
        dM[1] = dM[0].slice();
        native.attentionContextBackward(S, B, D, al[1], lengths, M, dctx, dM[0], dsc[0]);
        jsBackend.attentionContextBackward(S, B, D, al[1], lengths, M, dctx, dM[1], dsc[1]);
        expect(relErr(dM[0], dM[1])).toBeLessThan(1e-5);
        expect(relErr(dsc[0], dsc[1])).toBeLessThan(1e-5 * Math.sqrt(D));
      }
    },
  );

  it.skipIf(skip)(
    'attention kernels with rows < B: rows b < rows as with all B, every output of the other rows untouched',
    () => {
      for (const [S, B, D, nb] of [
        [3, 2, 17, 1],
        [7, 5, 33, 3],
        [14, 64, 512, 40],
        [20, 64, 1024, 40],
      ]) {
        const K = view(S * B * D, 2),
          q = view(B * D, 2),
          v = view(D),
          M = view(S * B * D);
        const lengths = Int32Array.from({ length: B }, (_, b) => (b === 0 ? S : 1 + rng.int(S)));
        // outputs of rows b ≥ nb keep the sentinel; rows b < nb equal the all-rows result
        const sentinel = 12345;
        const fillAll = (n: number) => new Float32Array(n).fill(sentinel);
        const rowOf = (i: number, width: number, layoutSB: boolean) =>
          layoutSB ? Math.floor(i / width) % B : Math.floor(i / width);
        const check = (part: Float32Array, full: Float32Array, width: number, layoutSB: boolean, what: string) => {
          let touched = 0,
            worst = 0;
          for (let i = 0; i < part.length; i++) {
            if (rowOf(i, width, layoutSB) >= nb) touched += part[i] === sentinel ? 0 : 1;
            else worst = Math.max(worst, Math.abs(part[i] - full[i]) / Math.max(1, Math.abs(full[i])));
          }
          expect(touched, `${what}: entries of rows ≥ ${nb} changed`).toBe(0);
          expect(worst, what).toBeLessThan(1e-6);
        };
        for (const k of [native, jsBackend]) {
          const Uf = new Float32Array(S * B * D),
            scf = new Float32Array(S * B);
          k.additiveAttentionForward(S, B, D, K, q, v, Uf, scf);
          const Up = fillAll(S * B * D),
            scp = fillAll(S * B);
          k.additiveAttentionForward(S, B, D, K, q, v, Up, scp, nb);
          check(Up, Uf, D, true, 'U');
          check(scp, scf, 1, true, 'scores');
          const ds = view(S * B);
          const dKf = new Float32Array(S * B * D),
            dqf = new Float32Array(B * D),
            dvf = new Float32Array(D);
          const dsNb = ds.slice();
          for (let i = 0; i < S * B; i++) if (i % B >= nb) dsNb[i] = 0; // the other rows' share of dv
          k.additiveAttentionBackward(S, B, D, Uf, v, dsNb, dKf, dqf, dvf);
          const dKp = fillAll(S * B * D),
            dqp = fillAll(B * D),
            dvp = new Float32Array(D);
          for (let i = 0; i < S * B; i++) if (i % B < nb) dKp.fill(0, i * D, (i + 1) * D);
          k.additiveAttentionBackward(S, B, D, Uf, v, ds, dKp, dqp, dvp, nb);
          check(dKp, dKf, D, true, 'dK');
          check(dqp, dqf, D, false, 'dqp');
          expect(relErr(dvp, dvf)).toBeLessThan(1e-5 * Math.max(1, Math.sqrt(S * nb) / 4));
          const alf = new Float32Array(B * S),
            ctxf = new Float32Array(B * D);
          k.attentionContext(S, B, D, scf, lengths, M, alf, ctxf);
          const alp = fillAll(B * S),
            ctxp = fillAll(B * D);
          k.attentionContext(S, B, D, scf, lengths, M, alp, ctxp, nb);
          check(alp, alf, S, false, 'alpha');
          check(ctxp, ctxf, D, false, 'ctx');
          const dctx = view(B * D);
          const dMf = new Float32Array(S * B * D),
            dscf = new Float32Array(S * B);
          k.attentionContextBackward(S, B, D, alf, lengths, M, dctx, dMf, dscf);
          const dMp = fillAll(S * B * D),
            dscp = fillAll(S * B);
          for (let i = 0; i < S * B; i++) if (i % B < nb) dMp.fill(0, i * D, (i + 1) * D);
          k.attentionContextBackward(S, B, D, alf, lengths, M, dctx, dMp, dscp, nb);
          check(dMp, dMf, D, true, 'dM');
          check(dscp, dscf, 1, true, 'dscores');
          const scdf = new Float32Array(S * B);
          k.dotAttentionScores(S, B, D, K, q, scdf);
          const scdp = fillAll(S * B);
          // per-row arrays of only nb rows (a decoder step's rows of a packed batch)
          k.dotAttentionScores(S, B, D, K, q.slice(0, nb * D), scdp, nb);
          check(scdp, scdf, 1, true, 'dot scores');
          const dqdf = new Float32Array(B * D),
            dKdf = new Float32Array(S * B * D);
          k.dotAttentionBackward(S, B, D, K, q, dsNb, dqdf, dKdf);
          const dqdp = new Float32Array(nb * D),
            dKdp = fillAll(S * B * D);
          for (let i = 0; i < S * B; i++) if (i % B < nb) dKdp.fill(0, i * D, (i + 1) * D);
          k.dotAttentionBackward(S, B, D, K, q.slice(0, nb * D), ds, dqdp, dKdp, nb);
          check(dKdp, dKdf, D, true, 'dot dK');
          check(dqdp, dqdf.subarray(0, nb * D), D, false, 'dot dq');
          // and the other kernels' per-row arrays may have only nb rows too
          const ctxn = new Float32Array(nb * D),
            aln = new Float32Array(nb * S);
          k.attentionContext(S, B, D, scf, lengths, M, aln, ctxn, nb);
          check(ctxn, ctxf.subarray(0, nb * D), D, false, 'ctx of nb rows');
          check(aln, alf.subarray(0, nb * S), S, false, 'alpha of nb rows');
          const qpn = new Float32Array(nb * D),
            Un = fillAll(S * B * D);
          k.additiveAttentionForward(S, B, D, K, q.slice(0, nb * D), v, Un, new Float32Array(S * B), nb);
          check(Un, Uf, D, true, 'U from nb query rows');
          k.additiveAttentionBackward(S, B, D, Uf, v, ds, new Float32Array(S * B * D), qpn, new Float32Array(D), nb);
          check(qpn, dqf.subarray(0, nb * D), D, false, 'dqp of nb rows');
        }
      }
      expect(() =>
        native.attentionContext(
          2,
          2,
          3,
          new Float32Array(4),
          Int32Array.from([2, 2]),
          new Float32Array(12),
          new Float32Array(4),
          new Float32Array(6),
          3,
        ),
      ).toThrow(/rows must be at most B/);
    },
  );

  it.skipIf(skip)(
    "attentionScoreGrad = attentionContextBackward's dscores (+ a second memory); attentionMemoryGrad = its dM summed over steps",
    () => {
      for (const [S, B, C, W, lens] of [
        [4, 3, 17, 5, [3, 3, 1]],
        [14, 64, 512, 768, null],
      ] as const) {
        const T = lens ? lens.length : 9;
        const tgt = lens ?? Array.from({ length: B }, (_, b) => (b < 3 ? T : 1 + rng.int(T)));
        const steps = PackedSteps.ofLengths(Int32Array.from(tgt).sort().reverse(), T);
        const N = steps.rows;
        const lengths = Int32Array.from({ length: B }, (_, b) => (b === 0 ? S : 1 + rng.int(S)));
        const M = view(S * B * C),
          V = view(S * B * W),
          dctx = view(N * C),
          dOut = view(N * W);
        const alphas = new Float32Array(N * S);
        for (let t = 0; t < T; t++) {
          const n = steps.count[t];
          native.attentionContext(S, B, C, view(S * B), lengths, M, steps.at(alphas, t, S), new Float32Array(n * C), n);
        }
        for (const k of [native, jsBackend]) {
          // per step: the score gradient of both contexts against the sum of two context backwards
          const dMwant = new Float32Array(S * B * C),
            dVwant = new Float32Array(S * B * W);
          for (let t = 0; t < T; t++) {
            const n = steps.count[t];
            const al = steps.at(alphas, t, S);
            const [ds1, ds2, got] = [
              new Float32Array(S * B),
              new Float32Array(S * B),
              new Float32Array(S * B).fill(NaN),
            ];
            k.attentionContextBackward(S, B, C, al, lengths, M, steps.at(dctx, t, C), dMwant, ds1, n);
            k.attentionContextBackward(S, B, W, al, lengths, V, steps.at(dOut, t, W), dVwant, ds2, n);
            k.attentionScoreGrad(S, B, C, al, lengths, M, steps.at(dctx, t, C), got, n, W, V, steps.at(dOut, t, W));
            for (let i = 0; i < S * B; i++) if (i % B >= n) ds1[i] = ds2[i] = NaN; // rows ≥ n: not written
            const want = ds1.map((x, i) => x + ds2[i]);
            expect(
              relErr(
                got.filter((x) => !Number.isNaN(x)),
                want.filter((x) => !Number.isNaN(x)),
              ),
              `${k.name} t=${t}`,
            ).toBeLessThan(1e-5);
            const one = new Float32Array(S * B).fill(NaN);
            k.attentionScoreGrad(S, B, C, al, lengths, M, steps.at(dctx, t, C), one, n);
            expect(
              relErr(
                one.filter((x) => !Number.isNaN(x)),
                ds1.filter((x) => !Number.isNaN(x)),
              ),
            ).toBeLessThan(1e-6);
          }
          // after the steps: every step's dM at once
          const dM = new Float32Array(S * B * C);
          k.attentionMemoryGrad(S, B, C, steps.count, steps.offset, lengths, alphas, dctx, dM);
          expect(relErr(dM, dMwant), k.name).toBeLessThan(1e-5);
        }
      }
      const bad = Int32Array.from([2, 3]);
      const z = (n: number) => new Float32Array(n);
      expect(() =>
        native.attentionMemoryGrad(
          2,
          3,
          1,
          bad,
          Int32Array.from([0, 2, 5]),
          Int32Array.from([2, 2, 2]),
          z(10),
          z(5),
          z(6),
        ),
      ).toThrow(/non-increasing/);
    },
  );

  it.skipIf(skip)(
    'additiveAttentionForward with lengths: real positions as without, padding untouched, the same context and gradients',
    () => {
      for (const [S, B, D, nb] of [
        [5, 3, 17, 3],
        [14, 64, 512, 40],
      ]) {
        const K = view(S * B * D, 2),
          q = view(B * D, 2),
          v = view(D),
          M = view(S * B * D),
          dctx = view(nb * D);
        const lengths = Int32Array.from({ length: B }, (_, b) => (b === 1 ? S : 1 + rng.int(S)));
        const sentinel = 12345;
        for (const k of [native, jsBackend]) {
          const Uf = new Float32Array(S * B * D),
            scf = new Float32Array(S * B);
          k.additiveAttentionForward(S, B, D, K, q, v, Uf, scf, nb);
          const Um = new Float32Array(S * B * D).fill(sentinel),
            scm = new Float32Array(S * B).fill(sentinel);
          k.additiveAttentionForward(S, B, D, K, q, v, Um, scm, nb, lengths);
          let wrong = 0;
          for (let s = 0; s < S; s++)
            for (let b = 0; b < B; b++) {
              const r = s * B + b;
              const real = b < nb && s < lengths[b];
              if (real ? !Object.is(scm[r], scf[r]) : scm[r] !== sentinel) wrong++;
              for (let j = 0; j < D; j++)
                if (real ? !Object.is(Um[r * D + j], Uf[r * D + j]) : Um[r * D + j] !== sentinel) wrong++;
            }
          expect(wrong, `${k.name} S=${S} B=${B}: entries computed at padding or differing at real positions`).toBe(0);
          // the softmax reads real positions only, and their score gradient is 0 at padding: the same results
          const run = (U: Float32Array, sc: Float32Array) => {
            const al = new Float32Array(nb * S),
              ctx = new Float32Array(nb * D),
              ds = new Float32Array(S * B);
            k.attentionContext(S, B, D, sc, lengths, M, al, ctx, nb);
            k.attentionContextBackward(S, B, D, al, lengths, M, dctx, new Float32Array(S * B * D), ds, nb);
            const dK = new Float32Array(S * B * D),
              dqp = new Float32Array(nb * D),
              dv = new Float32Array(D);
            k.additiveAttentionBackward(S, B, D, U, v, ds, dK, dqp, dv, nb);
            return [ctx, dK, dqp, dv];
          };
          const full = run(Uf, scf),
            masked = run(Um, scm);
          full.forEach((x, i) => expect(masked[i], `${k.name} output ${i}`).toEqual(x));
        }
      }
    },
  );
});
