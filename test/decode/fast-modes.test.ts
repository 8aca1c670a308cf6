/**
 * The opt-in fast decoding modes (src/model/shortlist.ts, src/model/output-layer.ts):
 * - learning: the Dice ranking and the frequent list of a hand-counted corpus; a batch's columns;
 * - a shortlist covering the whole vocabulary decodes exactly as the default path (to the bit);
 * - greedy over a shortlist takes, step after step, the best token of the shortlist under the exact model
 *   (the softmax over the shortlist is a shift of the logits, so its argmax is theirs);
 * - beam search over a shortlist outputs shortlist tokens only, and its log-probabilities are those of the
 *   distribution renormalised over the shortlist;
 * - int8 / bf16 output layers: log-probabilities near the exact ones (the products' rounding bounds of
 *   test/tensor/low-precision.test.ts, here as a loose 0.1 nats), not the exact ones (the path is taken);
 * - the shortlist file: its round trip, and one-line errors for a foreign or broken file.
 */
import { describe, expect, it } from 'vitest';
import { BOS_ID, EOS_ID } from '../../src/data/batch.js';
import { beamSearch } from '../../src/decode/beam.js';
import { greedyDecode } from '../../src/decode/greedy.js';
import { packSources } from '../../src/decode/source-batch.js';
import { InputError } from '../../src/errors.js';
import type { ModelConfigInput } from '../../src/model/config.js';
import { Seq2Seq } from '../../src/model/seq2seq.js';
import { Shortlist, ShortlistLearner } from '../../src/model/shortlist.js';
import type { DecoderState } from '../../src/model/types.js';
import { Rng } from '../../src/util/rng.js';

const CONFIG: ModelConfigInput = {
  cell: 'gru',
  attention: 'bahdanau',
  srcVocabSize: 30,
  tgtVocabSize: 40,
  embeddingSize: 8,
  hiddenSize: 16,
  bidirectional: true,
  dropout: 0,
};
const SOURCES = [
  [5, 9, 13, 7],
  [4, 4],
  [22, 21, 20, 19, 18, 17],
  [6, 11, 8],
];
const OPTS = { lengthPenalty: 0.6, maxLengthRatio: 1.5, maxLengthConstant: 3, keepAttention: false };

/** A shortlist with the given list for every source id and the given frequent ids. */
const uniform = (V: number, list: number[], frequent: number[]) =>
  new Shortlist(
    30,
    V,
    Int32Array.from(frequent),
    Array.from({ length: 30 }, () => list),
  );

describe('learning a shortlist', () => {
  it('ranks the targets of a source token by Dice, keeps the most frequent targets, ties to the lower id', () => {
    const learner = new ShortlistLearner(10, 12);
    // c(5) = 3, c(6) = 1; c(t=7) = 3, c(t=8) = 1, c(t=9) = 4 (in every pair), c(t=10) = 1
    learner.add([5], [7, 9]);
    learner.add([5, 5], [7, 9, 9]); // a token counts once per sentence
    learner.add([5, 6], [7, 8, 9]);
    learner.add([6], [9, 10]);
    // s = 5: dice(7) = 2·3/(3+3) = 1, dice(9) = 2·3/(3+4) = 0.857, dice(8) = 2·1/(3+1) = 0.5
    // s = 6: dice(8) = 2·1/(2+1) = 0.667, dice(10) = 0.667, dice(9) = 2·2/(2+4) = 0.667, dice(7) = 2·1/(2+3) = 0.4
    const sl = learner.finish({ perSource: 2, frequent: 1 });
    expect(Array.from(sl.targetsOf(5))).toEqual([7, 9]);
    expect(Array.from(sl.targetsOf(6))).toEqual([8, 9]); // three tied at 2/3: the two lowest ids
    expect(Array.from(sl.targetsOf(4))).toEqual([]);
    expect(Array.from(sl.frequent)).toEqual([9]);
    expect(learner.pairsCounted).toBe(4);
    // a batch: the special ids 0–3, the frequent ones and the lists of its source ids, ascending
    expect(Array.from(sl.columnsFor(Int32Array.of(6, 0, 6)))).toEqual([0, 1, 2, 3, 8, 9]);
    expect(Array.from(sl.columnsFor(Int32Array.of(5, 6)))).toEqual([0, 1, 2, 3, 7, 8, 9]);
  });

  it('round-trips through its JSON; a file for other vocabularies or with foreign ids is one clear error', () => {
    const sl = uniform(40, [7, 12], [20]);
    const back = Shortlist.fromJSON(JSON.parse(JSON.stringify(sl)), 'x.json', 30, 40);
    expect(Array.from(back.columnsFor(Int32Array.of(3)))).toEqual([0, 1, 2, 3, 7, 12, 20]);
    expect(() => Shortlist.fromJSON(JSON.parse(JSON.stringify(sl)), 'x.json', 30, 41)).toThrow(
      /^x\.json: made for vocabularies 30 → 40, the model has 30 → 41$/,
    );
    const bad = { ...(sl.toJSON() as Record<string, unknown>), frequent: [40] };
    expect(() => Shortlist.fromJSON(bad, 'x.json', 30, 40)).toThrow(InputError);
    expect(() => Shortlist.fromJSON({ format: 'other' }, 'x.json', 30, 40)).toThrow(/not a seq2seq-shortlist file/);
  });
});

