/**
 * The whole model on the native backend against the TypeScript backend, whose gradients the
 * float64 finite-difference check (src/model/gradcheck.ts) verifies: (1) for every configuration
 * of that check, loss and every parameter's BPTT gradient agree; (2) 50 training steps (clipping,
 * Adam) give the same losses to 1e-4. Skipped, with the reason, when the addon is not built.
 */
import { describe, expect, it } from 'vitest';
import { makeBatch } from '../../src/data/batch.js';
import { gradcheckCases, randomBatch } from '../../src/model/gradcheck.js';
import { Seq2Seq } from '../../src/model/seq2seq.js';
import type { Backend } from '../../src/tensor/backend.js';
import { createNativeBackend, getBackend, setBackend } from '../../src/tensor/index.js';
import { jsBackend } from '../../src/tensor/js-backend.js';
import { loadNative } from '../../src/tensor/native.js';
import { Adam } from '../../src/train/adam.js';
import { clipGradNorm } from '../../src/train/clip.js';
import { Rng } from '../../src/util/rng.js';

const load = loadNative();
const native = createNativeBackend() as Backend;
const skip = load.addon === null;
const why = skip ? ` (skipped: ${load.error})` : '';

function withBackend<T>(b: Backend, fn: () => T): T {
  const prev = getBackend();
  setBackend(b);
  try {
    return fn();
  } finally {
    setBackend(prev);
  }
}

describe('model on the native backend = model on the TypeScript backend' + why, () => {
  it.skipIf(skip)(
    'loss and every gradient, for every gradcheck configuration (cells × attention × layers × variants)',
    () => {
      const cases = gradcheckCases();
      expect(cases.length).toBeGreaterThan(30);
      for (const c of cases) {
        const run = (b: Backend) =>
          withBackend(b, () => {
            const rng = new Rng(11);
            const model = new Seq2Seq({ ...c.config, dropout: 0 }, rng);
            const batch = randomBatch(rng, 3, 4, model.srcVocabSize, model.tgtVocabSize);
            model.zeroGrad();
            const r = model.loss(batch, { backward: true, train: false });
            return { loss: r.loss, grads: model.params.map((p) => ({ name: p.name, g: Float32Array.from(p.grad) })) };
          });
        const a = run(jsBackend);
        const b = run(native);
        expect(Math.abs(b.loss - a.loss) / Math.abs(a.loss), c.name).toBeLessThan(1e-5);
        a.grads.forEach(({ name, g }, i) => {
          const gn = b.grads[i].g;
          let scale = 1e-3;
          for (const x of g) scale = Math.max(scale, Math.abs(x));
          let err = 0;
          for (let j = 0; j < g.length; j++) err = Math.max(err, Math.abs(gn[j] - g[j]) / scale);
          expect(err, `${c.name}: ${name}`).toBeLessThan(1e-4);
        });
      }
    },
  );

  it.skipIf(skip)('50 training steps (clip 1.0, Adam 1e-3): the same losses to 1e-4', () => {
    const train = (b: Backend) =>
      withBackend(b, () => {
        const rng = new Rng(5);
        const config = {
          cell: 'gru',
          attention: 'bahdanau',
          srcVocabSize: 40,
          tgtVocabSize: 36,
          embeddingSize: 16,
          hiddenSize: 24,
          attentionSize: 20,
          preOutputSize: 20,
          labelSmoothing: 0.1,
        } as const;
        const model = new Seq2Seq(config, rng);
        const adam = new Adam(model.params);
        const losses: number[] = [];
        // a small fixed task the model can learn: the target is the source reversed, shifted by one id
        const data = Array.from({ length: 8 }, () => {
          const src: number[][] = [],
            tgt: number[][] = [];
          for (let i = 0; i < 12; i++) {
            const s = Array.from({ length: 2 + rng.int(6) }, () => 4 + rng.int(30));
            src.push(s);
            tgt.push([...s].reverse().map((x) => x + 1));
          }
          return makeBatch(src, tgt);
        });
        for (let step = 0; step < 50; step++) {
          model.zeroGrad();
          const r = model.loss(data[step % data.length], { backward: true, train: true });
          clipGradNorm(model.params, 1.0);
          adam.step(1e-2);
          losses.push(r.loss / r.tokens);
        }
        return losses;
      });
    const a = train(jsBackend);
    const b = train(native);
    expect(a[49]).toBeLessThan(a[0] * 0.8); // it learns (so the comparison covers real updates)
    for (let i = 0; i < 50; i++) expect(Math.abs(b[i] - a[i]) / a[i], `step ${i}`).toBeLessThan(1e-4);
  });
});
