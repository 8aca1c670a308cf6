import { describe, expect, it } from 'vitest';
import { Dropout } from '../../src/nn/dropout.js';
import { Embedding } from '../../src/nn/embedding.js';
import { Linear } from '../../src/nn/linear.js';
import { softmaxCrossEntropy } from '../../src/nn/loss.js';
import { PackedSteps } from '../../src/nn/packed-steps.js';
import { WordDropout } from '../../src/nn/word-dropout.js';
import { Rng } from '../../src/util/rng.js';
import { dot, float64, maxGradError, randomArray } from './fd.js';

describe('Linear', () => {
  it('forward is X Wᵀ + b and backward matches finite differences for W, b and X', () => {
    float64(() => {
      const rng = new Rng(1);
      const lin = new Linear('l', 4, 3, rng);
      const M = 5;
      const X = randomArray(rng, M * 4);
      const w = randomArray(rng, M * 3);
      const Y = new Float64Array(M * 3) as unknown as Float32Array;
      lin.forward(M, X, Y);
      for (let i = 0; i < M; i++)
        for (let o = 0; o < 3; o++) {
          let s = lin.bias!.value[o];
          for (let j = 0; j < 4; j++) s += X[i * 4 + j] * lin.weight.value[o * 4 + j];
          expect(Y[i * 3 + o]).toBeCloseTo(s, 12);
        }
      const loss = () => {
        lin.forward(M, X, Y);
        return dot(w, Y);
      };
      const dX = new Float64Array(M * 4) as unknown as Float32Array;
      lin.backward(M, X, w, dX);
      expect(maxGradError(lin.weight.value, lin.weight.grad, loss)).toBeLessThan(1e-6);
      expect(maxGradError(lin.bias!.value, lin.bias!.grad, loss)).toBeLessThan(1e-6);
      expect(maxGradError(X, dX, loss)).toBeLessThan(1e-6);
    });
  });
});

describe('Embedding', () => {
  it('gathers rows, scatters gradients, and never updates the padding row', () => {
    float64(() => {
      const rng = new Rng(2);
      const emb = new Embedding('e', 6, 3, rng, 0);
      expect(Array.from(emb.weight.value.subarray(0, 3))).toEqual([0, 0, 0]);
      const ids = new Int32Array([4, 0, 2, 4]);
      const out = new Float64Array(12) as unknown as Float32Array;
      const w = randomArray(rng, 12);
      const loss = () => {
        emb.forward(ids, out);
        return dot(w, out);
      };
      loss();
      expect(out[0]).toBe(emb.weight.value[12]);
      expect(out[3]).toBe(0);
      emb.backward(ids, w);
      // row 4 appears twice: its gradient is the sum of both output rows
      expect(emb.weight.grad[12]).toBeCloseTo(w[0] + w[9], 12);
      expect(Array.from(emb.weight.grad.subarray(0, 3))).toEqual([0, 0, 0]);
      // finite differences agree except on the padding row, which is frozen by design
      const gradNoPad = Float64Array.from(emb.weight.grad);
      const numericPad = maxGradError(emb.weight.value.subarray(3), gradNoPad.subarray(3), loss);
      expect(numericPad).toBeLessThan(1e-6);
    });
  });
});

describe('Dropout', () => {
  it('keeps about 1 − p of the units scaled by 1/(1 − p), reproducibly, and backward uses the same mask', () => {
    const d = new Dropout(0.25);
    const m1 = new Float32Array(20000);
    const m2 = new Float32Array(20000);
    d.sampleMask(m1, new Rng(9));
    d.sampleMask(m2, new Rng(9));
    expect(m2).toEqual(m1);
    const kept = m1.filter((v) => v !== 0);
    expect(kept.every((v) => Math.abs(v - 1 / 0.75) < 1e-6)).toBe(true);
    expect(kept.length / m1.length).toBeGreaterThan(0.73);
    expect(kept.length / m1.length).toBeLessThan(0.77);
    const x = Float32Array.from({ length: 20000 }, (_, i) => Math.sin(i));
    const y = new Float32Array(20000);
    d.forward(x, m1, y);
    const dx = new Float32Array(20000);
    d.backward(Float32Array.from(x), m1, dx);
    for (let i = 0; i < 100; i++) {
      expect(y[i]).toBeCloseTo(x[i] * m1[i], 6);
      expect(dx[i]).toBeCloseTo(x[i] * m1[i], 6);
    }
    expect(() => new Dropout(1)).toThrow();
  });
});

