import { describe, expect, it } from 'vitest';
import { jsBackend as K } from '../../src/tensor/js-backend.js';
import { Rng } from '../../src/util/rng.js';

const rng = new Rng(11);
const rand = (n: number) => Float32Array.from({ length: n }, () => rng.uniform(-1, 1));
const sig = (x: number) => 1 / (1 + Math.exp(-x));

/** Naive triple loop straight from the definition C = αop(A)op(B) + βC. */
function naiveGemm(
  tA: boolean,
  tB: boolean,
  M: number,
  N: number,
  K_: number,
  alpha: number,
  A: Float32Array,
  B: Float32Array,
  beta: number,
  C: Float32Array,
): Float64Array {
  const out = new Float64Array(M * N);
  for (let i = 0; i < M; i++)
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < K_; k++) s += (tA ? A[k * M + i] : A[i * K_ + k]) * (tB ? B[j * K_ + k] : B[k * N + j]);
      out[i * N + j] = alpha * s + (beta === 0 ? 0 : beta * C[i * N + j]);
    }
  return out;
}

describe('jsBackend', () => {
  it('gemm matches the definition for all transposes, alpha/beta, odd sizes', () => {
    for (const [M, N, Kd] of [
      [1, 1, 1],
      [3, 17, 5],
      [17, 3, 1],
      [4, 9, 23],
    ]) {
      for (const tA of [false, true])
        for (const tB of [false, true])
          for (const [alpha, beta] of [
            [1, 0],
            [0.5, 1],
            [-2, 0.25],
          ]) {
            const A = rand(M * Kd),
              B = rand(Kd * N),
              C = rand(M * N);
            const expected = naiveGemm(tA, tB, M, N, Kd, alpha, A, B, beta, C);
            K.gemm(tA, tB, M, N, Kd, alpha, A, B, beta, C);
            for (let i = 0; i < M * N; i++) expect(C[i]).toBeCloseTo(expected[i], 5);
          }
    }
  });

  it('gemm with beta = 0 overwrites NaN', () => {
    const C = new Float32Array([NaN, NaN]);
    K.gemm(false, false, 1, 2, 1, 1, new Float32Array([2]), new Float32Array([3, 4]), 0, C);
    expect(Array.from(C)).toEqual([6, 8]);
  });

  it('GRU step matches the formulas written out by hand (B=1, H=2)', () => {
    const gi = new Float32Array([0.1, -0.2, 0.3, 0.4, -0.5, 0.6]);
    const gh = new Float32Array([0.05, 0.1, -0.15, 0.2, 0.25, -0.3]);
    const h = new Float32Array([0.5, -0.5]);
    const hNew = new Float32Array(2),
      gates = new Float32Array(6);
    K.gruForward(1, 2, gi, gh, h, hNew, gates);
    for (let j = 0; j < 2; j++) {
      const r = sig(gi[j] + gh[j]),
        z = sig(gi[2 + j] + gh[2 + j]);
      const n = Math.tanh(gi[4 + j] + r * gh[4 + j]);
      expect(hNew[j]).toBeCloseTo((1 - z) * n + z * h[j], 6);
    }
  });

  it('GRU and LSTM backward match finite differences of their forward', () => {
    const B = 2,
      H = 3;
    const gi = rand(B * 3 * H),
      gh = rand(B * 3 * H),
      h = rand(B * H),
      w = rand(B * H);
    // scalar objective L = Σ w ⊙ h'
    const gruLoss = (gi_: Float32Array, gh_: Float32Array, h_: Float32Array) => {
      const out = new Float32Array(B * H),
        g = new Float32Array(B * 3 * H);
      K.gruForward(B, H, gi_, gh_, h_, out, g);
      return out.reduce((s, v, i) => s + v * w[i], 0);
    };
    const hNew = new Float32Array(B * H),
      gates = new Float32Array(B * 3 * H);
    K.gruForward(B, H, gi, gh, h, hNew, gates);
    const dgi = new Float32Array(B * 3 * H),
      dgh = new Float32Array(B * 3 * H),
      dh = new Float32Array(B * H);
    K.gruBackward(B, H, gates, gh, h, w, dgi, dgh, dh);
    const check = (x: Float32Array, grad: Float32Array, f: () => number, directOnly = false) => {
      for (let i = 0; i < x.length; i++) {
        const old = x[i];
        x[i] = old + 1e-2;
        const up = f();
        x[i] = old - 1e-2;
        const down = f();
        x[i] = old;
        if (!directOnly) expect(grad[i]).toBeCloseTo((up - down) / 2e-2, 3);
      }
    };
    check(gi, dgi, () => gruLoss(gi, gh, h));
    check(gh, dgh, () => gruLoss(gi, gh, h));
    // dhPrev holds only the direct path z ⊙ dh' (the path through gh is the caller's gemm)
    for (let i = 0; i < B * H; i++) expect(dh[i]).toBeCloseTo(w[i] * gates[Math.floor(i / H) * 3 * H + H + (i % H)], 6);

    const g = rand(B * 4 * H),
      c = rand(B * H),
      wc = rand(B * H);
    const lstmLoss = (g_: Float32Array, c_: Float32Array) => {
      const hn = new Float32Array(B * H),
        cn = new Float32Array(B * H),
        gs = new Float32Array(B * 4 * H),
        tc = new Float32Array(B * H);
      K.lstmForward(B, H, g_, c_, hn, cn, gs, tc);
      return hn.reduce((s, v, i) => s + v * w[i], 0) + cn.reduce((s, v, i) => s + v * wc[i], 0);
    };
    const hn = new Float32Array(B * H),
      cn = new Float32Array(B * H),
      gs = new Float32Array(B * 4 * H),
      tc = new Float32Array(B * H);
    K.lstmForward(B, H, g, c, hn, cn, gs, tc);
    const dg = new Float32Array(B * 4 * H),
      dc = new Float32Array(B * H);
    K.lstmBackward(B, H, gs, tc, c, w, wc, dg, dc);
    check(g, dg, () => lstmLoss(g, c));
    check(c, dc, () => lstmLoss(g, c));
  });

  it('softmax cross-entropy with label smoothing: loss and gradient by hand', () => {
    const logits = new Float32Array([1, 2, 3, 0, 0, 0]);
    const d = new Float32Array(6);
    const eps = 0.1;
    const loss = K.softmaxCrossEntropy(2, 3, logits, new Int32Array([2, 0]), 0, eps, d);
    const z = Math.exp(1) + Math.exp(2) + Math.exp(3);
    const p = [Math.exp(1) / z, Math.exp(2) / z, Math.exp(3) / z];
    const q = [eps / 3, eps / 3, 1 - eps + eps / 3];
    const expected = -q.reduce((s, qj, j) => s + qj * Math.log(p[j]), 0);
    expect(loss).toBeCloseTo(expected, 5);
    for (let j = 0; j < 3; j++) expect(d[j]).toBeCloseTo(p[j] - q[j], 6);
    expect(Array.from(d.subarray(3))).toEqual([0, 0, 0]); // ignored row (target = pad id 0)
    // the unsmoothed NLL of the same rows, −log p_y, into the optional Float64Array
    const nll = new Float64Array(1);
    K.softmaxCrossEntropy(2, 3, logits, new Int32Array([2, 0]), 0, eps, d, nll);
    expect(nll[0]).toBeCloseTo(-Math.log(p[2]), 12);
  });

  it('dropoutMask: the documented hash, computed independently with BigInt; rate, scale and seeds', () => {
    const M32 = (1n << 32n) - 1n;
    const fmix = (h: bigint): bigint => {
      h ^= h >> 16n;
      h = (h * 0x85ebca6bn) & M32;
      h ^= h >> 13n;
      h = (h * 0xc2b2ae35n) & M32;
      return h ^ (h >> 16n);
    };
    const u = (i: number, s0: number, s1: number) =>
      fmix(fmix((BigInt(i) * 0x9e3779b9n + BigInt(s0)) & M32) ^ BigInt(s1));
    const p = 0.3;
    const s0 = 0xdeadbeef,
      s1 = 12345;
    const mask = new Float32Array(1000);
    K.dropoutMask(mask, p, s0, s1);
    const threshold = BigInt(Math.floor(p * 2 ** 32));
    const keep = Math.fround(1 / (1 - p));
    for (let i = 0; i < mask.length; i++) expect(mask[i]).toBe(u(i, s0, s1) >= threshold ? keep : 0);

    // over 200,000 units the kept share is 1 − p within 5 standard deviations (σ ≈ 0.001)
    const big = new Float32Array(200_000);
    K.dropoutMask(big, p, 7, 8);
    const kept = big.reduce((n, v) => n + (v !== 0 ? 1 : 0), 0) / big.length;
    expect(Math.abs(kept - (1 - p))).toBeLessThan(5 * Math.sqrt((p * (1 - p)) / big.length));
    // neighbouring units are uncorrelated (lag-1 correlation of the keep indicators within 5σ of 0)
    let both = 0;
    for (let i = 1; i < big.length; i++) if (big[i] !== 0 && big[i - 1] !== 0) both++;
    const cov = both / (big.length - 1) - kept * kept;
    expect(Math.abs(cov / (kept * (1 - kept)))).toBeLessThan(5 / Math.sqrt(big.length));
    // another seed gives another mask; p = 0 keeps everything at scale 1
    const other = new Float32Array(200_000);
    K.dropoutMask(other, p, 7, 9);
    let same = 0;
    for (let i = 0; i < big.length; i++) if ((big[i] !== 0) === (other[i] !== 0)) same++;
    expect(same / big.length).toBeLessThan(0.6); // independent masks agree on (1−p)² + p² = 0.58
    const all = new Float32Array(100);
    K.dropoutMask(all, 0, 1, 2);
    expect(all.every((v) => v === 1)).toBe(true);
    expect(() => K.dropoutMask(all, 1, 1, 2)).toThrow(/p must be in \[0, 1\)/);
  });

  it('logSoftmax, gather/scatter, selectRows, Adam by hand', () => {
    const out = new Float32Array(2);
    K.logSoftmax(1, 2, new Float32Array([0, Math.log(3)]), out);
    expect(out[0]).toBeCloseTo(Math.log(1 / 4), 6);
    expect(out[1]).toBeCloseTo(Math.log(3 / 4), 6);

    const table = new Float32Array([0, 0, 1, 2, 3, 4]);
    const g = new Float32Array(6);
    K.gatherRows(new Int32Array([2, 1, 2]), 2, table, g);
    expect(Array.from(g)).toEqual([3, 4, 1, 2, 3, 4]);
    const dT = new Float32Array(6);
    K.scatterAddRows(new Int32Array([2, 0, 2]), 2, new Float32Array([1, 1, 5, 5, 2, 3]), dT, 0);
    expect(Array.from(dT)).toEqual([0, 0, 0, 0, 3, 4]);

    const o = new Float32Array(4);
    K.selectRows(2, 2, new Float32Array([1, 0]), new Float32Array([1, 2, 3, 4]), new Float32Array([5, 6, 7, 8]), o);
    expect(Array.from(o)).toEqual([1, 2, 7, 8]);

    // Adam's first step moves every parameter by lr·sign(g) (m̂ = g, v̂ = g²)
    const p = new Float32Array([1, -1]),
      m = new Float32Array(2),
      v = new Float32Array(2);
    K.adamStep(p, new Float32Array([0.3, -2]), m, v, 0.01, 0.9, 0.999, 1e-8, 1 - 0.9, 1 - 0.999, 0);
    expect(p[0]).toBeCloseTo(0.99, 6);
    expect(p[1]).toBeCloseTo(-0.99, 6);
  });
});
