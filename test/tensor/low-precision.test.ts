/**
 * The int8 and bf16 output-layer products (C = X·Wᵀ + b), on the TypeScript backend and the native one, against
 * a float64 product of the unquantized matrices, within tolerances derived from the quantization error:
 *
 * int8, per-row scales s_j = max|W_j| / 127 and sx_i = max|X_i| / 127: each weight is off by at most s_j / 2 and
 *   each input by at most sx_i / 2, so |C − C_exact| ≤ (s_j/2)·‖X_i‖₁ + (sx_i/2)·‖W_j‖₁ + K·sx_i·s_j/4; plus the
 *   float32 epilogue (a few roundings of C itself: 4·2⁻²⁴·(|C| + Σ_k|X_ik W_jk|)).
 * bf16, 8 significant bits, round to nearest: each factor is off by at most 2⁻⁹ relatively, so each exact
 *   product by |X_ik W_jk|·(2⁻⁸ + 2⁻¹⁸), and a float32 sum of K terms adds at most K·2⁻²⁴·Σ|terms|:
 *   |C − C_exact| ≤ Σ_k |X_ik W_jk| · (2⁻⁸ + 2⁻¹⁸ + (K + 2)·2⁻²⁴).
 * Plus hand-computed cases of the rounding rules, and the native VNNI / AVX512-BF16 paths against the portable
 * C loops (int8: equal to the bit, the integer sums being exact; bf16: both within the bound).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Backend } from '../../src/tensor/backend.js';
import { createNativeBackend } from '../../src/tensor/index.js';
import { jsBackend } from '../../src/tensor/js-backend.js';
import { fromBf16, toBf16 } from '../../src/tensor/js-low-precision.js';
import { bf16Index, bf16PackedSize, int8Index, int8PackedSize } from '../../src/tensor/low-precision-layout.js';
import { loadNative } from '../../src/tensor/native.js';
import { Rng } from '../../src/util/rng.js';

const load = loadNative();
const native = createNativeBackend();
const backends: [string, Backend | null, string][] = [
  ['TypeScript', jsBackend, ''],
  ['native', native, native ? '' : ` (skipped: ${load.error})`],
];
const rng = new Rng(5);
const rand = (n: number, scale = 1) => Float32Array.from({ length: n }, () => (rng.next() * 2 - 1) * scale);

/** C_exact (float64), Σ_k |X_ik W_jk|, ‖X_i‖₁, ‖W_j‖₁, max|X_i|, max|W_j| */
function exact(M: number, N: number, K: number, X: Float32Array, W: Float32Array, bias: Float32Array | null) {
  const C = new Float64Array(M * N),
    absSum = new Float64Array(M * N);
  const l1 = (a: Float32Array, o: number) => a.subarray(o, o + K).reduce((s, v) => s + Math.abs(v), 0);
  const mx = (a: Float32Array, o: number) => a.subarray(o, o + K).reduce((s, v) => Math.max(s, Math.abs(v)), 0);
  for (let i = 0; i < M; i++)
    for (let j = 0; j < N; j++) {
      let s = 0,
        a = 0;
      for (let k = 0; k < K; k++) {
        s += X[i * K + k] * W[j * K + k];
        a += Math.abs(X[i * K + k] * W[j * K + k]);
      }
      C[i * N + j] = s + (bias ? bias[j] : 0);
      absSum[i * N + j] = a;
    }
  return {
    C,
    absSum,
    xl1: Array.from({ length: M }, (_, i) => l1(X, i * K)),
    wl1: Array.from({ length: N }, (_, j) => l1(W, j * K)),
    xmax: Array.from({ length: M }, (_, i) => mx(X, i * K)),
    wmax: Array.from({ length: N }, (_, j) => mx(W, j * K)),
  };
}

function int8Product(
  k: Backend,
  M: number,
  N: number,
  K: number,
  X: Float32Array,
  W: Float32Array,
  bias: Float32Array | null,
) {
  const q = new Int8Array(int8PackedSize(N, K)),
    scales = new Float32Array(N),
    rowSums = new Int32Array(N);
  k.quantizeInt8(N, K, W, q, scales, rowSums);
  const C = new Float32Array(M * N);
  k.gemmInt8(M, N, K, X, q, scales, rowSums, bias, C);
  return { C, q, scales, rowSums };
}

function bf16Product(
  k: Backend,
  M: number,
  N: number,
  K: number,
  X: Float32Array,
  W: Float32Array,
  bias: Float32Array | null,
) {
  const Wb = new Uint16Array(bf16PackedSize(N, K));
  k.packBf16(N, K, W, Wb);
  const C = new Float32Array(M * N);
  k.gemmBf16(M, N, K, X, Wb, bias, C);
  return C;
}