describe('softmax cross-entropy', () => {
  it('matches −Σ q log p by hand (label smoothing), its gradient, and the unsmoothed NLL; padding rows count nothing', () => {
    float64(() => {
      const rng = new Rng(4);
      const M = 3,
        V = 5,
        eps = 0.1;
      const logits = randomArray(rng, M * V, 3);
      const targets = new Int32Array([2, 0, 4]);
      const d = new Float64Array(M * V) as unknown as Float32Array;
      const r = softmaxCrossEntropy(M, V, logits, targets, eps, d);
      let loss = 0,
        nll = 0;
      for (const i of [0, 2]) {
        const row = Array.from(logits.subarray(i * V, (i + 1) * V));
        const lse = Math.log(row.reduce((a, z) => a + Math.exp(z), 0));
        for (let j = 0; j < V; j++) loss -= ((j === targets[i] ? 1 - eps : 0) + eps / V) * (row[j] - lse);
        nll -= row[targets[i]] - lse;
      }
      expect(r.tokens).toBe(2);
      expect(r.loss).toBeCloseTo(loss, 10);
      expect(r.nll).toBeCloseTo(nll, 10);
      expect(Array.from(d.subarray(V, 2 * V))).toEqual([0, 0, 0, 0, 0]);
      const scratch = new Float64Array(M * V) as unknown as Float32Array;
      const f = () => softmaxCrossEntropy(M, V, logits, targets, eps, scratch).loss;
      expect(maxGradError(logits, Float64Array.from(d), f)).toBeLessThan(1e-6);
    });
  });
});

describe('WordDropout', () => {
  it('drops whole rows with probability p, scales the kept rows by 1/(1 − p), on top of an element mask', () => {
    const rows = 10000;
    const width = 6;
    const p = 0.2;
    const mask = new Float32Array(rows * width);
    // an element mask from ordinary dropout: 0 or 2 (p = 0.5)
    for (let i = 0; i < mask.length; i++) mask[i] = i % 3 === 0 ? 0 : 2;
    const before = Float32Array.from(mask);
    const keep = new Float32Array(rows);
    // one step of `rows` rows: the packed layout is the padded one
    const steps = PackedSteps.full(1, rows);
    new WordDropout(p).scaleMask(mask, steps, width, keep, new Rng(3));
    let dropped = 0;
    for (let r = 0; r < rows; r++) {
      expect(keep[r] === 0 || Math.abs(keep[r] - 1 / (1 - p)) < 1e-6).toBe(true);
      if (keep[r] === 0) dropped++;
      for (let j = 0; j < width; j++) expect(mask[r * width + j]).toBeCloseTo(before[r * width + j] * keep[r], 6);
    }
    // binomial: mean p·rows, σ = sqrt(rows·p·(1 − p)) = 40; within 5σ
    expect(Math.abs(dropped - p * rows)).toBeLessThan(5 * Math.sqrt(rows * p * (1 - p)));
    // reproducible from the seed, different for another
    const again = new Float32Array(rows);
    new WordDropout(p).scaleMask(new Float32Array(rows * width).fill(1), steps, width, again, new Rng(3));
    expect(again).toEqual(keep);
    new WordDropout(p).scaleMask(new Float32Array(rows * width).fill(1), steps, width, again, new Rng(4));
    expect(again).not.toEqual(keep);
    const short = new Float32Array(rows - 1);
    expect(() => new WordDropout(p).scaleMask(mask, steps, width, short, new Rng(1))).toThrow(/rows/);
  });
});