describe('decoding over a shortlist', () => {
  const exact = new Seq2Seq(CONFIG, new Rng(3));
  const withShortlist = (sl: Shortlist) => {
    const m = new Seq2Seq(CONFIG, new Rng(3));
    m.prepareForDecoding({ shortlist: sl });
    return m;
  };

  it('over the whole vocabulary: the same outputs, to the bit, as the default path', () => {
    const all = withShortlist(
      uniform(
        40,
        Array.from({ length: 40 }, (_, t) => t),
        [],
      ),
    );
    expect(greedyDecode(all, SOURCES, OPTS)).toEqual(greedyDecode(exact, SOURCES, OPTS));
    const beam = { ...OPTS, beam: 4, nBest: 2 };
    expect(beamSearch(all, SOURCES, beam)).toEqual(beamSearch(exact, SOURCES, beam));
  });

  it('greedy: every step the best shortlist token under the exact model, its log-probability renormalised', () => {
    const list = [3, 5, 8, 9, 13, 21, 34];
    const columns = [0, 1, 2, 3, 5, 8, 9, 13, 21, 34];
    const model = withShortlist(uniform(40, list, []));
    SOURCES.forEach((src) => {
      const got = greedyDecode(model, [src], OPTS)[0];
      // the exact model's step API, restricted to the columns by hand
      const p = packSources([src]);
      let state: DecoderState = exact.startDecoding(p.src, p.lengths, 1, p.srcLen);
      let prev = BOS_ID;
      let logProb = 0;
      const ids: number[] = [];
      for (let t = 0; t <= got.ids.length && t < 20; t++) {
        const r = exact.step(state, Int32Array.of(prev));
        const lse = Math.log(columns.reduce((s, c) => s + Math.exp(r.logProbs[c]), 0));
        const best = columns.reduce((b, c) => (r.logProbs[c] > r.logProbs[b] ? c : b), columns[0]);
        logProb += r.logProbs[best] - lse;
        if (best === EOS_ID) break;
        ids.push(best);
        if (ids.length === got.ids.length && !got.finished) break;
        state = r.state;
        prev = best;
      }
      expect(got.ids).toEqual(ids);
      expect(got.logProb).toBeCloseTo(logProb, 4);
    });
  });

  it('beam search outputs shortlist tokens only', () => {
    const list = [4, 6, 10, 11];
    const model = withShortlist(uniform(40, list, [17]));
    for (const hyps of beamSearch(model, SOURCES, { ...OPTS, beam: 5, nBest: 3 }))
      for (const h of hyps) for (const id of h.ids) expect([0, 1, 2, 3, 17, ...list]).toContain(id);
  });
});

describe('low-precision output layers', () => {
  for (const precision of ['int8', 'bf16'] as const)
    it(`${precision}: log-probabilities within 0.1 of the exact ones, and not all equal to them`, () => {
      const exact = new Seq2Seq(CONFIG, new Rng(3));
      const fast = new Seq2Seq(CONFIG, new Rng(3));
      fast.prepareForDecoding({ precision });
      const p = packSources(SOURCES);
      const B = SOURCES.length;
      const a = exact.startSession(p.src, p.lengths, B, p.srcLen).step(new Int32Array(B).fill(BOS_ID));
      const b = fast.startSession(p.src, p.lengths, B, p.srcLen).step(new Int32Array(B).fill(BOS_ID));
      let worst = 0;
      let differ = 0;
      for (let i = 0; i < a.logProbs.length; i++) {
        worst = Math.max(worst, Math.abs(a.logProbs[i] - b.logProbs[i]));
        if (a.logProbs[i] !== b.logProbs[i]) differ++;
      }
      expect(worst).toBeLessThan(0.1);
      expect(differ).toBeGreaterThan(0);
    });
});
