/**
 * The training loss skips padding: it sorts the batch by target length, packs source and target
 * by length (src/nn/packed-steps.ts, tested in test/nn/packed-steps.test.ts), so the recurrences
 * compute only the rows of each step that hold a real token and the output layer reads only the
 * real target positions. Independent expectation: a padded batch's loss and every
 * gradient equal the sums over its sentences run one at a time (no padding at all), for pairs in
 * an unsorted order whose source lengths do not follow their target lengths — on the TypeScript
 * backend and, when the addon is built, on the native one.
 */
import { describe, expect, it } from 'vitest';
import { makeBatch } from '../../src/data/batch.js';
import type { ModelConfigInput } from '../../src/model/config.js';
import { Seq2Seq } from '../../src/model/seq2seq.js';
import type { Backend } from '../../src/tensor/backend.js';
import { createNativeBackend, getBackend, setBackend } from '../../src/tensor/index.js';
import { jsBackend } from '../../src/tensor/js-backend.js';
import { Rng } from '../../src/util/rng.js';

const native = createNativeBackend();
const backends: [string, Backend][] = [['ts', jsBackend]];
if (native) backends.push(['native', native]);

function withBackend<T>(b: Backend, fn: () => T): T {
  const prev = getBackend();
  setBackend(b);
  try {
    return fn();
  } finally {
    setBackend(prev);
  }
}

const tiny = (over: Partial<ModelConfigInput>): ModelConfigInput => ({
  srcVocabSize: 13,
  tgtVocabSize: 12,
  embeddingSize: 5,
  hiddenSize: 6,
  attentionSize: 7,
  preOutputSize: 6,
  ...over,
});

// unsorted; the longest source has the shortest target and the other way round
const pairs = [
  { src: [5, 6], tgt: [7, 8, 9, 10, 4] },
  { src: [4, 8, 9, 10, 5, 11, 6], tgt: [4] },
  { src: [12], tgt: [5, 6, 7] },
  { src: [7, 7, 8], tgt: [9, 9, 10, 11, 4, 5, 6] },
  { src: [6, 5, 4, 12], tgt: [] },
];

describe('the training loss skips padding without changing loss or gradients', () => {
  for (const [name, backend] of backends)
    for (const cfg of [
      { cell: 'gru', attention: 'bahdanau', bidirectional: true },
      {
        cell: 'lstm',
        attention: 'luong-general',
        bidirectional: true,
        encoderLayers: 2,
        decoderLayers: 2,
        inputFeeding: true,
      },
      { cell: 'rnn', attention: 'none', bidirectional: false, labelSmoothing: 0.1 },
    ] as Partial<ModelConfigInput>[])
      it(`${name}: ${cfg.cell} ${cfg.attention}${cfg.decoderLayers ? ', 2 layers, input feeding' : ''}${cfg.labelSmoothing ? ', label smoothing' : ''}`, () =>
        withBackend(backend, () => {
          const model = new Seq2Seq(tiny(cfg), new Rng(3));
          const run = (ps: typeof pairs) => {
            model.zeroGrad();
            const r = model.loss(
              makeBatch(
                ps.map((p) => p.src),
                ps.map((p) => p.tgt),
              ),
              { backward: true },
            );
            return { ...r, grads: model.params.map((p) => Float64Array.from(p.grad)) };
          };
          const all = run(pairs);
          const alone = pairs.map((p) => run([p]));
          expect(all.tokens).toBe(alone.reduce((a, r) => a + r.tokens, 0));
          const sumLoss = alone.reduce((a, r) => a + r.loss, 0);
          const sumNll = alone.reduce((a, r) => a + r.nll, 0);
          expect(Math.abs(all.loss - sumLoss) / sumLoss).toBeLessThan(1e-5);
          expect(Math.abs(all.nll - sumNll) / sumNll).toBeLessThan(1e-5);
          let worst = 0;
          all.grads.forEach((g, i) => {
            for (let j = 0; j < g.length; j++) {
              let s = 0;
              for (const r of alone) s += r.grads[i][j];
              worst = Math.max(worst, Math.abs(g[j] - s) / Math.max(1, Math.abs(s)));
            }
          });
          expect(worst).toBeLessThan(1e-5);
          // the evaluation loss (no backward) is the same number as the training one
          expect(
            Math.abs(
              model.loss(
                makeBatch(
                  pairs.map((p) => p.src),
                  pairs.map((p) => p.tgt),
                ),
              ).loss - all.loss,
            ),
          ).toBeLessThan(1e-5 * all.loss);
        }));
});
