/**
 * A target embedding tied to the output layer starts at N(0, 1/E) instead of N(0, 1): the first
 * loss of a tied model is then close to that of a uniform guess, ln V, as an untied one is
 * (docs/quality.md measured ~25 nats/token at V = 8,000 with the old initialisation).
 */
import { describe, expect, it } from 'vitest';
import { REFERENCE_MODEL_CONFIG } from '../../src/model/config.js';
import { randomBatch } from '../../src/model/gradcheck.js';
import { Seq2Seq } from '../../src/model/seq2seq.js';
import { Rng } from '../../src/util/rng.js';

const V = 2000;
const config = (tied: boolean) => ({
  ...REFERENCE_MODEL_CONFIG,
  srcVocabSize: V,
  tgtVocabSize: V,
  embeddingSize: 64,
  hiddenSize: 64,
  attentionSize: 64,
  preOutputSize: 64,
  tiedTargetEmbeddings: tied,
});

function sampleStd(v: Float32Array, from: number): number {
  let s = 0;
  let s2 = 0;
  const n = v.length - from;
  for (let i = from; i < v.length; i++) (s += v[i]), (s2 += v[i] * v[i]);
  return Math.sqrt(s2 / n - (s / n) ** 2);
}

describe('tied target embeddings: initialisation', () => {
  it('the tied embedding is N(0, 1/E), the untied one N(0, 1); the padding row is zero in both', () => {
    for (const tied of [false, true]) {
      const m = new Seq2Seq(config(tied), new Rng(3));
      const w = m.params.find((p) => p.name === 'decoder.embedding.weight')!.value;
      expect(Array.from(w.subarray(0, 64)).every((x) => x === 0)).toBe(true);
      // 1,999 × 64 samples: the sample std is within 2 % of the true one
      expect(sampleStd(w, 64) / (tied ? 1 / 8 : 1)).toBeCloseTo(1, 1);
      expect(m.params.some((p) => p.name === 'decoder.out.weight')).toBe(!tied);
    }
  });

  it('a fresh tied model starts near ln V per token, like an untied one', () => {
    const batch = randomBatch(new Rng(7), 8, 12, V, V);
    for (const tied of [false, true]) {
      const m = new Seq2Seq(config(tied), new Rng(5));
      const r = m.loss(batch);
      const perToken = r.nll / r.tokens;
      expect(Math.abs(perToken - Math.log(V)), `tied=${tied}: ${perToken.toFixed(3)} nats/token`).toBeLessThan(0.5);
    }
  });
});
