/**
 * EnsembleModel (src/model/ensemble.ts) against its members, recomputed independently here in
 * float64: one member gives the member's outputs; several give log(mean(exp(log p_i))) and the mean
 * attention; select() equals selecting each member; greedy and beam search decode through it.
 */
import { describe, expect, it } from 'vitest';
import { BOS_ID, EOS_ID } from '../../src/data/batch.js';
import { beamSearch } from '../../src/decode/beam.js';
import { greedyDecode } from '../../src/decode/greedy.js';
import { packSources } from '../../src/decode/source-batch.js';
import { Translator } from '../../src/decode/translator.js';
import { EnsembleModel, type EnsembleState } from '../../src/model/ensemble.js';
import { Seq2Seq } from '../../src/model/seq2seq.js';
import type { DecoderState, Seq2SeqModel } from '../../src/model/types.js';
import { Rng } from '../../src/util/rng.js';
import { learnBpe } from '../../src/text/tokenizer.js';
import { TINY_SRC, TINY_TGT } from '../decode/tiny-run.js';

const V_SRC = 13;
const V_TGT = 11;
const model = (seed: number, over: Record<string, unknown> = {}) =>
  new Seq2Seq(
    {
      cell: 'gru',
      srcVocabSize: V_SRC,
      tgtVocabSize: V_TGT,
      embeddingSize: 6,
      hiddenSize: 8,
      attention: 'bahdanau',
      ...over,
    },
    new Rng(seed),
  );

// Sources of different lengths (padding in the batch), ids ≥ 4 (past the special tokens).
const SOURCES = [[4, 5, 6, 7, 8], [9, 10], [11, 12, 4, 5], [6]];
const PREVS = [
  [BOS_ID, BOS_ID, BOS_ID, BOS_ID],
  [5, 7, 9, 10],
  [4, 4, 8, 6],
];

/** log((1/N) Σ_i exp(lp_i)) per element, in float64 (a plain sum of exponentials: no shift needed at these magnitudes). */
function mixture(rows: Float32Array[]): Float64Array {
  const out = new Float64Array(rows[0].length);
  for (let k = 0; k < out.length; k++) {
    let s = 0;
    for (const r of rows) s += Math.exp(r[k]);
    out[k] = Math.log(s / rows.length);
  }
  return out;
}

function start(m: Seq2SeqModel, sources: number[][]): DecoderState {
  const p = packSources(sources);
  return m.startDecoding(p.src, p.lengths, p.batchSize, p.srcLen);
}

