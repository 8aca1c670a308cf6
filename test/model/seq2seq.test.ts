import { describe, expect, it } from 'vitest';
import type { DecoderState } from '../../src/model/types.js';
import { BOS_ID, makeBatch } from '../../src/data/batch.js';
import { InputError } from '../../src/errors.js';
import { REFERENCE_MODEL_CONFIG, parseModelConfig, type ModelConfigInput } from '../../src/model/config.js';
import { gradcheckCases, gradcheckModel, randomBatch } from '../../src/model/gradcheck.js';
import { Seq2Seq, type Seq2SeqState } from '../../src/model/seq2seq.js';
import { withFloat64 } from '../../src/nn/alloc.js';
import { Rng } from '../../src/util/rng.js';

const tiny = (over: Partial<ModelConfigInput>): ModelConfigInput => ({
  srcVocabSize: 11,
  tgtVocabSize: 10,
  embeddingSize: 5,
  hiddenSize: 6,
  attentionSize: 7,
  preOutputSize: 6,
  ...over,
});

describe('Seq2Seq', () => {
  it('the reference model of performance.md has exactly 15,551,296 parameters (15.55 M)', () => {
    const m = new Seq2Seq(REFERENCE_MODEL_CONFIG, new Rng(1), false);
    expect(m.parameterCount).toBe(15_551_296);
    const shape = (n: string) => m.params.find((p) => p.name === n)?.shape;
    expect(shape('encoder.rnn.weight_ih_l0')).toEqual([1536, 256]);
    expect(shape('encoder.rnn.weight_hh_l0_reverse')).toEqual([1536, 512]);
    expect(shape('decoder.bridge.weight')).toEqual([512, 1024]);
    expect(shape('decoder.attention.key_layer.weight')).toEqual([512, 1024]);
    expect(shape('decoder.rnn.weight_ih_l0')).toEqual([1536, 256 + 1024]);
    expect(shape('decoder.pre_output.weight')).toEqual([512, 1792]);
    expect(shape('decoder.out.weight')).toEqual([8000, 512]);
  });

  it('every configuration passes the float64 finite-difference gradient check', () => {
    const cases = gradcheckCases();
    expect(cases.length).toBeGreaterThanOrEqual(3 * 4 * 4);
    const failures: string[] = [];
    for (const c of cases) {
      const r = gradcheckModel(c, 3, 3);
      expect(r.params.length).toBeGreaterThan(8);
      if (!r.ok)
        failures.push(
          `${c.name}: ${r.params
            .filter((p) => !(p.maxError <= 1e-5))
            .map((p) => `${p.param} ${p.maxError}`)
            .join(', ')}`,
        );
    }
    expect(failures).toEqual([]);
  });

  it('with dropout active (masks fixed by restoring the Rng), BPTT still equals finite differences', () => {
    withFloat64(() => {
      const cases = [
        { attention: 'bahdanau', dropout: 0.3, memoryDropout: 0, wordDropout: 0 },
        { attention: 'none', dropout: 0.3, memoryDropout: 0, wordDropout: 0 },
        { attention: 'bahdanau', dropout: 0.3, memoryDropout: 0.5, wordDropout: 0 },
        { attention: 'luong-general', dropout: 0.3, memoryDropout: 0.5, wordDropout: 0.3 },
        { attention: 'bahdanau', dropout: 0, memoryDropout: 0, wordDropout: 0.4 },
      ] as const;
      for (const { attention, dropout, memoryDropout, wordDropout } of cases) {
        const model = new Seq2Seq(
          tiny({
            cell: 'gru',
            attention,
            dropout,
            memoryDropout,
            wordDropout,
            encoderLayers: 2,
            bidirectional: true,
            inputFeeding: attention !== 'none',
          }),
          new Rng(12),
        );
        const batch = randomBatch(new Rng(4), 3, 4, 11, 10);
        const rngState = model.rng.getState();
        const lossAt = () => {
          model.rng.setState(rngState);
          return model.loss(batch, { backward: false, train: true }).loss;
        };
        model.zeroGrad();
        model.rng.setState(rngState);
        model.loss(batch, { backward: true, train: true });
        expect(lossAt()).not.toBeCloseTo(model.loss(batch).loss, 3); // dropout changes the loss
        const pick = new Rng(1);
        for (const p of model.params) {
          const g = Float64Array.from(p.grad);
          // the largest gradient (a row the batch uses) and three random entries
          let largest = 0;
          for (let i = 1; i < g.length; i++) if (Math.abs(g[i]) > Math.abs(g[largest])) largest = i;
          for (const i of [largest, pick.int(p.size), pick.int(p.size), pick.int(p.size)]) {
            const v = p.value[i];
            p.value[i] = v + 1e-5;
            const lp = lossAt();
            p.value[i] = v - 1e-5;
            const lm = lossAt();
            p.value[i] = v;
            const num = (lp - lm) / 2e-5;
            expect(
              Math.abs(num - g[i]) / Math.max(Math.abs(num), Math.abs(g[i]), 1e-3),
              `${attention} ${p.name}[${i}]`,
            ).toBeLessThan(1e-5);
          }
        }
      }
    });
  });

  for (const field of ['memoryDropout', 'wordDropout'] as const) {
    it(`${field} acts only when training, and changes the loss and the encoder gradients`, () => {
      withFloat64(() => {
        const batch = randomBatch(new Rng(4), 3, 5, 11, 10);
        const run = (q: number) => {
          const model = new Seq2Seq(
            tiny({ cell: 'gru', attention: 'bahdanau', dropout: 0, [field]: q, bidirectional: true }),
            new Rng(12),
          );
          model.zeroGrad();
          const r = model.loss(batch, { backward: true, train: true });
          const grad = (name: string) => Float64Array.from(model.params.find((p) => p.name === name)!.grad);
          return { loss: r.loss, inference: model.loss(batch).loss, emb: grad('encoder.embedding.weight') };
        };
        const off = run(0);
        const on = run(0.6);
        // inference ignores it; training with it differs from training without it
        expect(on.inference).toBe(off.inference);
        expect(Math.abs(on.loss - off.loss)).toBeGreaterThan(1e-3);
        // without dropout elsewhere, training with it at 0 is inference
        expect(off.loss).toBeCloseTo(off.inference, 10);
        expect(on.emb.some((g, i) => Math.abs(g - off.emb[i]) > 1e-9)).toBe(true);
      });
    });
  }

  describe('a sentence gives the same loss and gradients alone or padded beside longer ones', () => {
    for (const cell of ['rnn', 'gru', 'lstm'] as const)
      for (const attention of ['none', 'bahdanau', 'luong-general'] as const) {
        it(`${cell} ${attention}`, () => {
          const model = new Seq2Seq(
            tiny({ cell, attention, bidirectional: true, encoderLayers: 2, inputFeeding: attention !== 'none' }),
            new Rng(5),
          );
          const short = { src: [5, 6], tgt: [7] };
          const long = { src: [4, 8, 9, 10, 5], tgt: [4, 5, 6, 8] };
          const run = (pairs: (typeof short)[]) => {
            model.zeroGrad();
            const r = model.loss(
              makeBatch(
                pairs.map((p) => p.src),
                pairs.map((p) => p.tgt),
              ),
              { backward: true },
            );
            return { loss: r.loss, tokens: r.tokens, grads: model.params.map((p) => Float64Array.from(p.grad)) };
          };
          const a = run([short]);
          const b = run([long]);
          const ab = run([long, short]);
          expect(ab.tokens).toBe(a.tokens + b.tokens);
          expect(Math.abs(ab.loss - (a.loss + b.loss))).toBeLessThan(1e-5 * Math.max(1, ab.loss));
          let worst = 0;
          ab.grads.forEach((g, i) => {
            for (let j = 0; j < g.length; j++) worst = Math.max(worst, Math.abs(g[j] - a.grads[i][j] - b.grads[i][j]));
          });
          expect(worst).toBeLessThan(1e-5);
        });
      }
  });

  describe('the step API gives the teacher-forced log-probabilities', () => {
    for (const cell of ['rnn', 'gru', 'lstm'] as const)
      for (const attention of ['none', 'bahdanau', 'luong-dot', 'luong-general'] as const) {
        it(`${cell} ${attention}`, () => {
          const cfg = tiny({
            cell,
            attention,
            decoderLayers: 2,
            encoderLayers: 2,
            bidirectional: true,
            encoderHiddenSize: 3,
            inputFeeding: attention.startsWith('luong'),
          });
          const model = new Seq2Seq(cfg, new Rng(9));
          const batch = randomBatch(new Rng(2), 3, 4, 11, 10);
          const V = model.tgtVocabSize;
          const B = batch.size;
          const tf = model.logProbs(batch);
          let state: DecoderState = model.startDecoding(batch.src, batch.srcLengths, B, batch.srcLen);
          let worst = 0;
          for (let t = 0; t < batch.tgtLen; t++) {
            const r = model.step(state, batch.tgtIn.subarray(t * B, (t + 1) * B));
            for (let i = 0; i < B * V; i++) worst = Math.max(worst, Math.abs(r.logProbs[i] - tf[t * B * V + i]));
            if (attention === 'none') expect(r.attention).toBeNull();
            else {
              const a = r.attention!;
              for (let b = 0; b < B; b++) {
                let sum = 0;
                for (let s = 0; s < batch.srcLen; s++) {
                  if (s >= batch.srcLengths[b]) expect(a[b * batch.srcLen + s]).toBe(0);
                  sum += a[b * batch.srcLen + s];
                }
                expect(sum).toBeCloseTo(1, 5);
              }
            }
            state = r.state;
          }
          expect(worst).toBeLessThan(1e-5);
        });
      }
  });

  it('DecoderState.select reorders and duplicates hypotheses (memory included)', () => {
    const model = new Seq2Seq(tiny({ cell: 'lstm', attention: 'bahdanau', inputFeeding: true }), new Rng(4));
    const batch = randomBatch(new Rng(8), 3, 5, 11, 10);
    const s0 = model.startDecoding(batch.src, batch.srcLengths, 3, batch.srcLen);
    const first = model.step(s0, new Int32Array([BOS_ID, BOS_ID, BOS_ID]));
    const sel = first.state.select(new Int32Array([2, 0, 2]));
    const next = model.step(sel, new Int32Array([4, 5, 6]));
    const direct = model.step(first.state, new Int32Array([5, 9, 4]));
    const V = model.tgtVocabSize;
    // row 1 of `next` is row 0 of the original fed token 5
    for (let j = 0; j < V; j++) expect(next.logProbs[V + j]).toBeCloseTo(direct.logProbs[j], 6);
    // row 2 of `next` is row 2 of the original fed token 6: recompute it alone
    const again = model.step(first.state.select(new Int32Array([2])), new Int32Array([6]));
    for (let j = 0; j < V; j++) expect(next.logProbs[2 * V + j]).toBeCloseTo(again.logProbs[j], 6);
  });

  it('select never copies the encoder memory (rows read it through their sentence), with identical results', () => {
    const model = new Seq2Seq(tiny({ cell: 'gru', attention: 'bahdanau' }), new Rng(6));
    const batch = randomBatch(new Rng(3), 2, 5, 11, 10);
    const s0 = model.startDecoding(batch.src, batch.srcLengths, 2, batch.srcLen);
    const s1 = s0.select(new Int32Array([0, 0, 1, 1]));
    expect(s1.memory).toBe(s0.memory); // expanded to a beam of two rows per sentence: still one memory
    const r1 = model.step(s1, new Int32Array(4).fill(BOS_ID));
    const perm = new Int32Array([1, 0, 3, 2]);
    const s2 = (r1.state as Seq2SeqState).select(perm);
    expect(s2.memory).toBe((r1.state as Seq2SeqState).memory);
    const prev = new Int32Array([4, 5, 6, 7]);
    const r2 = model.step(s2, prev);
    const V = model.tgtVocabSize;
    for (let i = 0; i < 4; i++) {
      // the same hypothesis stepped alone (a state of one row, its sentence's memory shared)
      const alone = model.step((r1.state as Seq2SeqState).select(new Int32Array([perm[i]])), prev.subarray(i, i + 1));
      for (let j = 0; j < V; j++) expect(r2.logProbs[i * V + j]).toBeCloseTo(alone.logProbs[j], 6);
    }
  });

  it('token ids outside the vocabulary are InputErrors, not silent garbage', () => {
    const model = new Seq2Seq(tiny({}), new Rng(1));
    expect(() => model.loss(makeBatch([[5, 11]], [[4]]))).toThrow(
      /batch source: token id 11 is outside the model's vocabulary \(0\.\.10\)/,
    );
    expect(() => model.loss(makeBatch([[5]], [[10]]))).toThrow(InputError);
    const s = model.startDecoding(new Int32Array([5]), new Int32Array([1]), 1, 1);
    expect(() => model.step(s, new Int32Array([-1]))).toThrow(/previous target/);
  });

  it('config errors name the field', () => {
    expect(() => parseModelConfig({ srcVocabSize: 10, tgtVocabSize: 10, hidenSize: 3 }, 'x.json')).toThrow(
      /x\.json: .*hidenSize/,
    );
    expect(() => parseModelConfig({ srcVocabSize: 10, tgtVocabSize: 10, dropout: 1.5 }, 'x.json')).toThrow(/dropout/);
    expect(() => parseModelConfig({ srcVocabSize: 10, tgtVocabSize: 10, cell: 'rnm' })).toThrow(/cell/);
    expect(() =>
      parseModelConfig({ srcVocabSize: 10, tgtVocabSize: 10, attention: 'luong-dot', bidirectional: true }),
    ).toThrow(InputError);
    expect(() => parseModelConfig({ srcVocabSize: 10, tgtVocabSize: 10, tiedTargetEmbeddings: true })).toThrow(
      /tiedTargetEmbeddings/,
    );
    expect(parseModelConfig({ srcVocabSize: 10, tgtVocabSize: 12 }).cell).toBe('gru');
  });
});
