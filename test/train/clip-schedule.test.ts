/** Global-norm clipping, learning-rate schedules, early stopping and durations, against hand values. */
import { describe, expect, it } from 'vitest';
import { Param } from '../../src/nn/param.js';
import { createNativeBackend, getBackend, setBackend } from '../../src/tensor/index.js';
import { jsBackend } from '../../src/tensor/js-backend.js';
import { Adam } from '../../src/train/adam.js';
import { clipGradNorm, clipScale, globalGradNorm, scaleGrads, scaleGradsAndNorm } from '../../src/train/clip.js';
import { Sgd } from '../../src/train/sgd.js';
import { Rng } from '../../src/util/rng.js';
import { parseDuration, formatDuration } from '../../src/train/duration.js';
import { EarlyStopping } from '../../src/train/early-stopping.js';
import { LrSchedule } from '../../src/train/schedule.js';

function withGrad(g: number[]): Param {
  const p = new Param('p', [g.length]);
  p.grad.set(g);
  return p;
}

describe('clipGradNorm', () => {
  it('computes the global norm over all parameters: √(3² + 4² + 12²) = 13', () => {
    const ps = [withGrad([3, 4]), withGrad([12])];
    expect(globalGradNorm(ps)).toBeCloseTo(13, 6);
  });

  it('scales every gradient by max/(n + 1e-6) when the norm is above max', () => {
    const ps = [withGrad([3, 4]), withGrad([12])];
    const n = clipGradNorm(ps, 1.3);
    expect(n).toBeCloseTo(13, 6);
    const f = 1.3 / (13 + 1e-6);
    expect(ps[0].grad[0]).toBeCloseTo(3 * f, 6);
    expect(ps[1].grad[0]).toBeCloseTo(12 * f, 6);
    expect(globalGradNorm(ps)).toBeCloseTo(1.3, 5);
  });

  it('leaves small gradients and non-finite ones untouched', () => {
    const ps = [withGrad([0.3, 0.4])];
    expect(clipGradNorm(ps, 1)).toBeCloseTo(0.5, 6);
    expect(ps[0].grad[0]).toBeCloseTo(0.3, 7);
    const bad = [withGrad([NaN, 1])];
    expect(Number.isNaN(clipGradNorm(bad, 1))).toBe(true);
    expect(bad[0].grad[1]).toBe(1);
  });

  it('clipScale: max/(n + 1e-6) above max, else 1 (no max, small or non-finite norm)', () => {
    expect(clipScale(13, 1.3)).toBe(1.3 / (13 + 1e-6));
    expect(clipScale(0.5, 1)).toBe(1);
    expect(clipScale(13, 0)).toBe(1);
    expect(clipScale(NaN, 1)).toBe(1);
    expect(clipScale(Infinity, 1)).toBe(1);
  });
});

/**
 * The trainer's fused step — per-token scaling and the norm in one pass (scaleGradsAndNorm), the clipping factor
 * applied by the optimiser (step(lr, clipScale(n, c))) — must give the parameters of the separate passes
 * (scaleGrads, clipGradNorm, step(lr)) to the bit, on both backends, for Adam and SGD with momentum.
 */
describe('scaleGradsAndNorm + optimiser gradScale = scaleGrads + clipGradNorm + step', () => {
  const native = createNativeBackend();
  const backends = [jsBackend, ...(native ? [native] : [])];
  const makeParams = (seed: number) => {
    const rng = new Rng(seed);
    return [[7], [3, 5], [1000]].map((shape, i) => {
      const p = new Param(`p${i}`, shape);
      for (let j = 0; j < p.size; j++) {
        p.value[j] = rng.next() - 0.5;
        p.grad[j] = 40 * (rng.next() - 0.5);
      }
      return p;
    });
  };
  for (const k of backends)
    for (const kind of ['adam', 'sgd'] as const)
      it(`${k.name}, ${kind}: three steps, clipping at the first two`, () => {
        const before = getBackend();
        setBackend(k);
        try {
          const [a, b] = [makeParams(5), makeParams(5)];
          const opt = (ps: Param[]) => (kind === 'adam' ? new Adam(ps) : new Sgd(ps, { momentum: 0.9 }));
          const [optA, optB] = [opt(a), opt(b)];
          for (const [step, tokens, clip] of [
            [1, 7, 1],
            [2, 3, 2],
            [3, 9, 1e6],
          ]) {
            const n1 = scaleGradsAndNorm(a, 1 / tokens);
            optA.step(0.01 * step, clipScale(n1, clip));
            scaleGrads(b, 1 / tokens);
            const n2 = clipGradNorm(b, clip);
            optB.step(0.01 * step);
            expect(n1).toBe(n2);
            if (step < 3) expect(clipScale(n1, clip)).toBeLessThan(1);
            for (let i = 0; i < a.length; i++) expect(a[i].value).toEqual(b[i].value);
            for (const ps of [a, b]) for (const p of ps) p.grad.set(makeParams(10 + step)[ps.indexOf(p)].grad);
          }
        } finally {
          setBackend(before);
        }
      });
});