const shapes: [number, number, number][] = [
  [1, 8, 64],
  [5, 37, 100],
  [4, 64, 512],
  [9, 300, 33],
  [1, 1000, 512],
  [70, 260, 130],
];

for (const [name, k, why] of backends) {
  describe(`int8 product (per-row scales), ${name} backend${why}`, () => {
    it.skipIf(!k)('hand-computed: scales, rounding half to even, the integer sum scaled back', () => {
      // W row 0: max 127 → s = 1, q = [127, −64 (−63.5 to even)]; row 1: max 2 → s = 2/127, 0.5·127/2 = 31.75 → 32
      const W = Float32Array.from([127, -63.5, 0.5, 2]);
      // X: max 2 → sx = 2/127; 2 → 127, 1 → 63.5 → 64
      const X = Float32Array.from([2, 1]);
      const { C, q, scales, rowSums } = int8Product(k!, 1, 2, 2, X, W, Float32Array.from([0.5, 0]));
      expect([
        int8Index(2, 0, 0),
        int8Index(2, 0, 1),
        int8Index(2, 1, 0),
        int8Index(2, 1, 1),
        int8Index(5, 64, 4),
      ]).toEqual([0, 1, 4, 5, 768]);
      expect(Array.from(q.subarray(0, 8))).toEqual([127, -64, 0, 0, 32, 127, 0, 0]);
      expect(q.length).toBe(4 * 64);
      expect(Array.from(q.subarray(8)).every((v) => v === 0)).toBe(true);
      expect(scales[0]).toBe(1);
      expect(scales[1]).toBe(Math.fround(2 / 127));
      expect(Array.from(rowSums)).toEqual([63, 159]);
      // C0 = (127·127 − 64·64)·(2/127)·1 + 0.5 = 12033·2/127 + 0.5 (exact 190.5 + 0.5); C1 = (127·32 + 64·127)·(2/127)²
      expect(C[0]).toBeCloseTo((12033 * 2) / 127 + 0.5, 3);
      expect(C[1]).toBeCloseTo(((127 * 32 + 64 * 127) * 4) / (127 * 127), 4);
    });

    for (const [M, N, K] of shapes)
      it.skipIf(!k)(`${M}×${K}×${N}: within the quantization bound of the float64 product`, () => {
        const X = rand(M * K, 3),
          W = rand(N * K, 0.2),
          bias = rand(N);
        X[0] = 0; // a zero entry and (below, for M > 1) a zero row
        if (M > 1) X.fill(0, K, 2 * K);
        const { C } = int8Product(k!, M, N, K, X, W, bias);
        const e = exact(M, N, K, X, W, bias);
        let worst = 0,
          maxErr = 0;
        for (let i = 0; i < M; i++)
          for (let j = 0; j < N; j++) {
            const sx = e.xmax[i] / 127,
              sw = e.wmax[j] / 127;
            const bound =
              (sw / 2) * e.xl1[i] +
              (sx / 2) * e.wl1[j] +
              (K * sx * sw) / 4 +
              4 * 2 ** -24 * (Math.abs(e.C[i * N + j]) + e.absSum[i * N + j]);
            const err = Math.abs(C[i * N + j] - e.C[i * N + j]);
            worst = Math.max(worst, err / bound);
            maxErr = Math.max(maxErr, err);
          }
        expect(worst).toBeLessThanOrEqual(1);
        expect(maxErr).toBeGreaterThan(0); // it is quantized: not the float32 product by accident
      });
  });

  describe(`bf16 product, ${name} backend${why}`, () => {
    it.skipIf(!k)('packBf16: round to nearest even, specials kept, rows padded with zeros', () => {
      const f = (bits: number) => new Float32Array(new Uint32Array([bits]).buffer)[0];
      // 1, 1 + 2⁻⁸ (a tie: to even 1), 1 + 3·2⁻⁸ (a tie: to even 1 + 2⁻⁶), just above a tie, −0, ∞, NaN, 65504
      const W = Float32Array.from([1, f(0x3f808000), f(0x3f818000), f(0x3f808001), -0, Infinity, NaN, 65504]);
      const out = new Uint16Array(bf16PackedSize(1, 8));
      out.fill(0xffff);
      k!.packBf16(1, 8, W, out);
      const at = (k: number) => out[bf16Index(8, 0, k)];
      expect([0, 1, 2, 3, 4, 5].map(at)).toEqual([0x3f80, 0x3f80, 0x3f82, 0x3f81, 0x8000, 0x7f80]);
      expect(Number.isNaN(fromBf16(at(6)))).toBe(true);
      expect(fromBf16(at(7))).toBe(65536); // 65504 = 1.9990234375·2¹⁵ rounds up to 2¹⁶
      // column 0 of each pair holds the 8 values (none is +0), the 63 padding columns are zeros
      expect(out.filter((v) => v !== 0).length).toBe(8);
      expect(toBf16(fromBf16(0x3f82))).toBe(0x3f82);
    });

    for (const [M, N, K] of shapes)
      it.skipIf(!k)(`${M}×${K}×${N}: within the bf16 rounding bound of the float64 product`, () => {
        const X = rand(M * K, 3),
          W = rand(N * K, 0.2),
          bias = rand(N);
        const C = bf16Product(k!, M, N, K, X, W, bias);
        const e = exact(M, N, K, X, W, bias);
        let worst = 0;
        for (let i = 0; i < M * N; i++) {
          const bound = e.absSum[i] * (2 ** -8 + 2 ** -18 + (K + 2) * 2 ** -24) + 2 ** -24 * Math.abs(e.C[i]);
          worst = Math.max(worst, Math.abs(C[i] - e.C[i]) / bound);
        }
        expect(worst).toBeLessThanOrEqual(1);
      });
  });
}

