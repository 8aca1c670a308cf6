/**
 * The attention kernels of the TypeScript backend against their definitions (plain Math, written
 * here) and their backward passes against float64 central finite differences.
 */
import { describe, expect, it } from 'vitest';
import { jsBackend as K } from '../../src/tensor/js-backend.js';
import { Rng } from '../../src/util/rng.js';

const rng = new Rng(5);
const rand = (n: number) => Float64Array.from({ length: n }, () => rng.uniform(-1, 1)) as unknown as Float32Array;
const f64 = (n: number) => new Float64Array(n) as unknown as Float32Array;
const S = 3,
  B = 2,
  A = 4,
  C = 5;
const lengths = new Int32Array([3, 2]);

function fdCheck(x: Float32Array, analytic: ArrayLike<number>, loss: () => number): number {
  let worst = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    x[i] = v + 1e-6;
    const lp = loss();
    x[i] = v - 1e-6;
    const lm = loss();
    x[i] = v;
    const num = (lp - lm) / 2e-6;
    worst = Math.max(worst, Math.abs(num - analytic[i]) / Math.max(1e-3, Math.abs(num)));
  }
  return worst;
}

describe('attention kernels', () => {
  it('additive forward = v · tanh(K + qp) and its backward matches finite differences', () => {
    const Kk = rand(S * B * A),
      qp = rand(B * A),
      v = rand(A),
      U = f64(S * B * A),
      sc = f64(S * B),
      w = rand(S * B);
    K.additiveAttentionForward(S, B, A, Kk, qp, v, U, sc);
    for (let s = 0; s < S; s++)
      for (let b = 0; b < B; b++) {
        let e = 0;
        for (let j = 0; j < A; j++) e += v[j] * Math.tanh(Kk[(s * B + b) * A + j] + qp[b * A + j]);
        expect(sc[s * B + b]).toBeCloseTo(e, 12);
      }
    const loss = () => {
      K.additiveAttentionForward(S, B, A, Kk, qp, v, U, sc);
      return sc.reduce((a, x, i) => a + x * w[i], 0);
    };
    loss();
    const dK = f64(S * B * A),
      dqp = rand(B * A),
      dv = f64(A);
    K.additiveAttentionBackward(S, B, A, U, v, w, dK, dqp, dv);
    expect(fdCheck(Kk, Float64Array.from(dK), loss)).toBeLessThan(1e-7);
    expect(fdCheck(qp, Float64Array.from(dqp), loss)).toBeLessThan(1e-7);
    expect(fdCheck(v, Float64Array.from(dv), loss)).toBeLessThan(1e-7);
  });

  it('dot scores and their backward', () => {
    const Kk = rand(S * B * C),
      q = rand(B * C),
      sc = f64(S * B),
      w = rand(S * B);
    K.dotAttentionScores(S, B, C, Kk, q, sc);
    let e = 0;
    for (let j = 0; j < C; j++) e += q[C + j] * Kk[(2 * B + 1) * C + j];
    expect(sc[2 * B + 1]).toBeCloseTo(e, 12);
    const loss = () => {
      K.dotAttentionScores(S, B, C, Kk, q, sc);
      return sc.reduce((a, x, i) => a + x * w[i], 0);
    };
    const dq = f64(B * C),
      dK = f64(S * B * C);
    K.dotAttentionBackward(S, B, C, Kk, q, w, dq, dK);
    expect(fdCheck(q, Float64Array.from(dq), loss)).toBeLessThan(1e-7);
    expect(fdCheck(Kk, Float64Array.from(dK), loss)).toBeLessThan(1e-7);
  });

  it('masked softmax + context by hand, and its backward', () => {
    const sc = rand(S * B),
      M = rand(S * B * C),
      alpha = f64(B * S),
      ctx = f64(B * C),
      w = rand(B * C);
    K.attentionContext(S, B, C, sc, lengths, M, alpha, ctx);
    // row 1 has length 2: softmax over s = 0, 1 only
    const z = Math.exp(sc[1]) + Math.exp(sc[B + 1]);
    expect(alpha[S + 0]).toBeCloseTo(Math.exp(sc[1]) / z, 12);
    expect(alpha[S + 2]).toBe(0);
    for (let j = 0; j < C; j++)
      expect(ctx[C + j]).toBeCloseTo(alpha[S] * M[(0 * B + 1) * C + j] + alpha[S + 1] * M[(1 * B + 1) * C + j], 12);
    const loss = () => {
      K.attentionContext(S, B, C, sc, lengths, M, alpha, ctx);
      return ctx.reduce((a, x, i) => a + x * w[i], 0);
    };
    loss();
    const dM = f64(S * B * C),
      ds = rand(S * B);
    K.attentionContextBackward(S, B, C, alpha, lengths, M, w, dM, ds);
    expect(ds[2 * B + 1]).toBe(0);
    expect(fdCheck(sc, Float64Array.from(ds), loss)).toBeLessThan(1e-7);
    expect(fdCheck(M, Float64Array.from(dM), loss)).toBeLessThan(1e-7);
  });
});
