/** Greedy and beam search against mock models whose exact answers are computed independently. */
import { describe, expect, it } from 'vitest';
import { EOS_ID } from '../../src/data/batch.js';
import { beamSearch } from '../../src/decode/beam.js';
import { greedyDecode } from '../../src/decode/greedy.js';
import { SEARCH_DEFAULTS, type SearchOptions, maxOutputLength } from '../../src/decode/search-types.js';
import { MockModel, exhaustiveBest } from './mock-model.js';

function randomSources(seed: number, n: number, vocab: number): number[][] {
  let s = seed * 7919 + 13;
  const next = () => ((s = (s * 1103515245 + 12345) % 2147483648), s / 2147483648);
  return Array.from({ length: n }, () =>
    Array.from({ length: Math.floor(next() * 7) }, () => 4 + Math.floor(next() * (vocab - 4))),
  );
}

const opts = (o: Partial<SearchOptions>): SearchOptions => ({
  ...SEARCH_DEFAULTS,
  maxLengthRatio: 1,
  maxLengthConstant: 4,
  ...o,
});

describe('greedy decoding', () => {
  it('takes the argmax at every step; the score is the independently recomputed log-probability', () => {
    const m = new MockModel({ vocab: 9, seed: 3, eosBias: 1 });
    const srcs = randomSources(1, 12, 9);
    const out = greedyDecode(m, srcs, opts({ lengthPenalty: 0 }));
    srcs.forEach((src, b) => {
      const h = out[b];
      // Re-derive greedy by hand from the distributions.
      const ids: number[] = [];
      let ended = false;
      const maxLen = maxOutputLength(Math.max(1, src.length), opts({}));
      for (;;) {
        const d = Array.from(m.distribution(src.length ? src : [EOS_ID], ids));
        const v = d.indexOf(Math.max(...d));
        if (v === EOS_ID) {
          ended = true;
          break;
        }
        ids.push(v);
        if (ids.length >= maxLen) break;
      }
      expect(h.ids).toEqual(ids);
      expect(h.finished).toBe(ended);
      expect(h.logProb).toBeCloseTo(m.logProbOf(src.length ? src : [EOS_ID], ids, ended), 5);
      expect(h.score).toBe(h.logProb);
    });
  });

  it('length penalty divides by ((5+|Y|)/6)^α with |Y| counting </s>', () => {
    const m = new MockModel({ vocab: 7, seed: 11, eosBias: 2 });
    const [h] = greedyDecode(m, [[5, 6, 4]], opts({ lengthPenalty: 1 }));
    const len = h.ids.length + (h.finished ? 1 : 0);
    expect(h.score).toBeCloseTo(h.logProb / ((5 + len) / 6), 12);
  });
});

