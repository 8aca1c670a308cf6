/** Forced decoding and perplexity: against a mock model's exact probabilities, and against each other on a real model. */
import { describe, expect, it } from 'vitest';
import { forcedDecode, forcedPerplexity, perplexity } from '../../src/eval/model-scores.js';
import { greedyDecode } from '../../src/decode/greedy.js';
import { Seq2Seq } from '../../src/model/seq2seq.js';
import { Rng } from '../../src/util/rng.js';
import { MockModel } from '../decode/mock-model.js';

describe('forcedDecode', () => {
  it('equals the mock model log-probability of reference + </s>, batched', () => {
    const m = new MockModel({ vocab: 11, seed: 21 });
    const src = [[4, 5, 6], [7], [8, 9, 10, 4, 5]];
    const tgt = [[5, 6], [], [9, 9, 9, 4]];
    const r = forcedDecode(m, src, tgt);
    r.forEach((s, i) => {
      expect(s.tokens).toBe(tgt[i].length + 1);
      expect(s.logProb).toBeCloseTo(m.logProbOf(src[i], tgt[i], true), 5);
    });
  });

  it('on the real model: Σ forced log p = −nll of model.loss, and greedy outputs score as forced decoding says', () => {
    const model = new Seq2Seq(
      { cell: 'lstm', srcVocabSize: 30, tgtVocabSize: 25, embeddingSize: 6, hiddenSize: 8, attention: 'bahdanau' },
      new Rng(3),
    );
    const rng = new Rng(5);
    const src = Array.from({ length: 9 }, () =>
      Array.from({ length: 1 + Math.floor(rng.next() * 6) }, () => 4 + Math.floor(rng.next() * 26)),
    );
    const tgt = Array.from({ length: 9 }, () =>
      Array.from({ length: Math.floor(rng.next() * 5) }, () => 4 + Math.floor(rng.next() * 21)),
    );
    const forced = forcedDecode(model, src, tgt);
    const sum = forced.reduce((a, f) => a + f.logProb, 0);
    const ppl = perplexity(model, src, tgt, 4);
    expect(ppl.tokens).toBe(forced.reduce((a, f) => a + f.tokens, 0));
    expect(-sum / ppl.tokens).toBeCloseTo(ppl.nllPerToken, 4);
    expect(ppl.perplexity).toBeCloseTo(Math.exp(ppl.nllPerToken), 10);
    const greedy = greedyDecode(model, src, {
      lengthPenalty: 0,
      maxLengthRatio: 2,
      maxLengthConstant: 5,
      keepAttention: false,
    });
    const finished = greedy.map((g, i) => ({ g, i })).filter(({ g }) => g.finished);
    expect(finished.length).toBeGreaterThan(0);
    const again = forcedDecode(
      model,
      finished.map(({ i }) => src[i]),
      finished.map(({ g }) => g.ids),
    );
    finished.forEach(({ g }, k) => expect(again[k].logProb).toBeCloseTo(g.logProb, 4));
  });

  it('forcedPerplexity (the step API, for ensembles) equals perplexity (model.loss) on a real model', () => {
    const model = new Seq2Seq(
      { cell: 'gru', srcVocabSize: 20, tgtVocabSize: 17, embeddingSize: 5, hiddenSize: 7, attention: 'luong-general' },
      new Rng(8),
    );
    const rng = new Rng(9);
    const src = Array.from({ length: 11 }, () =>
      Array.from({ length: 1 + Math.floor(rng.next() * 7) }, () => 4 + Math.floor(rng.next() * 16)),
    );
    const tgt = Array.from({ length: 11 }, () =>
      Array.from({ length: Math.floor(rng.next() * 6) }, () => 4 + Math.floor(rng.next() * 13)),
    );
    const viaLoss = perplexity(model, src, tgt, 3);
    const viaSteps = forcedPerplexity(model, src, tgt, 3);
    expect(viaSteps.tokens).toBe(viaLoss.tokens);
    expect(viaSteps.sentences).toBe(11);
    expect(viaSteps.nllPerToken).toBeCloseTo(viaLoss.nllPerToken, 4);
    expect(viaSteps.perplexity).toBeCloseTo(Math.exp(viaSteps.nllPerToken), 10);
  });
});
