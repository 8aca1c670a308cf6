/**
 * The TypeScript reference of the low-precision output-layer kernels (semantics in ./backend.ts):
 * per-row symmetric int8 (C = sx_i · s_j · Σ_k xq[i,k] q[j,k] + b_j, integer sums exact) and bfloat16
 * (C = Σ_k bf16(x_k) · w_k + b_j, float32 sums). Quantization is the native code's to the bit (float32
 * division, rounding half to even); the float epilogue may differ from the native one in the last bit.
 */
import type { Backend } from './backend.js';
import { bf16Index, bf16PackedSize, int8Index, int8PackedSize } from './low-precision-layout.js';

/** Rounds to the nearest integer, halves to even (lrintf's default). */
function roundHalfEven(v: number): number {
  const r = Math.round(v); // halves go up
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** s = max|x| / 127 over x[off, off + K) (float32; 1 for a zero row). */
function rowScale(x: Float32Array, off: number, K: number): number {
  let m = 0;
  for (let k = 0; k < K; k++) m = Math.max(m, Math.abs(x[off + k]));
  return m > 0 ? Math.fround(m / 127) : 1;
}

/** round(v / s) to nearest even (float32 division), clamped to ±127. */
const quantize = (v: number, s: number): number => Math.max(-127, Math.min(127, roundHalfEven(Math.fround(v / s))));

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** float32 → bfloat16 bits, round to nearest even; NaN stays a (quiet) NaN. */
export function toBf16(x: number): number {
  f32[0] = x;
  const u = u32[0];
  if ((u & 0x7fffffff) > 0x7f800000) return ((u >>> 16) | 0x40) & 0xffff;
  return ((u + 0x7fff + ((u >>> 16) & 1)) >>> 16) & 0xffff;
}

/** bfloat16 bits → the float32 (exact). */
export function fromBf16(h: number): number {
  u32[0] = h << 16;
  return f32[0];
}

export const jsLowPrecision: Pick<Backend, 'quantizeInt8' | 'gemmInt8' | 'packBf16' | 'gemmBf16'> = {
  quantizeInt8(N, K, W, q, scales, rowSums) {
    q.fill(0, 0, int8PackedSize(N, K));
    for (let j = 0; j < N; j++) {
      const s = rowScale(W, j * K, K);
      let sum = 0;
      for (let k = 0; k < K; k++) {
        const v = quantize(W[j * K + k], s);
        q[int8Index(K, j, k)] = v;
        sum += v;
      }
      scales[j] = s;
      rowSums[j] = sum;
    }
  },

  gemmInt8(M, N, K, X, q, scales, _rowSums, bias, C) {
    const xq = new Int8Array(K);
    for (let i = 0; i < M; i++) {
      const sx = rowScale(X, i * K, K);
      for (let k = 0; k < K; k++) xq[k] = quantize(X[i * K + k], sx);
      for (let j = 0; j < N; j++) {
        let dot = 0;
        for (let k = 0; k < K; k++) dot += xq[k] * q[int8Index(K, j, k)];
        C[i * N + j] = Math.fround(dot) * Math.fround(sx * scales[j]) + (bias ? bias[j] : 0);
      }
    }
  },

  packBf16(N, K, W, out) {
    out.fill(0, 0, bf16PackedSize(N, K));
    for (let j = 0; j < N; j++) for (let k = 0; k < K; k++) out[bf16Index(K, j, k)] = toBf16(W[j * K + k]);
  },

  gemmBf16(M, N, K, X, Wb, bias, C) {
    const xb = new Float32Array(K);
    for (let i = 0; i < M; i++) {
      for (let k = 0; k < K; k++) xb[k] = fromBf16(toBf16(X[i * K + k]));
      for (let j = 0; j < N; j++) {
        let s = 0;
        for (let k = 0; k < K; k++) s = Math.fround(s + xb[k] * fromBf16(Wb[bf16Index(K, j, k)]));
        C[i * N + j] = Math.fround(s + (bias ? bias[j] : 0));
      }
    }
  },
};