describe('EnsembleModel', () => {
  it('of one model: identical step outputs and identical translations', async () => {
    const m = model(3);
    const ens = new EnsembleModel([m]);
    expect(ens.hasAttention).toBe(true);
    let sm = start(m, SOURCES);
    let se = start(ens, SOURCES);
    for (const prev of PREVS) {
      const a = m.step(sm, Int32Array.from(prev));
      const b = ens.step(se, Int32Array.from(prev));
      expect(b.logProbs).toEqual(a.logProbs);
      expect(b.attention).toEqual(a.attention);
      sm = a.state;
      se = b.state;
    }
    const src = await learnBpe(TINY_SRC, { vocabSize: 40, minFrequency: 1 });
    const tgt = await learnBpe(TINY_TGT, { vocabSize: 40, minFrequency: 1 });
    const real = new Seq2Seq(
      { cell: 'lstm', srcVocabSize: src.vocabSize, tgtVocabSize: tgt.vocabSize, embeddingSize: 6, hiddenSize: 8 },
      new Rng(5),
    );
    for (const beam of [1, 3]) {
      const single = new Translator(real, src, tgt, { beam, nBest: beam, lengthPenalty: 1 }).translate(TINY_SRC);
      const one = new Translator(new EnsembleModel([real]), src, tgt, {
        beam,
        nBest: beam,
        lengthPenalty: 1,
      }).translate(TINY_SRC);
      expect(one).toEqual(single);
    }
  });

  it('of two different models: log p = log(mean(exp(log p_i))) to 1e-5, rows sum to 1, attention is the mean', () => {
    const members = [model(1), model(2, { cell: 'lstm', hiddenSize: 10 })];
    const ens = new EnsembleModel(members);
    let states = members.map((m) => start(m, SOURCES));
    let se = start(ens, SOURCES);
    const B = SOURCES.length;
    for (const prev of PREVS) {
      const own = members.map((m, i) => m.step(states[i], Int32Array.from(prev)));
      const r = ens.step(se, Int32Array.from(prev));
      expect(r.logProbs).toBeInstanceOf(Float32Array);
      expect(r.logProbs.length).toBe(B * V_TGT);
      // the members' distributions differ (else the test would show nothing)
      expect(Math.max(...own[0].logProbs.map((x, k) => Math.abs(x - own[1].logProbs[k])))).toBeGreaterThan(1e-3);
      const want = mixture(own.map((o) => o.logProbs));
      for (let k = 0; k < want.length; k++) expect(Math.abs(r.logProbs[k] - want[k])).toBeLessThan(1e-5);
      for (let b = 0; b < B; b++) {
        let p = 0;
        for (let v = 0; v < V_TGT; v++) p += Math.exp(r.logProbs[b * V_TGT + v]);
        expect(Math.abs(p - 1)).toBeLessThan(1e-5);
      }
      const a0 = own[0].attention!;
      const a1 = own[1].attention!;
      expect(r.attention).not.toBeNull();
      expect(r.attention!.length).toBe(a0.length);
      for (let k = 0; k < a0.length; k++) expect(Math.abs(r.attention![k] - (a0[k] + a1[k]) / 2)).toBeLessThan(1e-7);
      states = own.map((o) => o.state);
      se = r.state;
    }
  });

  it('a member without attention: no attention (hasAttention false, attention null)', () => {
    const ens = new EnsembleModel([model(1), model(4, { attention: 'none' })]);
    expect(ens.hasAttention).toBe(false);
    const r = ens.step(start(ens, SOURCES), new Int32Array(SOURCES.length).fill(BOS_ID));
    expect(r.attention).toBeNull();
  });

  it('select() of the ensemble state equals selecting each member state', () => {
    const members = [model(1), model(2), model(6, { cell: 'rnn' })];
    const ens = new EnsembleModel(members);
    const prev = Int32Array.from(PREVS[1]);
    const first = members.map((m) => m.step(start(m, SOURCES), new Int32Array(SOURCES.length).fill(BOS_ID)).state);
    const ensFirst = ens.step(start(ens, SOURCES), new Int32Array(SOURCES.length).fill(BOS_ID)).state as EnsembleState;
    const rows = Int32Array.from([2, 2, 0, 3, 1]);
    const sel = ensFirst.select(rows);
    expect(sel.batchSize).toBe(rows.length);
    const selPrev = Int32Array.from(rows, (r) => prev[r]);
    const own = members.map((m, i) => m.step(first[i].select(rows), selPrev));
    const r = ens.step(sel, selPrev);
    const want = mixture(own.map((o) => o.logProbs));
    for (let k = 0; k < want.length; k++) expect(Math.abs(r.logProbs[k] - want[k])).toBeLessThan(1e-5);
    // each member state inside is exactly that member's selected state (same next step)
    sel.members.forEach((s, i) => expect(members[i].step(s, selPrev).logProbs).toEqual(own[i].logProbs));
  });

  it('greedy and beam search decode through an ensemble; their log-probabilities are the mixture’s', () => {
    const members = [model(11), model(12), model(13, { cell: 'lstm' })];
    const ens = new EnsembleModel(members);
    const opts = {
      beam: 3,
      nBest: 3,
      lengthPenalty: 0.6,
      maxLengthRatio: 1,
      maxLengthConstant: 4,
      keepAttention: true,
    };
    /** Σ log p of ids (+ </s> when finished) under the mixture, replayed member by member in float64. */
    const replay = (src: number[], ids: number[], finished: boolean): { logProb: number; argmaxOk: boolean } => {
      let states = members.map((m) => start(m, [src]));
      let prev = BOS_ID;
      let logProb = 0;
      let argmaxOk = true;
      for (const tok of finished ? [...ids, EOS_ID] : ids) {
        const own = members.map((m, i) => m.step(states[i], Int32Array.of(prev)));
        const mix = mixture(own.map((o) => o.logProbs));
        logProb += mix[tok];
        if (mix[tok] < Math.max(...mix) - 1e-6) argmaxOk = false;
        states = own.map((o) => o.state);
        prev = tok;
      }
      return { logProb, argmaxOk };
    };
    const greedy = greedyDecode(ens, SOURCES, opts);
    expect(greedy).toHaveLength(SOURCES.length);
    greedy.forEach((h, b) => {
      const r = replay(SOURCES[b], h.ids, h.finished);
      expect(r.argmaxOk).toBe(true);
      expect(Math.abs(h.logProb - r.logProb)).toBeLessThan(1e-4);
      expect(h.attention).toHaveLength(h.ids.length + (h.finished ? 1 : 0));
    });
    const beams = beamSearch(ens, SOURCES, opts);
    expect(beams).toHaveLength(SOURCES.length);
    beams.forEach((hyps, b) => {
      expect(hyps.length).toBeGreaterThan(0);
      expect(hyps[0].score).toBeGreaterThanOrEqual(greedy[b].score - 1e-9);
      for (const h of hyps)
        expect(Math.abs(h.logProb - replay(SOURCES[b], h.ids, h.finished).logProb)).toBeLessThan(1e-4);
    });
    expect(beamSearch(ens, SOURCES, { ...opts, beam: 1, nBest: 1 }).map((h) => h[0].ids)).toEqual(
      greedy.map((h) => h.ids),
    );
  });

  it('the mixture is stable: −∞ everywhere stays −∞, values near −1000 (exp underflows) stay exact, across the chunks of a large B×V', () => {
    const V = 100_003; // B×V = 300,009: more than one chunk of 2^18 elements
    const B = 3;
    const rng = new Rng(17);
    const rows = [0, 1].map(() => Float32Array.from({ length: B * V }, () => -30 * rng.next()));
    for (const k of [5, 262_143, 262_144, 300_008]) rows.forEach((r) => (r[k] = -Infinity));
    for (const k of [7, 262_145]) rows.forEach((r, i) => (r[k] = -1000 - 3 * i));
    rows[0][9] = -Infinity; // one member −∞: the other's probability, halved
    /** A member that returns fixed log-probabilities. */
    const fixed = (lp: Float32Array): Seq2SeqModel => {
      const state: DecoderState = { batchSize: B, select: () => state };
      return {
        srcVocabSize: 5,
        tgtVocabSize: V,
        hasAttention: false,
        params: [],
        loss: () => ({ loss: 0, nll: 0, tokens: 0 }),
        startDecoding: () => state,
        step: () => ({ logProbs: lp, attention: null, state }),
      };
    };
    const ens = new EnsembleModel(rows.map(fixed));
    const r = ens.step(ens.startDecoding(new Int32Array(B), new Int32Array(B).fill(1), B, 1), new Int32Array(B));
    expect(r.logProbs.length).toBe(B * V);
    for (const k of [5, 262_143, 262_144, 300_008]) expect(r.logProbs[k]).toBe(-Infinity);
    // log((e^−1000 + e^−1003) / 2) = −1000 + log((1 + e^−3) / 2)
    for (const k of [7, 262_145])
      expect(Math.abs(r.logProbs[k] - (-1000 + Math.log((1 + Math.exp(-3)) / 2)))).toBeLessThan(1e-4);
    expect(Math.abs(r.logProbs[9] - (rows[1][9] - Math.log(2)))).toBeLessThan(1e-5);
    const special = new Set([5, 7, 9, 262_143, 262_144, 262_145, 300_008]);
    for (let k = 0; k < B * V; k += 97) {
      if (special.has(k)) continue;
      const want = Math.log((Math.exp(rows[0][k]) + Math.exp(rows[1][k])) / 2);
      if (Math.abs(r.logProbs[k] - want) > 1e-5) expect.fail(`element ${k}: ${r.logProbs[k]} vs ${want}`);
    }
    for (let k = 262_100; k < 262_200; k++) {
      if (special.has(k)) continue;
      expect(Math.abs(r.logProbs[k] - Math.log((Math.exp(rows[0][k]) + Math.exp(rows[1][k])) / 2))).toBeLessThan(1e-5);
    }
  });

  it('rejects members with different vocabularies; has no loss and no parameters', () => {
    expect(() => new EnsembleModel([])).toThrow(/at least one/);
    expect(() => new EnsembleModel([model(1), model(2, { tgtVocabSize: V_TGT + 1 })])).toThrow(
      /member 2 has vocabularies 13 → 12/,
    );
    const ens = new EnsembleModel([model(1), model(2)]);
    expect(ens.params).toEqual([]);
    expect(() => ens.loss({} as never)).toThrow(/only decodes/);
  });
});