describe('beam search', () => {
  it('beam 1 equals greedy (ids, scores, attention) on many random models', () => {
    for (let seed = 0; seed < 40; seed++) {
      const m = new MockModel({ vocab: 6 + (seed % 5), seed, sharpness: 1 + (seed % 4), eosBias: (seed % 3) - 1 });
      const srcs = randomSources(seed, 6, m.tgtVocabSize);
      const o = opts({ beam: 1, nBest: 1, lengthPenalty: (seed % 3) * 0.5, keepAttention: true });
      const g = greedyDecode(m, srcs, o);
      const b = beamSearch(m, srcs, o);
      srcs.forEach((_, i) => {
        expect(b[i]).toHaveLength(1);
        expect(b[i][0].ids).toEqual(g[i].ids);
        expect(b[i][0].score).toBe(g[i].score);
        expect(b[i][0].finished).toBe(g[i].finished);
        expect(b[i][0].attention).toEqual(g[i].attention);
      });
    }
  });

  it('with beam ≥ all sequences it finds the exhaustive best, and the n-best equal the exhaustive top n', () => {
    for (let seed = 0; seed < 12; seed++) {
      const V = 4; // 3 non-</s> tokens
      const m = new MockModel({ vocab: V, seed: 100 + seed, sharpness: 3, eosBias: seed % 2 });
      const src = [5 % V, 2, 3].slice(0, 1 + (seed % 3));
      const o = opts({ maxLengthRatio: 0, maxLengthConstant: 3, lengthPenalty: seed % 2 ? 0.6 : 0 });
      const all = exhaustiveBest(m, src, 3, o.lengthPenalty);
      const K = 3 ** 3 + 3 ** 2 + 3 + 1; // more than the number of hypotheses at any step
      const [nbest] = beamSearch(m, [src], { ...o, beam: K, nBest: 5 });
      expect(nbest.map((h) => h.ids)).toEqual(all.slice(0, 5).map((h) => h.ids));
      nbest.forEach((h, i) => expect(h.score).toBeCloseTo(all[i].score, 9));
    }
  });

  it('never returns a lower model score than greedy (random models, several beams and α)', () => {
    let worse = 0;
    let better = 0;
    for (let seed = 0; seed < 150; seed++) {
      const m = new MockModel({
        vocab: 5 + (seed % 11),
        seed: 1000 + seed,
        sharpness: 1 + (seed % 5),
        eosBias: (seed % 4) - 1.5,
      });
      const srcs = randomSources(seed, 4, m.tgtVocabSize);
      const alpha = [0, 0.6, 1][seed % 3];
      const o = opts({ lengthPenalty: alpha });
      const g = greedyDecode(m, srcs, o);
      for (const beam of [2, 5]) {
        const b = beamSearch(m, srcs, { ...o, beam, nBest: 1 });
        srcs.forEach((_, i) => {
          if (b[i][0].score < g[i].score - 1e-9) worse++;
          if (b[i][0].score > g[i].score + 1e-9) better++;
        });
      }
    }
    expect(worse).toBe(0);
    expect(better).toBeGreaterThan(0); // the comparison is not vacuous
  });

  it('n-best lists are sorted by score, distinct, at most n long, with scores recomputable from the model', () => {
    for (let seed = 0; seed < 20; seed++) {
      const m = new MockModel({ vocab: 10, seed: 500 + seed, sharpness: 2, eosBias: 0.5 });
      const srcs = randomSources(seed, 5, 10);
      const out = beamSearch(m, srcs, opts({ beam: 6, nBest: 4, lengthPenalty: 0.6 }));
      out.forEach((list, i) => {
        expect(list.length).toBeGreaterThan(0);
        expect(list.length).toBeLessThanOrEqual(4);
        for (let k = 1; k < list.length; k++) expect(list[k - 1].score).toBeGreaterThanOrEqual(list[k].score);
        expect(new Set(list.map((h) => h.ids.join(',') + (h.finished ? '</s>' : ''))).size).toBe(list.length);
        const src = srcs[i].length ? srcs[i] : [EOS_ID];
        for (const h of list) {
          expect(h.logProb).toBeCloseTo(m.logProbOf(src, h.ids, h.finished), 4);
          const len = h.ids.length + (h.finished ? 1 : 0);
          expect(h.score).toBeCloseTo(h.logProb / ((5 + len) / 6) ** 0.6, 9);
        }
      });
    }
  });

  it('batched decoding gives the same results as one sentence at a time', () => {
    const m = new MockModel({ vocab: 12, seed: 77, sharpness: 2.5, eosBias: 0.3 });
    const srcs = randomSources(9, 17, 12);
    const o = opts({ beam: 4, nBest: 3, lengthPenalty: 0.6, keepAttention: true });
    const batched = beamSearch(m, srcs, o);
    const single = srcs.map((s) => beamSearch(m, [s], o)[0]);
    expect(batched).toEqual(single);
    expect(greedyDecode(m, srcs, o)).toEqual(srcs.map((s) => greedyDecode(m, [s], o)[0]));
  });

  it('respects the maximum length ratio × |x| + constant, and stops once every sentence is done', () => {
    const m = new MockModel({ vocab: 8, seed: 5, eosBias: -20 }); // </s> practically never chosen
    const srcs = [
      [4, 5],
      [4, 5, 6, 7, 4, 5],
    ];
    const o = opts({ beam: 3, nBest: 3, maxLengthRatio: 1.5, maxLengthConstant: 1 });
    const out = beamSearch(m, srcs, o);
    expect(out[0].every((h) => h.ids.length === 4 && !h.finished)).toBe(true);
    expect(out[1].every((h) => h.ids.length === 10 && !h.finished)).toBe(true);
    expect(m.steps).toBe(10);
    // Early stop: with a strong </s> every sentence is done after the first step.
    const quick = new MockModel({ vocab: 8, seed: 5, eosBias: 30 });
    const q = beamSearch(quick, srcs, { ...o, beam: 1, nBest: 1 });
    expect(q.map((l) => l[0].ids)).toEqual([[], []]);
    expect(quick.steps).toBe(1);
  });

  it('attention rows: one per output token (</s> included), each over the source', () => {
    const m = new MockModel({ vocab: 9, seed: 8, eosBias: 1 });
    const [list] = beamSearch(m, [[4, 5, 6]], opts({ beam: 3, nBest: 2, keepAttention: true }));
    for (const h of list) {
      expect(h.attention).toHaveLength(h.ids.length + (h.finished ? 1 : 0));
      for (const row of h.attention!) expect(row.reduce((a, x) => a + x, 0)).toBeCloseTo(1, 5);
    }
  });

  it('rejects n-best above the beam', () => {
    expect(() => beamSearch(new MockModel({ vocab: 5, seed: 1 }), [[4]], opts({ beam: 2, nBest: 3 }))).toThrow(/nBest/);
  });
});