describe('LrSchedule', () => {
  it('inverse-sqrt: linear warm-up to the base rate at W, then base·√(W/s)', () => {
    const s = new LrSchedule({ kind: 'inverse-sqrt', lr: 0.01, warmupSteps: 4 });
    expect(s.lrAt(1)).toBeCloseTo(0.0025, 10);
    expect(s.lrAt(2)).toBeCloseTo(0.005, 10);
    expect(s.lrAt(4)).toBeCloseTo(0.01, 10);
    expect(s.lrAt(16)).toBeCloseTo(0.005, 10);
    expect(s.lrAt(100)).toBeCloseTo(0.002, 10);
  });

  it('plateau: lowers the rate by the factor after `patience` evaluations without improvement, not below minLr', () => {
    const s = new LrSchedule({ kind: 'plateau', lr: 1, factor: 0.5, patience: 2, minLr: 0.2 });
    expect(s.observe(10)).toBe(false);
    expect(s.observe(9)).toBe(false);
    expect(s.lrAt(5)).toBe(1);
    expect(s.observe(9.5)).toBe(true);
    expect(s.lrAt(6)).toBe(0.5);
    expect(s.observe(11)).toBe(false); // improvement resets the count
    s.observe(1);
    s.observe(1);
    expect(s.lrAt(7)).toBe(0.25);
    s.observe(1);
    s.observe(1);
    expect(s.lrAt(8)).toBe(0.2);
  });

  it('constant ignores evaluations; dampen multiplies every rate; state round-trips', () => {
    const s = new LrSchedule({ kind: 'constant', lr: 0.3 });
    s.observe(1);
    s.observe(0);
    s.observe(0);
    expect(s.lrAt(10)).toBe(0.3);
    s.dampen(0.5);
    expect(s.lrAt(10)).toBe(0.15);
    const t = new LrSchedule({ kind: 'constant', lr: 0.3 });
    t.restore(s.state());
    expect(t.lrAt(3)).toBe(0.15);
    expect(() => new LrSchedule({ kind: 'plateau', lr: 1 }).restore(s.state())).toThrow(/constant/);
  });
});

describe('EarlyStopping', () => {
  it('stops after `patience` evaluations without a new best', () => {
    const e = new EarlyStopping(2);
    expect(e.observe(5, 100)).toBe(true);
    expect(e.observe(4, 200)).toBe(false);
    expect(e.shouldStop).toBe(false);
    expect(e.observe(5, 300)).toBe(false); // equal is not better
    expect(e.shouldStop).toBe(true);
    expect(e.bestAt).toBe(100);
    expect(new EarlyStopping(0).shouldStop).toBe(false);
  });
});

describe('durations', () => {
  it('reads 90s, 30m, 1h30m, 1.5h and bare seconds; rejects nonsense', () => {
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('30m')).toBe(1_800_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('1.5h')).toBe(5_400_000);
    expect(parseDuration('45')).toBe(45_000);
    expect(parseDuration(2)).toBe(2000);
    expect(() => parseDuration('ten minutes')).toThrow(/--time-budget: cannot read 'ten minutes'/);
    expect(() => parseDuration('0s')).toThrow();
    expect(formatDuration(3725)).toBe('1h02m');
    expect(formatDuration(65)).toBe('1m05s');
  });
});
