/**
 * The training batcher: coverage per epoch, the token budget, padding with and without length
 * bucketing, determinism for a seed, exact resumption from a saved state, the length filter.
 */
import { describe, expect, it } from 'vitest';
import { Batcher, evalBatches, paddingFraction, type EncodedPair } from '../../src/data/batcher.js';
import { BOS_ID, EOS_ID, type Batch } from '../../src/data/batch.js';
import { InputError } from '../../src/errors.js';
import { Rng } from '../../src/util/rng.js';

/** n pairs with lengths drawn from 1..maxLen; token ids encode (pair, position) so content can be checked. */
function corpus(n: number, maxLen = 40, seed = 3): EncodedPair[] {
  const rng = new Rng(seed);
  const pairs: EncodedPair[] = [];
  for (let i = 0; i < n; i++) {
    const s = 1 + rng.int(maxLen);
    const t = Math.max(1, s + rng.int(7) - 3);
    pairs.push({
      id: 1000 + i,
      src: Int32Array.from({ length: s }, (_, k) => 4 + ((i * 7 + k) % 500)),
      tgt: Int32Array.from({ length: t }, (_, k) => 4 + ((i * 11 + k) % 500)),
    });
  }
  return pairs;
}

function idsOf(batches: Batch[]): number[] {
  return batches.flatMap((b) => b.ids!);
}

