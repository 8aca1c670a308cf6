/**
 * Float64 finite-difference checks of the attention layers (every kind, masked source padding,
 * several decoder steps sharing one memory) and of the stacked bidirectional RNN with dropout
 * between layers (the dropout mask is fixed by re-seeding, so the loss is a deterministic function).
 */
import { describe, expect, it } from 'vitest';
import { alloc } from '../../src/nn/alloc.js';
import { Attention, type AttentionKind, AttentionRun } from '../../src/nn/attention.js';
import { StackedRNN, StackedRun } from '../../src/nn/rnn.js';
import { Rng } from '../../src/util/rng.js';
import { dot, float64, maxGradError, randomArray } from './fd.js';

describe('attention backward equals finite differences', () => {
  for (const kind of ['bahdanau', 'luong-dot', 'luong-general'] as AttentionKind[]) {
    it(kind, () =>
      float64(() => {
        const rng = new Rng(17);
        const S = 4, B = 3, T = 3, C = 4, Hq = kind === 'luong-dot' ? 4 : 5;
        const att = new Attention('a', kind, C, Hq, 6, rng);
        const lengths = new Int32Array([4, 2, 1]);
        const M = randomArray(rng, S * B * C);
        const Q = randomArray(rng, T * B * Hq);
        const W = randomArray(rng, T * B * C);
        const run = new AttentionRun(att);
        const ctx = alloc(T * B * C);
        // L = Σ_t w_t · c_t(q_t)
        const forward = () => {
          run.begin(M, S, B, lengths, T);
          for (let t = 0; t < T; t++) run.forwardStep(t, Q.subarray(t * B * Hq, (t + 1) * B * Hq), ctx.subarray(t * B * C, (t + 1) * B * C));
          return dot(W, ctx);
        };
        forward();
        // padded positions get weight exactly 0
        expect(run.alphas[1 * S + 2]).toBe(0);
        expect(run.alphas[2 * S + 1]).toBe(0);
        const dQ = alloc(T * B * Hq);
        run.beginBackward();
        for (let t = T - 1; t >= 0; t--) run.backwardStep(t, W.subarray(t * B * C, (t + 1) * B * C), dQ.subarray(t * B * Hq, (t + 1) * B * Hq));
        run.finishBackward();
        const dM = Float64Array.from(run.dMemory);
        for (const p of att.params) expect(maxGradError(p.value, Float64Array.from(p.grad), forward), p.name).toBeLessThan(1e-6);
        expect(maxGradError(Q, Float64Array.from(dQ), forward)).toBeLessThan(1e-6);
        expect(maxGradError(M, dM, forward)).toBeLessThan(1e-6);
        // memory at padded positions gets no gradient
        for (let j = 0; j < C; j++) expect(dM[(3 * B + 1) * C + j]).toBe(0);
      }));
  }
});

describe('stacked bidirectional RNN with dropout between layers', () => {
  for (const kind of ['rnn', 'gru', 'lstm'] as const) {
    it(`${kind}: outputs and final state gradients equal finite differences`, () =>
      float64(() => {
        const rng = new Rng(23);
        const T = 4, B = 3, I = 3, H = 2;
        const net = new StackedRNN('encoder.rnn', kind, I, H, 2, true, 0.3, rng);
        const run = new StackedRun(net);
        const X = randomArray(rng, T * B * I);
        const mask = alloc(T * B);
        const lengths = [4, 3, 1];
        for (let t = 0; t < T; t++) for (let b = 0; b < B; b++) mask[t * B + b] = t < lengths[b] ? 1 : 0;
        const wOut = randomArray(rng, T * B * 2 * H);
        const wFin = randomArray(rng, B * 2 * H);
        // zero the output weights at padded positions: their outputs are not part of any loss
        for (let t = 0; t < T; t++) for (let b = 0; b < B; b++) if (!mask[t * B + b]) wOut.fill(0, (t * B + b) * 2 * H, (t * B + b + 1) * 2 * H);
        const forward = () => {
          const out = run.forward(X, T, B, mask, true, new Rng(99));
          return dot(wOut, out) + dot(wFin, run.finalState());
        };
        forward();
        const dX = alloc(T * B * I);
        run.backward(wOut, wFin, dX);
        for (const p of net.params) expect(maxGradError(p.value, Float64Array.from(p.grad), forward), p.name).toBeLessThan(1e-6);
        expect(maxGradError(X, Float64Array.from(dX), forward)).toBeLessThan(1e-6);
      }));
  }
});
