/**
 * The inference step (src/model/decoder-step.ts) against the training-time decoder pass it replaces at decoding:
 * a DecoderPass over one step (what Seq2Seq.step ran before), given every row's memory, keys and lengths copied out
 * row by row, is the oracle. Over a script of steps and selects (beam-like expansion, reordering, dropping, a few
 * rows and many, so both the unpacked row kernel and the packed panels run), the session, the session with the step
 * weights packed (prepareForDecoding) and the step API must give the oracle's log-probabilities and attention
 * weights to the bit, for every attention kind, cell, input feeding, several layers, and sizes over one k block.
 */
import { describe, expect, it } from 'vitest';
import { BOS_ID } from '../../src/data/batch.js';
import type { ModelConfigInput } from '../../src/model/config.js';
import { DecoderPass } from '../../src/model/decoder-pass.js';
import { randomBatch } from '../../src/model/gradcheck.js';
import { Seq2Seq, type Seq2SeqState } from '../../src/model/seq2seq.js';
import type { DecodingSession } from '../../src/model/types.js';
import { PackedSteps } from '../../src/nn/packed-steps.js';
import { getBackend } from '../../src/tensor/index.js';
import { Rng } from '../../src/util/rng.js';

const CONFIGS: Record<string, ModelConfigInput> = {
  // the reference model's kind; K = 300 and 32 + 600 span two k blocks of the GEMM (256)
  'gru bahdanau, two k blocks': {
    cell: 'gru',
    attention: 'bahdanau',
    srcVocabSize: 40,
    tgtVocabSize: 600,
    embeddingSize: 32,
    hiddenSize: 300,
    attentionSize: 64,
    bidirectional: true,
    dropout: 0,
  },
  'lstm luong-general, input feeding, 2 layers': {
    cell: 'lstm',
    attention: 'luong-general',
    inputFeeding: true,
    srcVocabSize: 30,
    tgtVocabSize: 50,
    embeddingSize: 12,
    hiddenSize: 20,
    encoderLayers: 2,
    decoderLayers: 2,
    bidirectional: true,
    dropout: 0,
  },
  'rnn, no attention, no pre-output, 2 layers': {
    cell: 'rnn',
    attention: 'none',
    preOutput: false,
    srcVocabSize: 30,
    tgtVocabSize: 45,
    embeddingSize: 10,
    hiddenSize: 14,
    decoderLayers: 2,
    dropout: 0,
  },
  'gru luong-dot, tied embeddings': {
    cell: 'gru',
    attention: 'luong-dot',
    srcVocabSize: 30,
    tgtVocabSize: 70,
    embeddingSize: 16,
    hiddenSize: 16,
    encoderHiddenSize: 8,
    bidirectional: true,
    tiedTargetEmbeddings: true,
    dropout: 0,
  },
};

/** After each step, the rows kept for the next one (from 3 sentences: expand, reorder, drop, grow again). */
const SELECTS = [
  [0, 0, 1, 2, 2, 2],
  [5, 4, 3, 2, 1, 0, 0, 1],
  [2, 7],
  [1, 1, 1, 1, 1, 0],
  [5, 0, 3],
];

/** The state the oracle steps: every row's own copy of its sentence's memory, keys and length. */
interface OracleState {
  h: Float32Array[];
  c: (Float32Array | null)[];
  oPrev: Float32Array | null;
  context: Float32Array | null;
  memory: Float32Array | null;
  keys: Float32Array | null;
  lengths: Int32Array;
}

const pickRows = (x: Float32Array, rows: number[], w: number): Float32Array => {
  const out = new Float32Array(rows.length * w);
  rows.forEach((r, i) => out.set(x.subarray(r * w, (r + 1) * w), i * w));
  return out;
};
/** Rows (s, rows[i]) of a time-major [S×B×w] array. */
const pickTimeMajor = (x: Float32Array, S: number, B: number, rows: number[], w: number): Float32Array => {
  const out = new Float32Array(S * rows.length * w);
  for (let s = 0; s < S; s++)
    rows.forEach((r, i) => out.set(x.subarray((s * B + r) * w, (s * B + r + 1) * w), (s * rows.length + i) * w));
  return out;
};

function oracleStep(model: Seq2Seq, pass: DecoderPass, st: OracleState, S: number, prev: Int32Array) {
  const n = prev.length;
  const memory = st.memory ? { M: st.memory, S, lengths: st.lengths, source: null, keys: st.keys } : null;
  pass.begin(PackedSteps.full(1, n), { h: st.h, c: st.c, context: st.context, oPrev: st.oPrev }, memory);
  const logits = pass.forward(prev, false, null);
  const V = model.tgtVocabSize;
  const logProbs = new Float32Array(n * V);
  getBackend().logSoftmax(n, V, logits, logProbs);
  const lstm = model.config.cell === 'lstm';
  const next: OracleState = {
    ...st,
    h: pass.runs.map((r) => r.h(0).slice()),
    c: pass.runs.map((r) => (lstm ? r.c(0).slice() : null)),
    oPrev: model.config.inputFeeding ? pass.O.slice() : null,
  };
  return { logProbs, attention: pass.alphas(0)?.slice() ?? null, next };
}

