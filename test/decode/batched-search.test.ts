/**
 * The batched, allocation-free searches (src/decode/beam.ts, greedy.ts) against the searches of e3915d8 kept in
 * ./reference-search.ts: the same ids, scores, finished flags and attention rows on random mock models (many
 * with exactly tied log-probabilities), vocabularies smaller than 2K, and a real tiny model on both backends;
 * against exhaustive search for every sentence of a batch; and finished sentences leaving the batch.
 */
import { describe, expect, it } from 'vitest';
import { beamSearch } from '../../src/decode/beam.js';
import { greedyDecode } from '../../src/decode/greedy.js';
import { SEARCH_DEFAULTS, type SearchOptions } from '../../src/decode/search-types.js';
import { Seq2Seq } from '../../src/model/seq2seq.js';
import { createNativeBackend, getBackend, setBackend } from '../../src/tensor/index.js';
import { jsBackend } from '../../src/tensor/js-backend.js';
import { Rng } from '../../src/util/rng.js';
import { MockModel, exhaustiveBest } from './mock-model.js';
import { referenceBeamSearch, referenceGreedyDecode } from './reference-search.js';

function randomSources(seed: number, n: number, vocab: number, maxLen = 7): number[][] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => Array.from({ length: rng.int(maxLen) }, () => 4 + rng.int(vocab - 4)));
}

const opts = (o: Partial<SearchOptions>): SearchOptions => ({
  ...SEARCH_DEFAULTS,
  maxLengthRatio: 1,
  maxLengthConstant: 4,
  ...o,
});

describe('batched beam search = the beam search of e3915d8', () => {
  it('random mock models, beams 1–8, n-best, α, attention, tied log-probabilities', () => {
    let cases = 0;
    for (let seed = 0; seed < 120; seed++) {
      const V = 4 + (seed % 13); // 4 … 16: some vocabularies smaller than 2K
      const m = new MockModel({
        vocab: V,
        seed: 3000 + seed,
        sharpness: 1 + (seed % 5),
        eosBias: (seed % 5) - 2,
        ties: seed % 3 === 0 ? 2 : undefined,
      });
      const srcs = randomSources(seed, 1 + (seed % 9), V);
      const K = [1, 2, 3, 5, 8][seed % 5];
      const o = opts({
        beam: K,
        nBest: 1 + (seed % K),
        lengthPenalty: [0, 0.6, 1.2][seed % 3],
        keepAttention: seed % 2 === 0,
        maxLengthRatio: 1 + (seed % 2),
      });
      expect(beamSearch(m, srcs, o), `seed ${seed}`).toEqual(referenceBeamSearch(m, srcs, o));
      expect(greedyDecode(m, srcs, o)).toEqual(referenceGreedyDecode(m, srcs, o));
      cases++;
    }
    expect(cases).toBe(120);
  });

  for (const [name, backend] of [
    ['TypeScript', jsBackend],
    ['native', createNativeBackend()],
  ] as const)
    it.skipIf(!backend)(
      `a real tiny model with attention, ${name} backend: the same results, attention rows included`,
      () => {
        const before = getBackend();
        setBackend(backend!);
        try {
          const m = new Seq2Seq(
            {
              cell: 'gru',
              attention: 'bahdanau',
              srcVocabSize: 30,
              tgtVocabSize: 25,
              embeddingSize: 8,
              hiddenSize: 12,
              bidirectional: true,
            },
            new Rng(9),
          );
          const srcs = randomSources(4, 11, 30, 9);
          for (const K of [1, 4]) {
            const o = opts({
              beam: K,
              nBest: K === 1 ? 1 : 3,
              lengthPenalty: 0.6,
              keepAttention: true,
              maxLengthRatio: 1.5,
              maxLengthConstant: 2,
            });
            expect(beamSearch(m, srcs, o)).toEqual(referenceBeamSearch(m, srcs, o));
          }
          const g = opts({ keepAttention: true });
          expect(greedyDecode(m, srcs, g)).toEqual(referenceGreedyDecode(m, srcs, g));
        } finally {
          setBackend(before);
        }
      },
    );

  it('every sentence of one batch finds its exhaustive best and n-best (beam larger than all hypotheses)', () => {
    for (let seed = 0; seed < 6; seed++) {
      const V = 4; // 3 non-</s> tokens
      const m = new MockModel({ vocab: V, seed: 700 + seed, sharpness: 3, eosBias: seed % 2 });
      const srcs = [[4], [5, 6], [7, 4, 5], [], [6, 6]];
      const alpha = seed % 2 ? 0.6 : 0;
      const o = opts({ maxLengthRatio: 0, maxLengthConstant: 3, lengthPenalty: alpha });
      const K = 3 ** 3 + 3 ** 2 + 3 + 1;
      const lists = beamSearch(m, srcs, { ...o, beam: K, nBest: 5 });
      srcs.forEach((src, i) => {
        const all = exhaustiveBest(m, src.length ? src : [3], 3, alpha);
        expect(
          lists[i].map((h) => h.ids),
          `sentence ${i}`,
        ).toEqual(all.slice(0, 5).map((h) => h.ids));
        lists[i].forEach((h, r) => expect(h.score).toBeCloseTo(all[r].score, 9));
      });
    }
  });

  it('finished sentences leave the batch: rows stepped = Σ_b (1 + K·(L_b − 1)), steps = max L_b', () => {
    const m = new MockModel({ vocab: 9, seed: 2, eosBias: -30 }); // </s> never chosen: sentence b runs to its limit L_b
    const srcs = [[4], [4, 5, 6, 7, 8], [4, 5, 6], [5, 5]];
    const o = opts({ beam: 3, nBest: 1, maxLengthRatio: 1, maxLengthConstant: 1 });
    const L = srcs.map((s) => s.length + 1);
    beamSearch(m, srcs, o);
    expect(m.steps).toBe(Math.max(...L));
    expect(m.rowsStepped).toBe(L.reduce((a, l) => a + 1 + 3 * (l - 1), 0));
  });
});
