/**
 * rowTopK and logSoftmaxTopK, on the TypeScript backend and (when built) the native one, against an
 * independent expectation: every (base + x_j, j) of a row sorted by value then index, the first k kept.
 * Rows full of ties, −Infinity, fewer columns than k, a non-zero byteOffset, and the native block skipping
 * (rows whose best entries come late, V not a multiple of 16). logSoftmaxTopK's log-probabilities must be
 * logSoftmax's to the bit.
 */
import { describe, expect, it } from 'vitest';
import type { Backend } from '../../src/tensor/backend.js';
import { createNativeBackend } from '../../src/tensor/index.js';
import { jsBackend } from '../../src/tensor/js-backend.js';
import { loadNative } from '../../src/tensor/native.js';
import { Rng } from '../../src/util/rng.js';

const native = createNativeBackend();
const backends: [string, Backend | null, string][] = [
  ['TypeScript', jsBackend, ''],
  ['native', native, native ? '' : ` (skipped: ${loadNative().error})`],
];

const rng = new Rng(77);

/** The k best of base + x_j, sorted by value (desc) then j (asc), from a full sort. */
function expected(x: Float32Array, base: number, k: number): { values: number[]; ids: number[] } {
  const all = Array.from(x, (v, j) => ({ s: base + v, j }));
  all.sort((a, b) => (b.s !== a.s ? b.s - a.s : a.j - b.j));
  const top = all.slice(0, k);
  while (top.length < k) top.push({ s: -Infinity, j: -1 });
  return { values: top.map((t) => t.s), ids: top.map((t) => t.j) };
}

/** M rows of V values at a byteOffset of 12; `kind` picks how tie-rich they are. */
function rows(M: number, V: number, kind: 'random' | 'ties' | 'late'): Float32Array {
  const x = new Float32Array(M * V + 3).subarray(3);
  for (let r = 0; r < M; r++)
    for (let j = 0; j < V; j++) {
      const u = rng.next();
      x[r * V + j] =
        kind === 'ties' ? Math.round(u * 4) / 4 - 9 : kind === 'late' ? -20 + j * 0.001 + u * 1e-4 : u * 10 - 12;
    }
  if (kind === 'ties' && V > 2) x[1] = -Infinity;
  return x;
}

for (const [name, k, why] of backends) {
  describe(`rowTopK, ${name} backend${why}`, () => {
    const cases: [number, number, number, 'random' | 'ties' | 'late'][] = [
      [3, 1000, 10, 'random'],
      [4, 37, 6, 'ties'],
      [2, 5000, 10, 'late'],
      [3, 7, 10, 'random'],
      [5, 16, 1, 'ties'],
      [1, 33, 33, 'ties'],
    ];
    for (const [M, V, kk, kind] of cases)
      it.skipIf(!k)(`${M}×${V}, k = ${kk}, ${kind} values, with and without a base`, () => {
        const x = rows(M, V, kind);
        for (const withBase of [false, true]) {
          const base = withBase ? Float64Array.from({ length: M }, (_, r) => -3.25 * r - 0.1) : null;
          const values = new Float64Array(M * kk);
          const ids = new Int32Array(M * kk);
          k!.rowTopK(M, V, x, kk, base, values, ids);
          for (let r = 0; r < M; r++) {
            const e = expected(x.subarray(r * V, (r + 1) * V), base ? base[r] : 0, kk);
            expect(Array.from(ids.subarray(r * kk, (r + 1) * kk)), `row ${r}`).toEqual(e.ids);
            expect(Array.from(values.subarray(r * kk, (r + 1) * kk))).toEqual(e.values);
          }
        }
      });

    it.skipIf(!k)('logSoftmaxTopK: logSoftmax to the bit (also in place), then the top k of it', () => {
      const [M, V, kk] = [6, 2049, 10];
      const logits = rows(M, V, 'random');
      const ref = new Float32Array(M * V);
      k!.logSoftmax(M, V, logits, ref);
      const base = Float64Array.from({ length: M }, (_, r) => -r);
      const eVal = new Float64Array(M * kk);
      const eIds = new Int32Array(M * kk);
      k!.rowTopK(M, V, ref, kk, base, eVal, eIds);
      const out = new Float32Array(M * V);
      const values = new Float64Array(M * kk);
      const ids = new Int32Array(M * kk);
      k!.logSoftmaxTopK(M, V, logits, out, kk, base, values, ids);
      expect(out).toEqual(ref);
      expect(ids).toEqual(eIds);
      expect(values).toEqual(eVal);
      const inPlace = logits.slice();
      k!.logSoftmaxTopK(M, V, inPlace, inPlace, kk, null, values, ids);
      expect(inPlace).toEqual(ref);
    });
  });
}

const skipped = native ? '' : ' (skipped: no native addon)';
describe(`rowTopK, native = TypeScript on a decoding-sized matrix${skipped}`, () => {
  it.skipIf(!native)('320 rows × 8,000, k = 10 (split over the thread pool): the same values and ids', () => {
    const [M, V, kk] = [320, 8000, 10];
    const x = rows(M, V, 'random');
    const base = Float64Array.from({ length: M }, () => -rng.next() * 30);
    const a = { v: new Float64Array(M * kk), i: new Int32Array(M * kk) };
    const b = { v: new Float64Array(M * kk), i: new Int32Array(M * kk) };
    native!.rowTopK(M, V, x, kk, base, a.v, a.i);
    jsBackend.rowTopK(M, V, x, kk, base, b.v, b.i);
    expect(a.i).toEqual(b.i);
    expect(a.v).toEqual(b.v);
  });

  it.skipIf(!native)('bad arguments are a RangeError naming them', () => {
    expect(() => native!.rowTopK(2, 4, new Float32Array(8), 0, null, new Float64Array(2), new Int32Array(2))).toThrow(
      /k must be at least 1/,
    );
    expect(() => native!.rowTopK(2, 4, new Float32Array(8), 2, null, new Float64Array(3), new Int32Array(4))).toThrow(
      /values has 3 elements, needs 4/,
    );
    const wrong = new Float32Array(2) as unknown as Float64Array;
    expect(() => native!.rowTopK(2, 4, new Float32Array(8), 1, wrong, new Float64Array(2), new Int32Array(2))).toThrow(
      /base must be null or a Float64Array/,
    );
  });
});