describe('Batcher', () => {
  it('yields every pair exactly once per epoch, in a different order each epoch', () => {
    const pairs = corpus(1000);
    const b = new Batcher(pairs, { maxTokens: 400, seed: 9 });
    const expected = pairs.map((p) => p.id).sort((x, y) => x - y);
    const orders: number[][] = [];
    for (let e = 0; e < 3; e++) {
      expect(b.epoch).toBe(e);
      const ids = idsOf([...b.epochBatches()]);
      expect([...ids].sort((x, y) => x - y)).toEqual(expected);
      orders.push(ids);
    }
    expect(orders[1]).not.toEqual(orders[0]);
    expect(orders[2]).not.toEqual(orders[1]);
    expect(b.epoch).toBe(3);
  });

  it('builds correct batches: each column holds its pair, with <s> and </s>', () => {
    const pairs = corpus(200);
    const byId = new Map(pairs.map((p) => [p.id, p]));
    const b = new Batcher(pairs, { maxTokens: 300, seed: 1 });
    for (const batch of b.epochBatches()) {
      batch.ids!.forEach((id, col) => {
        const p = byId.get(id)!;
        const B = batch.size;
        expect(batch.srcLengths[col]).toBe(p.src.length);
        expect(batch.tgtLengths[col]).toBe(p.tgt.length + 1);
        for (let t = 0; t < p.src.length; t++) expect(batch.src[t * B + col]).toBe(p.src[t]);
        expect(batch.tgtIn[col]).toBe(BOS_ID);
        expect(batch.tgtOut[p.tgt.length * B + col]).toBe(EOS_ID);
        for (let t = 0; t < p.tgt.length; t++) expect(batch.tgtOut[t * B + col]).toBe(p.tgt[t]);
      });
    }
  });

  it('keeps every batch within the token budget B·max(S, T+1) and the sentence limit', () => {
    const pairs = corpus(2000);
    const b = new Batcher(pairs, { maxTokens: 500, maxSentences: 32, seed: 4 });
    let n = 0;
    for (const batch of b.epochBatches()) {
      n++;
      expect(batch.size).toBeLessThanOrEqual(32);
      expect(batch.size * Math.max(batch.srcLen, batch.tgtLen)).toBeLessThanOrEqual(500);
    }
    expect(n).toBe(b.planFor(0).length);
  });

  it('a single pair longer than the budget still forms a batch of its own', () => {
    const pairs: EncodedPair[] = [
      { id: 0, src: new Int32Array(50).fill(5), tgt: new Int32Array(3).fill(6) },
      { id: 1, src: new Int32Array(2).fill(5), tgt: new Int32Array(2).fill(6) },
    ];
    const batches = [...new Batcher(pairs, { maxTokens: 10, seed: 1 }).epochBatches()];
    expect(batches.map((x) => x.ids).sort()).toEqual([[0], [1]]);
  });

  it('length bucketing cuts padding (hand-checked small case, and a large corpus)', () => {
    // Lengths 1,9,1,9 in two batches of two: sorted → {1,1},{9,9}: no source padding.
    const mk = (id: number, len: number): EncodedPair => ({
      id,
      src: new Int32Array(len).fill(7),
      tgt: new Int32Array(len).fill(8),
    });
    const small = [mk(0, 1), mk(1, 9), mk(2, 1), mk(3, 9)];
    const bucketed = [...new Batcher(small, { maxSentences: 2, shuffle: false, seed: 1 }).epochBatches()];
    expect(bucketed.map((x) => x.ids)).toEqual([
      [0, 2],
      [1, 3],
    ]);
    expect(paddingFraction(bucketed)).toBe(0);
    // Without sorting across batches (pool of one batch): {1,9},{1,9} → each batch: real 1+9 (+2 for </s>)…
    const unsorted = [
      ...new Batcher(small, { maxSentences: 2, shuffle: false, poolBatches: 1, seed: 1 }).epochBatches(),
    ];
    // src: 2·9 slots, 10 real; tgt: 2·10 slots, 2+10 real → padding = 1 − 22/38 per batch.
    expect(paddingFraction(unsorted)).toBeCloseTo(1 - 22 / 38, 12);

    const pairs = corpus(5000, 50);
    const withPools = [...new Batcher(pairs, { maxTokens: 1000, seed: 2 }).epochBatches()];
    const withoutPools = [...new Batcher(pairs, { maxTokens: 1000, seed: 2, poolBatches: 1 }).epochBatches()];
    expect(paddingFraction(withPools)).toBeLessThan(0.1);
    expect(paddingFraction(withoutPools)).toBeGreaterThan(0.3);
  });

  it('is deterministic for a seed, and the seed matters', () => {
    const pairs = corpus(800);
    const run = (seed: number) => {
      const b = new Batcher(pairs, { maxTokens: 300, seed });
      return Array.from({ length: 60 }, () => b.next().ids!);
    };
    expect(run(5)).toEqual(run(5));
    expect(run(5)).not.toEqual(run(6));
  });

  it('resumes exactly from a saved state, also across epoch boundaries', () => {
    const pairs = corpus(600);
    const opts = { maxTokens: 256, maxSentences: 16, seed: 77 };
    const whole = new Batcher(pairs, opts);
    const perEpoch = whole.batchesInEpoch;
    const total = perEpoch * 3 + 5;
    const reference = Array.from({ length: total }, () => whole.next());
    for (const cut of [0, 1, perEpoch - 1, perEpoch, perEpoch + 3, 2 * perEpoch + 1]) {
      const first = new Batcher(pairs, opts);
      for (let i = 0; i < cut; i++) first.next();
      const saved = JSON.parse(JSON.stringify(first.state()));
      const resumed = new Batcher(pairs, opts);
      resumed.restore(saved);
      for (let i = cut; i < total; i++) {
        const b = resumed.next();
        expect(b.ids).toEqual(reference[i].ids);
        expect(b.src).toEqual(reference[i].src);
        expect(b.tgtOut).toEqual(reference[i].tgtOut);
      }
    }
  });

  it('reports a finished epoch as the start of the next one', () => {
    const b = new Batcher(corpus(100), { maxSentences: 10, seed: 1 });
    for (const _ of b.epochBatches()) void _;
    expect(b.state()).toMatchObject({ epoch: 1, index: 0 });
    const c = new Batcher(corpus(100), { maxSentences: 10, seed: 1 });
    for (let i = 0; i < c.batchesInEpoch; i++) c.nextInEpoch();
    expect(c.state()).toMatchObject({ epoch: 1, index: 0 });
  });

  it('refuses a state saved for other data or settings', () => {
    const pairs = corpus(300);
    const state = new Batcher(pairs, { maxTokens: 200, seed: 1 }).state();
    expect(() => new Batcher(pairs.slice(1), { maxTokens: 200, seed: 1 }).restore(state)).toThrow(InputError);
    expect(() => new Batcher(pairs, { maxTokens: 300, seed: 1 }).restore(state)).toThrow(/does not match/);
    expect(() => new Batcher(pairs, { maxTokens: 200, seed: 2 }).restore(state)).toThrow(/does not match/);
  });

  it('filters pairs over the length limits and counts them', () => {
    const pairs = corpus(500, 40);
    const b = new Batcher(pairs, { maxTokens: 400, maxSrcLen: 20, maxTgtLen: 25, seed: 1 });
    const srcLong = pairs.filter((p) => p.src.length > 20).length;
    const tgtLong = pairs.filter((p) => p.tgt.length > 25).length;
    const either = pairs.filter((p) => p.src.length > 20 || p.tgt.length > 25);
    expect(b.filtered).toEqual({ srcTooLong: srcLong, tgtTooLong: tgtLong, total: either.length });
    expect(b.size).toBe(500 - either.length);
    const seen = idsOf([...b.epochBatches()]);
    expect(seen.length).toBe(b.size);
    for (const p of either) expect(seen).not.toContain(p.id);
  });

  it("with encodeEpoch (BPE-dropout) each epoch batches that epoch's encodings, resumably", () => {
    const pairs = corpus(400, 30);
    // An epoch's encoding of pair k: its plain ids shifted by the epoch, lengthened by (k + epoch) % 4
    // tokens; pair 0's encoding is over the limit in odd epochs (it falls back to the plain one).
    const calls: number[] = [];
    const encodeEpoch = (epoch: number) => {
      calls.push(epoch);
      return pairs.map((p, k) => {
        const extra = k === 0 && epoch % 2 === 1 ? 100 : (k + epoch) % 4;
        const lengthen = (a: Int32Array) =>
          Int32Array.from({ length: a.length + extra }, (_, i) => (i < a.length ? a[i] + epoch : 600 + epoch));
        return { id: p.id, src: lengthen(p.src), tgt: lengthen(p.tgt) };
      });
    };
    const opts = { maxTokens: 300, maxSrcLen: 32, maxTgtLen: 32, seed: 4, encodeEpoch };
    const b = new Batcher(pairs, opts);
    expect(b.size).toBe(pairs.filter((p) => p.src.length <= 32 && p.tgt.length <= 32).length);
    const reference: Batch[] = [];
    for (let e = 0; e < 3; e++) {
      const enc = new Map(encodeEpoch(e).map((p) => [p.id, p]));
      const batches = [...b.epochBatches()];
      reference.push(...batches);
      for (const batch of batches) {
        expect(batch.size * Math.max(batch.srcLen, batch.tgtLen)).toBeLessThanOrEqual(300);
        batch.ids!.forEach((id, col) => {
          const plain = pairs.find((p) => p.id === id)!;
          const want = enc.get(id)!.src.length <= 32 && enc.get(id)!.tgt.length <= 32 ? enc.get(id)! : plain;
          const src = Array.from({ length: batch.srcLengths[col] }, (_, t) => batch.src[t * batch.size + col]);
          expect(src).toEqual(Array.from(want.src));
        });
      }
      expect(idsOf(batches).length).toBe(b.size);
    }
    // one encoding per epoch (the plan and the batches share it)
    expect(calls.filter((e) => e === 1)).toHaveLength(2); // one here, one in the check above
    const perEpoch = new Batcher(pairs, opts).batchesInEpoch;
    for (const cut of [3, perEpoch + 2]) {
      const first = new Batcher(pairs, opts);
      for (let i = 0; i < cut; i++) first.next();
      const resumed = new Batcher(pairs, opts);
      resumed.restore(JSON.parse(JSON.stringify(first.state())));
      for (let i = cut; i < reference.length; i++) {
        const x = resumed.next();
        expect(x.ids).toEqual(reference[i].ids);
        expect(x.src).toEqual(reference[i].src);
        expect(x.tgtOut).toEqual(reference[i].tgtOut);
      }
    }
  });

  it('rejects bad options', () => {
    const pairs = corpus(10);
    expect(() => new Batcher(pairs, {})).toThrow('batching needs maxTokens and/or maxSentences');
    expect(() => new Batcher(pairs, { maxTokens: 0 })).toThrow('maxTokens must be a positive integer, got 0');
    expect(() => new Batcher(pairs, { maxTokens: 100, maxSrcLen: 0.5 })).toThrow(InputError);
    expect(
      () =>
        new Batcher(
          corpus(10, 40).map((p) => ({ ...p, src: new Int32Array(50) })),
          { maxTokens: 100, maxSrcLen: 10 },
        ),
    ).toThrow('no training pairs left (10 longer than the length limits)');
  });
});

describe('evalBatches', () => {
  it('covers every pair once, sorted by source length, within the budget', () => {
    const pairs = corpus(700);
    const batches = evalBatches(pairs, { maxTokens: 300 });
    expect(idsOf(batches).sort((a, b) => a - b)).toEqual(pairs.map((p) => p.id));
    const lens = batches.flatMap((b) => Array.from(b.srcLengths));
    expect(lens).toEqual([...lens].sort((a, b) => a - b));
    for (const b of batches) if (b.size > 1) expect(b.size * Math.max(b.srcLen, b.tgtLen)).toBeLessThanOrEqual(300);
  });
});
