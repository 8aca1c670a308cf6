/**
 * Float64 finite-difference checks of the attention layers (every kind, masked source padding,
 * several decoder steps sharing one memory, all query rows or a ragged packed batch of them) and
 * of the stacked bidirectional RNN over a packed ragged batch with dropout between layers (the
 * dropout mask is fixed by re-seeding, so the loss is a deterministic function).
 */
import { describe, expect, it } from 'vitest';
import { alloc } from '../../src/nn/alloc.js';
import { Attention, type AttentionKind, AttentionRun } from '../../src/nn/attention.js';
import { PackedSteps } from '../../src/nn/packed-steps.js';
import { StackedRNN, StackedRun } from '../../src/nn/rnn.js';
import { Rng } from '../../src/util/rng.js';
import { dot, float64, maxGradError, randomArray } from './fd.js';

describe('attention backward equals finite differences', () => {
  for (const kind of ['bahdanau', 'luong-dot', 'luong-general'] as AttentionKind[])
    for (const ragged of [false, true])
      it(`${kind}${ragged ? ', queries of a ragged packed batch' : ''}`, () =>
        float64(() => {
          const rng = new Rng(17);
          const S = 4,
            B = 3,
            T = 3,
            C = 4,
            Hq = kind === 'luong-dot' ? 4 : 5;
          const att = new Attention('a', kind, C, Hq, 6, rng);
          const lengths = new Int32Array([4, 2, 1]);
          const source = PackedSteps.ofLengths(lengths, S);
          // the queries: every row at every step, or 3, 2, 2 rows (target lengths 3, 3, 1)
          const steps = ragged ? PackedSteps.ofLengths([3, 3, 1], T) : PackedSteps.full(T, B);
          const N = steps.rows;
          const M = randomArray(rng, S * B * C);
          const Q = randomArray(rng, N * Hq);
          const W = randomArray(rng, N * C);
          const run = new AttentionRun(att);
          const ctx = alloc(N * C);
          // L = Σ_t w_t · c_t(q_t)
          const forward = () => {
            run.begin({ M, S, lengths, source, keys: null }, steps);
            for (let t = 0; t < T; t++) run.forwardStep(t, steps.at(Q, t, Hq), steps.at(ctx, t, C));
            return dot(W, ctx);
          };
          forward();
          // padded positions get weight exactly 0 (step 0: rows 1 and 2, of lengths 2 and 1)
          expect(run.alphas[1 * S + 2]).toBe(0);
          expect(run.alphas[2 * S + 1]).toBe(0);
          const dQ = alloc(N * Hq);
          run.beginBackward();
          for (let t = T - 1; t >= 0; t--) run.backwardStep(t, steps.at(W, t, C), steps.at(dQ, t, Hq));
          run.finishBackward(W); // every step's dctx, packed: dM = Σ_t α_t ⊗ dctx_t
          const dM = Float64Array.from(run.dMemory);
          for (const p of att.params) {
            expect(maxGradError(p.value, Float64Array.from(p.grad), forward), p.name).toBeLessThan(1e-6);
          }
          expect(maxGradError(Q, Float64Array.from(dQ), forward)).toBeLessThan(1e-6);
          expect(maxGradError(M, dM, forward)).toBeLessThan(1e-6);
          // memory at padded positions gets no gradient
          for (let j = 0; j < C; j++) expect(dM[(3 * B + 1) * C + j]).toBe(0);
        }));
});

describe('stacked bidirectional RNN with dropout between layers', () => {
  for (const kind of ['rnn', 'gru', 'lstm'] as const) {
    it(`${kind}: outputs and final state gradients equal finite differences`, () =>
      float64(() => {
        const rng = new Rng(23);
        const T = 4,
          B = 3,
          I = 3,
          H = 2;
        const net = new StackedRNN('encoder.rnn', kind, I, H, 2, true, 0.3, rng);
        const run = new StackedRun(net);
        const X = randomArray(rng, T * B * I);
        // unsorted: the packing ranks the rows 1, 0, 2
        const steps = PackedSteps.ofLengths([3, 4, 1], T);
        const wOut = randomArray(rng, steps.rows * 2 * H);
        const wFin = randomArray(rng, B * 2 * H);
        const forward = () => {
          const out = run.forward(steps.pack(X, I, alloc(steps.rows * I)), steps, true, new Rng(99));
          return dot(wOut, out) + dot(wFin, run.finalState());
        };
        forward();
        const dXp = alloc(steps.rows * I);
        run.backward(wOut, wFin, dXp);
        const dX = steps.unpack(dXp, I, alloc(T * B * I));
        for (const p of net.params)
          expect(maxGradError(p.value, Float64Array.from(p.grad), forward), p.name).toBeLessThan(1e-6);
        expect(maxGradError(X, Float64Array.from(dX), forward)).toBeLessThan(1e-6);
      }));
  }
});
