import { describe, expect, it } from 'vitest';
import { Rng } from '../src/util/rng.js';

describe('Rng', () => {
  it('is reproducible from a seed and differs across seeds', () => {
    const a = new Rng(42),
      b = new Rng(42),
      c = new Rng(43);
    const xa = Array.from({ length: 5 }, () => a.nextUint32());
    const xb = Array.from({ length: 5 }, () => b.nextUint32());
    const xc = Array.from({ length: 5 }, () => c.nextUint32());
    expect(xa).toEqual(xb);
    expect(xa).not.toEqual(xc);
  });

  it('continues exactly after a state save and restore', () => {
    const a = new Rng(7);
    for (let i = 0; i < 11; i++) a.normal();
    const saved = a.getState();
    const expected = [a.normal(), a.next(), a.normal(), a.int(1000)];
    const b = new Rng(1);
    b.setState(saved);
    expect([b.normal(), b.next(), b.normal(), b.int(1000)]).toEqual(expected);
  });

  it('has roughly uniform and normal moments', () => {
    const r = new Rng(3);
    let s = 0,
      s2 = 0,
      n = 20000,
      g = 0,
      g2 = 0;
    for (let i = 0; i < n; i++) {
      const u = r.next();
      s += u;
      s2 += u * u;
      const z = r.normal();
      g += z;
      g2 += z * z;
    }
    expect(s / n).toBeCloseTo(0.5, 1);
    expect(s2 / n - (s / n) ** 2).toBeCloseTo(1 / 12, 2);
    expect(g / n).toBeCloseTo(0, 1);
    expect(g2 / n).toBeCloseTo(1, 1);
  });
});
