import { describe, expect, it } from 'vitest';
import { Workspace, copyCols, takeCols } from '../../src/nn/alloc.js';

describe('column block helpers (narrow element loops and wide block copies)', () => {
  for (const w of [3, 40]) {
    it(`copyCols / takeCols with ${w}-wide blocks`, () => {
      const B = 3,
        W = w + 5,
        col = 2;
      const src = Float32Array.from({ length: B * w }, (_, i) => i + 1);
      const dst = new Float32Array(B * W).fill(-1);
      copyCols(B, w, src, W, col, dst);
      for (let b = 0; b < B; b++)
        for (let j = 0; j < W; j++) expect(dst[b * W + j]).toBe(j >= col && j < col + w ? src[b * w + j - col] : -1);
      const back = new Float32Array(B * w);
      takeCols(B, W, dst, col, w, back, false);
      expect(back).toEqual(src);
      takeCols(B, W, dst, col, w, back, true);
      expect(back).toEqual(src.map((x) => 2 * x));
    });
  }

  it('Workspace reuses its storage and returns views of the asked length', () => {
    const ws = new Workspace();
    const a = ws.get(10);
    expect(a.length).toBe(10);
    const b = ws.get(5);
    expect(b.length).toBe(5);
    expect(b.buffer).toBe(a.buffer);
    expect(ws.zeros(7).every((x) => x === 0)).toBe(true);
  });
});