function oracleSelect(model: Seq2Seq, st: OracleState, S: number, rows: number[]): OracleState {
  const H = model.config.hiddenSize;
  const B = st.lengths.length;
  const C = model.sizes.memory;
  const A = model.decoder.attention?.keySize ?? 0;
  const memory = st.memory && pickTimeMajor(st.memory, S, B, rows, C);
  return {
    h: st.h.map((x) => pickRows(x, rows, H)),
    c: st.c.map((x) => x && pickRows(x, rows, H)),
    oPrev: st.oPrev && pickRows(st.oPrev, rows, model.sizes.preOutput),
    context: st.context && pickRows(st.context, rows, H),
    memory,
    keys: st.keys && (st.keys === st.memory ? memory : pickTimeMajor(st.keys, S, B, rows, A)),
    lengths: Int32Array.from(rows, (r) => st.lengths[r]),
  };
}

function expectSameBits(got: Float32Array | null, want: Float32Array | null, what: string): void {
  expect(got === null, `${what}: null`).toBe(want === null);
  if (!got || !want) return;
  expect(got.length, `${what}: length`).toBe(want.length);
  let differ = 0;
  for (let i = 0; i < want.length; i++) if (!Object.is(got[i], want[i])) differ++;
  expect(differ, `${what}: elements that differ`).toBe(0);
}

const sourcesOf = (rng: Rng, V: number) => randomBatch(rng, 3, 6, V, 10);

describe(`the inference step = the decoder pass over one step, to the bit (backend: ${getBackend().name})`, () => {
  for (const [name, config] of Object.entries(CONFIGS)) {
    it(name, () => {
      const model = new Seq2Seq(config, new Rng(5));
      const prepared = new Seq2Seq(config, new Rng(5));
      prepared.prepareForDecoding();
      const batch = sourcesOf(new Rng(9), model.srcVocabSize);
      const { src, srcLengths, srcLen: S } = batch;
      const start = model.startDecoding(src, srcLengths, 3, S);
      const sources = start.sources;
      let oracle: OracleState = {
        h: start.rows.h,
        c: start.rows.c,
        oPrev: start.rows.oPrev,
        context: sources.context,
        memory: sources.memory,
        keys: sources.keys,
        lengths: sources.lengths,
      };
      const pass = new DecoderPass(model.decoder);
      const sessions: [string, DecodingSession][] = [
        ['session', model.startSession(src, srcLengths, 3, S)],
        ['packed session', prepared.startSession(src, srcLengths, 3, S)],
      ];
      let state: Seq2SeqState = start;
      const rng = new Rng(3);
      let prev = new Int32Array(3).fill(BOS_ID);
      for (let t = 0; t <= SELECTS.length; t++) {
        const want = oracleStep(model, pass, oracle, S, prev);
        const api = state.step(prev);
        expectSameBits(api.logProbs, want.logProbs, `step ${t}, step API log-probabilities`);
        expectSameBits(api.attention, want.attention, `step ${t}, step API attention`);
        for (const [how, session] of sessions) {
          const got = session.step(prev);
          expectSameBits(got.logProbs, want.logProbs, `step ${t}, ${how} log-probabilities`);
          expectSameBits(got.attention, want.attention, `step ${t}, ${how} attention`);
        }
        if (t === SELECTS.length) break;
        const rows = SELECTS[t];
        oracle = oracleSelect(model, want.next, S, rows);
        state = (api.state as Seq2SeqState).select(Int32Array.from(rows));
        for (const [, session] of sessions) session.select(Int32Array.from(rows));
        prev = Int32Array.from(rows, () => 4 + rng.int(model.tgtVocabSize - 4));
      }
    });
  }

  it('weights changed after prepareForDecoding are not multiplied in their old packed form', () => {
    const config = CONFIGS['gru bahdanau, two k blocks'];
    const model = new Seq2Seq(config, new Rng(5));
    model.prepareForDecoding();
    const batch = sourcesOf(new Rng(9), model.srcVocabSize);
    const prev = new Int32Array(6).fill(BOS_ID);
    const stepSix = (m: Seq2Seq) => {
      const s = m.startSession(batch.src, batch.srcLengths, 3, batch.srcLen);
      s.select(Int32Array.of(0, 0, 1, 1, 2, 2)); // 6 rows: the products take the packed panels
      return s.step(prev).logProbs.slice();
    };
    const before = stepSix(model);
    // as an optimiser step would: every weight moves
    for (const p of model.params) for (let i = 0; i < p.size; i++) p.value[i] *= 1.01;
    const fresh = new Seq2Seq(config, new Rng(5));
    fresh.params.forEach((p, i) => p.value.set(model.params[i].value));
    const after = stepSix(model);
    expectSameBits(after, stepSix(fresh), 'changed weights, packed before, against a model never packed');
    expect(after.some((x, i) => x !== before[i])).toBe(true);
  });
});
