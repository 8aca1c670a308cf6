/**
 * A tiny model must learn to reverse short sequences to 100 % exact match (greedy decoding through
 * the step API, on sequences drawn fresh), for each cell, with and without attention. The training
 * loop is a minimal Adam (backend.adamStep) with gradient clipping, written here for the test.
 */
import { describe, expect, it } from 'vitest';
import { BOS_ID, EOS_ID, makeBatch } from '../../src/data/batch.js';
import { Seq2Seq } from '../../src/model/seq2seq.js';
import type { DecoderState } from '../../src/model/types.js';
import { getBackend } from '../../src/tensor/index.js';
import { Rng } from '../../src/util/rng.js';

const SYMBOLS = 4; // ids 4..7; sequences of 1–3 symbols (84 distinct ones)
const randomSeq = (rng: Rng) => Array.from({ length: 1 + rng.int(3) }, () => 4 + rng.int(SYMBOLS));

function greedy(model: Seq2Seq, src: number[][], maxLen = 6): number[][] {
  const B = src.length;
  const batch = makeBatch(src, src);
  let state: DecoderState = model.startDecoding(batch.src, batch.srcLengths, B, batch.srcLen);
  let prev = new Int32Array(B).fill(BOS_ID);
  const out: number[][] = src.map(() => []);
  const done = new Array(B).fill(false);
  const V = model.tgtVocabSize;
  for (let t = 0; t < maxLen; t++) {
    const r = model.step(state, prev);
    prev = new Int32Array(B);
    for (let b = 0; b < B; b++) {
      let best = 0;
      for (let j = 1; j < V; j++) if (r.logProbs[b * V + j] > r.logProbs[b * V + best]) best = j;
      prev[b] = best;
      if (!done[b]) {
        if (best === EOS_ID) done[b] = true;
        else out[b].push(best);
      }
    }
    state = r.state;
  }
  return out;
}

/** A minimal Adam trainer on random reverse-task batches; returns run(steps). */
function trainer(model: Seq2Seq, rng: Rng): (steps: number) => void {
  const k = getBackend();
  const m = model.params.map((p) => new Float32Array(p.size));
  const v = model.params.map((p) => new Float32Array(p.size));
  let step = 0;
  return (steps: number) => {
    for (let n = 0; n < steps; n++) {
      step++;
      const src = Array.from({ length: 32 }, () => randomSeq(rng));
      const batch = makeBatch(
        src,
        src.map((s) => [...s].reverse()),
      );
      model.zeroGrad();
      const r = model.loss(batch, { backward: true });
      // mean over tokens, clipped to global norm 1
      let norm = 0;
      for (const p of model.params) norm += k.sumSquares(p.grad);
      norm = Math.sqrt(norm) / r.tokens;
      const scale = (1 / r.tokens) * Math.min(1, 1 / norm);
      const b1 = 0.9,
        b2 = 0.999;
      model.params.forEach((p, i) => {
        k.scale(scale, p.grad);
        k.adamStep(p.value, p.grad, m[i], v[i], 0.03, b1, b2, 1e-8, 1 - b1 ** step, 1 - b2 ** step, 0);
      });
    }
  };
}

describe('a tiny model learns to reverse short sequences', () => {
  for (const cell of ['rnn', 'gru', 'lstm'] as const)
    for (const attention of ['none', 'bahdanau'] as const) {
      it(`${cell}, attention ${attention}: 100 % exact match on fresh sequences`, () => {
        const rng = new Rng(42);
        const model = new Seq2Seq(
          {
            cell,
            attention,
            srcVocabSize: 4 + SYMBOLS,
            tgtVocabSize: 4 + SYMBOLS,
            embeddingSize: 8,
            hiddenSize: 16,
            attentionSize: 8,
            preOutputSize: 16,
            bidirectional: true,
          },
          rng,
        );
        // evaluation sequences come from their own generator (training never sees this stream)
        const testRng = new Rng(7);
        const test = Array.from({ length: 100 }, () => randomSeq(testRng));
        const train = trainer(model, rng);
        let exact = 0;
        for (let round = 0; round < 30 && exact < test.length; round++) {
          train(50);
          const hyp = greedy(model, test);
          exact = hyp.filter((h, i) => h.join(' ') === [...test[i]].reverse().join(' ')).length;
        }
        expect(exact).toBe(test.length);
      });
    }
});