describe(`native VNNI / AVX512-BF16 against the portable C loops${native ? '' : ' (skipped: no native addon)'}`, () => {
  afterEach(() => load.addon?.forcePortableLowPrecision?.(false));

  it.skipIf(!native)(
    `int8: the same bits (exact integer sums); paths here: ${load.addon?.lowPrecisionPaths?.() ?? '-'}`,
    () => {
      for (const [M, N, K] of [...shapes, [16, 4000, 512] as [number, number, number]]) {
        const X = rand(M * K, 2),
          W = rand(N * K, 0.1),
          bias = rand(N);
        const fast = int8Product(native!, M, N, K, X, W, bias).C;
        load.addon!.forcePortableLowPrecision!(true);
        const portable = int8Product(native!, M, N, K, X, W, bias).C;
        load.addon!.forcePortableLowPrecision!(false);
        expect(fast, `${M}×${K}×${N}`).toEqual(portable);
        // and the TypeScript reference's integer sums give the same values to float32 rounding
        if (M * N * K <= 1e6) {
          const js = int8Product(jsBackend, M, N, K, X, W, bias).C;
          for (let i = 0; i < M * N; i++)
            expect(Math.abs(js[i] - fast[i])).toBeLessThanOrEqual(2 ** -22 * (Math.abs(fast[i]) + 1));
        }
      }
    },
  );

  it.skipIf(!native)('bf16: both paths within the bound, the same packed weights as the TypeScript backend', () => {
    const [M, N, K] = [5, 300, 512];
    const X = rand(M * K, 3),
      W = rand(N * K, 0.2);
    const nb = new Uint16Array(bf16PackedSize(N, K)),
      jb = new Uint16Array(bf16PackedSize(N, K));
    native!.packBf16(N, K, W, nb);
    jsBackend.packBf16(N, K, W, jb);
    expect(nb).toEqual(jb);
    const e = exact(M, N, K, X, W, null);
    for (const portable of [false, true]) {
      load.addon!.forcePortableLowPrecision!(portable);
      const C = bf16Product(native!, M, N, K, X, W, null);
      for (let i = 0; i < M * N; i++) {
        const bound = e.absSum[i] * (2 ** -8 + 2 ** -18 + (K + 2) * 2 ** -24) + 2 ** -24 * Math.abs(e.C[i]);
        expect(Math.abs(C[i] - e.C[i]), `portable=${portable} i=${i}`).toBeLessThanOrEqual(bound);
      }
    }
  });

  it.skipIf(!native)('K = 0 gives the bias; too-short packed weights are a RangeError', () => {
    const C = new Float32Array(6);
    native!.gemmInt8(
      2,
      3,
      0,
      new Float32Array(0),
      new Int8Array(0),
      new Float32Array(3),
      new Int32Array(3),
      Float32Array.from([1, 2, 3]),
      C,
    );
    expect(Array.from(C)).toEqual([1, 2, 3, 1, 2, 3]);
    expect(() =>
      native!.gemmInt8(
        1,
        2,
        10,
        new Float32Array(10),
        new Int8Array(64),
        new Float32Array(2),
        new Int32Array(2),
        null,
        new Float32Array(2),
      ),
    ).toThrow(/q has 64 elements, needs 768/);
    expect(() =>
      native!.gemmBf16(1, 2, 10, new Float32Array(10), new Uint16Array(32), null, new Float32Array(2)),
    ).toThrow(/Wb has 32 elements, needs 640/);
  });
});
