/**
 * Independent check of src/nn/attention.ts's forward pass: scores, masked softmax and context of
 * Bahdanau (score_s = v · tanh(W_k m_s + W_q q + b_q)), Luong general (score_s = q · W_a m_s) and
 * Luong dot (score_s = q · m_s), recomputed here with plain Math from the parameter values, on a
 * batch whose second sentence is shorter (its padded positions must get weight 0 and must not
 * change the context even when they hold large values).
 */
import { describe, expect, it } from 'vitest';
import { Attention, AttentionRun, type AttentionKind } from '../../src/nn/attention.js';
import { PackedSteps } from '../../src/nn/packed-steps.js';
import { Rng } from '../../src/util/rng.js';

const S = 3;
const B = 2;
const C = 4;
const A = 3;
const lengths = Int32Array.from([3, 2]);

describe('attention forward against a plain-Math computation', () => {
  for (const kind of ['bahdanau', 'luong-general', 'luong-dot'] as const satisfies readonly AttentionKind[]) {
    it(kind, () => {
      const rng = new Rng(21);
      const Hq = kind === 'luong-dot' ? C : 5;
      const att = new Attention('decoder.attention', kind, C, Hq, A, rng);
      // memory m[s][b] (time-major), with junk at the padded position (s = 2, b = 1)
      const m: number[][][] = [];
      for (let s = 0; s < S; s++) {
        m.push([]);
        for (let b = 0; b < B; b++)
          m[s].push(Array.from({ length: C }, () => (s >= lengths[b] ? 50 : rng.uniform(-1, 1))));
      }
      const q: number[][] = Array.from({ length: B }, () => Array.from({ length: Hq }, () => rng.uniform(-1, 1)));

      const run = new AttentionRun(att);
      const source = PackedSteps.ofLengths(lengths, S);
      run.begin({ M: Float32Array.from(m.flat(2)), S, lengths, source, keys: null }, PackedSteps.full(1, B));
      const ctx = new Float32Array(B * C);
      run.forwardStep(0, Float32Array.from(q.flat()), ctx);

      const dot = (x: number[], y: number[]) => x.reduce((acc, v, i) => acc + v * y[i], 0);
      const row = (W: Float32Array, i: number, n: number) => Array.from(W.subarray(i * n, (i + 1) * n));
      for (let b = 0; b < B; b++) {
        const scores: number[] = [];
        for (let s = 0; s < lengths[b]; s++) {
          if (kind === 'bahdanau') {
            const Wk = att.keyLayer!.weight.value;
            const Wq = att.queryLayer!.weight.value;
            const bq = att.queryLayer!.bias!.value;
            const v = att.energy!.value;
            let score = 0;
            for (let j = 0; j < A; j++)
              score += v[j] * Math.tanh(dot(row(Wk, j, C), m[s][b]) + dot(row(Wq, j, Hq), q[b]) + bq[j]);
            scores.push(score);
          } else if (kind === 'luong-general') {
            const Wa = att.keyLayer!.weight.value; // [Hq, C]
            let score = 0;
            for (let j = 0; j < Hq; j++) score += q[b][j] * dot(row(Wa, j, C), m[s][b]);
            scores.push(score);
          } else scores.push(dot(q[b], m[s][b]));
        }
        const mx = Math.max(...scores);
        const e = scores.map((x) => Math.exp(x - mx));
        const z = e.reduce((a, x) => a + x, 0);
        const alpha = e.map((x) => x / z);
        for (let s = 0; s < S; s++) expect(run.alphas[b * S + s]).toBeCloseTo(s < lengths[b] ? alpha[s] : 0, 6);
        for (let j = 0; j < C; j++) {
          let c = 0;
          for (let s = 0; s < lengths[b]; s++) c += alpha[s] * m[s][b][j];
          expect(ctx[b * C + j]).toBeCloseTo(c, 5);
        }
      }
      // parameter names (Joey NMT style) and shapes
      const shapes = Object.fromEntries(att.params.map((p) => [p.name, p.shape]));
      if (kind === 'bahdanau')
        expect(shapes).toEqual({
          'decoder.attention.key_layer.weight': [A, C],
          'decoder.attention.query_layer.weight': [A, Hq],
          'decoder.attention.query_layer.bias': [A],
          'decoder.attention.energy_layer.weight': [1, A],
        });
      else if (kind === 'luong-general') expect(shapes).toEqual({ 'decoder.attention.key_layer.weight': [Hq, C] });
      else expect(shapes).toEqual({});
    });
  }
});
