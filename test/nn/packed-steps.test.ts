/**
 * The packed ragged layout (src/nn/packed-steps.ts) against hand-computed counts, offsets, ranks and
 * packed rows, and the dropout masks of packed arrays against the masks of the padded layout.
 */
import { describe, expect, it } from 'vitest';
import { Dropout } from '../../src/nn/dropout.js';
import { PackedSteps } from '../../src/nn/packed-steps.js';
import { Rng } from '../../src/util/rng.js';

describe('PackedSteps', () => {
  it('counts the sequences still running at each step, ranked by decreasing length (ties in batch order)', () => {
    const a = PackedSteps.ofLengths(Int32Array.from([5, 3, 3, 1]), 5);
    expect(Array.from(a.count)).toEqual([4, 3, 3, 1, 1]);
    expect(Array.from(a.offset)).toEqual([0, 4, 7, 10, 11, 12]);
    expect(a.rows).toBe(12);
    expect(a.order).toBeNull();
    const b = PackedSteps.ofLengths(Int32Array.from([1, 4, 2, 4]), 4);
    expect(Array.from(b.order!)).toEqual([1, 3, 2, 0]);
    expect(Array.from(b.count)).toEqual([4, 3, 2, 2]);
    // lengths beyond T are cut at T; a length 0 never runs
    const c = PackedSteps.ofLengths([0, 7], 3);
    expect(Array.from(c.order!)).toEqual([1, 0]);
    expect(Array.from(c.count)).toEqual([1, 1, 1]);
    expect(Array.from(PackedSteps.ofLengths([2, 2], 3).count)).toEqual([2, 2, 0]);
    const f = PackedSteps.full(3, 2);
    expect(Array.from(f.count)).toEqual([2, 2, 2]);
    expect(f.order).toBeNull();
  });

  it('packs the real rows of a padded time-major array step by step, in rank order, and unpacks them', () => {
    // T = 3, B = 3, width 2; lengths 1, 3, 2: ranks = rows 1, 2, 0; value of (t, b) = [10t + b, −(10t + b)]
    const steps = PackedSteps.ofLengths([1, 3, 2], 3);
    const padded = new Float32Array(3 * 3 * 2);
    for (let t = 0; t < 3; t++) for (let b = 0; b < 3; b++) padded.set([10 * t + b, -(10 * t + b)], (t * 3 + b) * 2);
    const packed = steps.pack(padded, 2, new Float32Array(steps.rows * 2));
    // step 0: rows 1, 2, 0; step 1: rows 1, 2; step 2: row 1
    expect(Array.from(packed.filter((_, i) => i % 2 === 0))).toEqual([1, 2, 0, 11, 12, 21]);
    expect(Array.from(steps.at(packed, 1, 2))).toEqual([11, -11, 12, -12]);
    expect(Array.from(steps.span(packed, 1, 3, 2))).toEqual([11, -11, 12, -12, 21, -21]);
    const back = steps.unpack(packed, 2, new Float32Array(18).fill(7));
    for (let t = 0; t < 3; t++)
      for (let b = 0; b < 3; b++) {
        const real = t < [1, 3, 2][b];
        const at = Array.from(back.subarray((t * 3 + b) * 2, (t * 3 + b + 1) * 2));
        expect(at).toEqual(real ? [10 * t + b, -(10 * t + b)] : [0, 0]);
      }
    // accumulate: padding untouched, real rows added
    const acc = steps.unpack(packed, 2, new Float32Array(18).fill(1), true);
    expect(acc[(0 * 3 + 0) * 2]).toBe(1); // (0, 0) real: 1 + 0
    expect(acc[(1 * 3 + 0) * 2]).toBe(1); // (1, 0) padding
    expect(acc[(2 * 3 + 1) * 2]).toBe(22); // (2, 1) real: 1 + 21
    // ids pack the same way
    const ids = Int32Array.from([4, 5, 6, 0, 7, 8, 0, 9, 0]);
    expect(Array.from(steps.pack(ids, 1, new Int32Array(steps.rows)))).toEqual([5, 6, 4, 7, 8, 9]);
  });

  it('moves per-row arrays between batch order and rank order', () => {
    const steps = PackedSteps.ofLengths([1, 3, 2], 3);
    const x = Float32Array.from([0, 0.5, 1, 1.5, 2, 2.5]); // row b = [b, b + 0.5]
    const ranked = steps.toRanks(x, 2, new Float32Array(6));
    expect(Array.from(ranked)).toEqual([1, 1.5, 2, 2.5, 0, 0.5]);
    expect(Array.from(steps.toBatch(ranked, 2, new Float32Array(6)))).toEqual(Array.from(x));
  });
});

describe('Dropout.sampleMaskPacked', () => {
  it("draws a packed array's mask from the positions of the ranked batch's padded layout", () => {
    const steps = PackedSteps.ofLengths([2, 5, 3, 5], 5);
    const W = 3;
    const B = 4;
    const drop = new Dropout(0.4);
    const packed = new Float32Array(steps.rows * W);
    drop.sampleMaskPacked(packed, steps, W, new Rng(11));
    const padded = new Float32Array(5 * B * W);
    drop.sampleMask(padded, new Rng(11));
    for (let t = 0; t < 5; t++)
      for (let i = 0; i < steps.count[t]; i++) {
        const want = Array.from(padded.subarray((t * B + i) * W, (t * B + i + 1) * W));
        expect(Array.from(steps.at(packed, t, W).subarray(i * W, (i + 1) * W))).toEqual(want);
      }
    // the same generator state afterwards: two draws either way
    const r1 = new Rng(11);
    const r2 = new Rng(11);
    drop.sampleMaskPacked(packed, steps, W, r1);
    drop.sampleMask(padded, r2);
    expect(r1.nextUint32()).toBe(r2.nextUint32());
  });
});
