/**
 * The decoding attention kernels that read the memory through each row's sentence (additiveScoresAt, dotScoresAt,
 * attentionContextAt) must give, row by row, what additiveAttentionForward, dotAttentionScores and attentionContext
 * give on the memory gathered row by row (rows[b] = M[:, src[b]]) — to the bit, on both backends, 1 and 2 threads:
 * the default decoding path uses them in place of copying the memory whenever a hypothesis is dropped. Rows share
 * sentences (as a beam's hypotheses do), sentences are left unread, lengths are ragged, 0, and beyond S.
 */
import { describe, expect, it } from 'vitest';
import type { Backend } from '../../src/tensor/backend.js';
import { createNativeBackend } from '../../src/tensor/index.js';
import { jsBackend } from '../../src/tensor/js-backend.js';
import { loadNative } from '../../src/tensor/native.js';
import { Rng } from '../../src/util/rng.js';

const native = createNativeBackend();
const skipped = native ? '' : ` (skipped: ${loadNative().error})`;
const rng = new Rng(77);
const random = (n: number, scale = 1) => Float32Array.from({ length: n }, () => (rng.next() * 2 - 1) * scale);

/** [S×n×D] ← rows (s, src[b]) of a [S×B0×D] array. */
function gather(x: Float32Array, S: number, B0: number, D: number, src: Int32Array): Float32Array {
  const n = src.length;
  const out = new Float32Array(S * n * D);
  for (let s = 0; s < S; s++)
    for (let b = 0; b < n; b++) out.set(x.subarray((s * B0 + src[b]) * D, (s * B0 + src[b] + 1) * D), (s * n + b) * D);
  return out;
}

function expectSameBits(got: Float32Array, want: Float32Array, what: string): void {
  let differ = 0;
  for (let i = 0; i < want.length; i++) if (!Object.is(got[i], want[i])) differ++;
  expect(differ, `${what}: elements that differ`).toBe(0);
}

interface Shape {
  S: number;
  B0: number;
  D: number;
  C: number;
  src: number[];
  lengths: number[];
}

const shapes: Shape[] = [
  { S: 1, B0: 1, D: 3, C: 5, src: [0], lengths: [1] },
  { S: 4, B0: 3, D: 7, C: 9, src: [2, 2, 0, 2, 0], lengths: [4, 0, 2] },
  { S: 9, B0: 5, D: 33, C: 64, src: [4, 4, 4, 1, 1, 3, 0, 0, 0, 0], lengths: [9, 3, 5, 12, 1] },
  { S: 23, B0: 64, D: 256, C: 512, src: Array.from({ length: 300 }, (_, i) => (i * 7) % 64), lengths: [] },
];

function check(k: Backend, sh: Shape): void {
  const { S, B0, D, C } = sh;
  const src = Int32Array.from(sh.src);
  const n = src.length;
  const lengths = Int32Array.from({ length: B0 }, (_, j) => sh.lengths[j] ?? 1 + ((j * 5) % S));
  const rowLengths = Int32Array.from(src, (j) => lengths[j]);
  const K = random(S * B0 * D);
  const M = random(S * B0 * C);
  const q = random(n * D, 0.5);
  const v = random(D);
  const label = `S=${S} B0=${B0} rows=${n} D=${D} C=${C}`;

  // additive: scores of the real positions, then weights and contexts from them
  const want = new Float32Array(S * n);
  k.additiveAttentionForward(S, n, D, gather(K, S, B0, D, src), q, v, new Float32Array(S * n * D), want);
  const got = new Float32Array(S * n).fill(NaN);
  k.additiveScoresAt(S, B0, D, K, src, lengths, n, q, v, got);
  for (let b = 0; b < n; b++)
    for (let s = 0; s < Math.min(S, rowLengths[b]); s++)
      expect(Object.is(got[s * n + b], want[s * n + b]), `${label} additive (${s}, ${b})`).toBe(true);

  const wantAlpha = new Float32Array(n * S);
  const wantCtx = new Float32Array(n * C);
  k.attentionContext(S, n, C, want, rowLengths, gather(M, S, B0, C, src), wantAlpha, wantCtx);
  const gotAlpha = new Float32Array(n * S).fill(NaN);
  const gotCtx = new Float32Array(n * C).fill(NaN);
  k.attentionContextAt(S, B0, C, M, src, lengths, n, got, gotAlpha, gotCtx);
  expectSameBits(gotAlpha, wantAlpha, `${label} alpha`);
  expectSameBits(gotCtx, wantCtx, `${label} context`);

  // dot (Luong): the keys are read the same way
  const wantDot = new Float32Array(S * n);
  k.dotAttentionScores(S, n, D, gather(K, S, B0, D, src), q, wantDot);
  const gotDot = new Float32Array(S * n).fill(NaN);
  k.dotScoresAt(S, B0, D, K, src, lengths, n, q, gotDot);
  for (let b = 0; b < n; b++)
    for (let s = 0; s < Math.min(S, rowLengths[b]); s++)
      expect(Object.is(gotDot[s * n + b], wantDot[s * n + b]), `${label} dot (${s}, ${b})`).toBe(true);
}

describe('attention through the rows’ sentences = attention over the gathered memory, to the bit', () => {
  it('TypeScript backend', () => {
    for (const sh of shapes.slice(0, 3)) check(jsBackend, sh);
  });

  it.skipIf(!native)(`native, 1 and 2 threads${skipped}`, () => {
    const before = native!.threads();
    try {
      for (const threads of [1, 2]) {
        native!.setThreads(threads);
        for (const sh of shapes) check(native!, sh);
      }
    } finally {
      native!.setThreads(before);
    }
  });

  it.skipIf(!native)(`native: a source index outside the batch is refused${skipped}`, () => {
    const z = new Float32Array(64);
    expect(() => native!.attentionContextAt(2, 2, 2, z, Int32Array.of(0, 2), Int32Array.of(2, 2), 2, z, z, z)).toThrow(
      /source index/,
    );
    expect(() => native!.additiveScoresAt(2, 2, 2, z, Int32Array.of(0), Int32Array.of(2), 2, z, z, z)).toThrow(
      /src has fewer/,
    );
  });
});
