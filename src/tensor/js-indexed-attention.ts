/**
 * The TypeScript reference of the decoding attention kernels that read the memory through each row's
 * sentence index (semantics in ./backend.ts): the row code of additiveAttentionForward, dotAttentionScores
 * and attentionContext in ./js-backend.ts with the memory row (s, src[b]) of a [S×B0×D] array in place of
 * (s, b) of a [S×B×D] one.
 */
import type { Backend } from './backend.js';
import { maskedSoftmaxColumn } from './js-masked-softmax.js';

type IndexedAttention = Pick<Backend, 'additiveScoresAt' | 'dotScoresAt' | 'attentionContextAt'>;

/** Sentence j's length, cut to [0, S]. */
const lengthOf = (lengths: Int32Array, j: number, S: number): number => Math.max(0, Math.min(lengths[j], S));

export const jsIndexedAttention: IndexedAttention = {
  additiveScoresAt(S, B0, A, K, src, lengths, rows, qp, v, scores) {
    for (let b = 0; b < rows; b++) {
      const len = lengthOf(lengths, src[b], S);
      const qo = b * A;
      for (let s = 0; s < len; s++) {
        const o = (s * B0 + src[b]) * A;
        let e = 0;
        for (let j = 0; j < A; j++) e += Math.tanh(K[o + j] + qp[qo + j]) * v[j];
        scores[s * rows + b] = e;
      }
    }
  },

  dotScoresAt(S, B0, D, K, src, lengths, rows, q, scores) {
    for (let b = 0; b < rows; b++) {
      const len = lengthOf(lengths, src[b], S);
      const qo = b * D;
      for (let s = 0; s < len; s++) {
        const o = (s * B0 + src[b]) * D;
        let e = 0;
        for (let j = 0; j < D; j++) e += q[qo + j] * K[o + j];
        scores[s * rows + b] = e;
      }
    }
  },

  attentionContextAt(S, B0, C, M, src, lengths, rows, scores, alpha, ctx) {
    ctx.fill(0, 0, rows * C);
    for (let b = 0; b < rows; b++) {
      const len = lengthOf(lengths, src[b], S);
      const ao = b * S;
      maskedSoftmaxColumn(scores, rows, b, len, S, alpha, ao);
      const co = b * C;
      for (let s = 0; s < len; s++) {
        const w = alpha[ao + s];
        const mo = (s * B0 + src[b]) * C;
        for (let j = 0; j < C; j++) ctx[co + j] += w * M[mo + j];
      }
    }
  },
};
