/**
 * SGD (momentum) and Adam against updates computed by hand from their definitions, and save/restore
 * of their state continuing exactly.
 */
import { describe, expect, it } from 'vitest';
import { Param } from '../../src/nn/param.js';
import { Adam } from '../../src/train/adam.js';
import { Sgd } from '../../src/train/sgd.js';

function param(values: number[], name = 'w'): Param {
  return new Param(name, [values.length], Float32Array.from(values));
}

describe('Sgd', () => {
  it('plain SGD: p ← p − lr·g', () => {
    const p = param([1, -2]);
    p.grad.set([0.5, -1]);
    new Sgd([p]).step(0.1);
    expect(Array.from(p.value)).toEqual([Math.fround(1 - 0.05), Math.fround(-2 + 0.1)]);
  });

  it('momentum: v ← μv + g, p ← p − lr·v over three steps (hand-computed)', () => {
    const p = param([1]);
    const opt = new Sgd([p], { momentum: 0.9 });
    const grads = [1, 0.5, -2];
    // v1 = 1, p = 1 − 0.1·1 = 0.9; v2 = 0.9 + 0.5 = 1.4, p = 0.9 − 0.14 = 0.76; v3 = 1.26 − 2 = −0.74, p = 0.76 + 0.074 = 0.834
    const expected = [0.9, 0.76, 0.834];
    grads.forEach((g, i) => {
      p.grad[0] = g;
      opt.step(0.1);
      expect(p.value[0]).toBeCloseTo(expected[i], 6);
    });
  });

  it('weight decay adds wd·p to the gradient', () => {
    const p = param([2]);
    p.grad[0] = 0;
    new Sgd([p], { weightDecay: 0.5 }).step(0.1);
    expect(p.value[0]).toBeCloseTo(2 - 0.1 * 0.5 * 2, 6);
  });
});

describe('Adam', () => {
  it('first two steps match the hand computation', () => {
    const p = param([1, -1]);
    const opt = new Adam([p], { beta1: 0.9, beta2: 0.999, eps: 1e-8 });
    // Step 1, g = (0.2, −0.4): m = 0.1g, v = 0.001g²; m̂ = g, v̂ = g² → update = lr · g/(|g| + ε) = lr·sign(g)
    p.grad.set([0.2, -0.4]);
    opt.step(0.01);
    expect(p.value[0]).toBeCloseTo(1 - 0.01, 6);
    expect(p.value[1]).toBeCloseTo(-1 + 0.01, 6);
    // Step 2, g = (0.1, 0.4) for the first and second entries:
    // m = 0.9·0.1·g1 + 0.1·g2, v = 0.999·0.001·g1² + 0.001·g2², bc1 = 1 − 0.81 = 0.19, bc2 = 1 − 0.998001
    p.grad.set([0.1, 0.4]);
    opt.step(0.01);
    const expectStep = (g1: number, g2: number): number => {
      const m = 0.9 * 0.1 * g1 + 0.1 * g2;
      const v = 0.999 * 0.001 * g1 * g1 + 0.001 * g2 * g2;
      const mh = m / (1 - 0.9 ** 2);
      const vh = v / (1 - 0.999 ** 2);
      return (0.01 * mh) / (Math.sqrt(vh) + 1e-8);
    };
    expect(p.value[0]).toBeCloseTo(0.99 - expectStep(0.2, 0.1), 6);
    expect(p.value[1]).toBeCloseTo(-0.99 - expectStep(-0.4, 0.4), 6);
  });

  it('a restored optimiser continues bit-for-bit', () => {
    const grads = [
      [0.3, -0.1, 0.2],
      [0.5, 0.5, -0.5],
      [-0.2, 0.1, 0.05],
      [0.7, -0.3, 0.1],
    ];
    const run = (split: boolean): Float32Array => {
      let p = param([0.5, 0.25, -0.75]);
      let opt = new Adam([p], { weightDecay: 0.01 });
      grads.forEach((g, i) => {
        if (split && i === 2) {
          const state = opt.state();
          const values = p.value.slice();
          p = param(Array.from(values));
          opt = new Adam([p], { weightDecay: 0.01 });
          opt.restore(state);
        }
        p.grad.set(g);
        opt.step(0.05);
      });
      return p.value;
    };
    expect(Array.from(run(true))).toEqual(Array.from(run(false)));
  });

  it('restore rejects a state of the other optimiser or of another shape', () => {
    const p = param([1, 2]);
    const sgd = new Sgd([p], { momentum: 0.9 });
    expect(() => new Adam([p]).restore(sgd.state())).toThrow(/sgd/);
    const other = new Adam([param([1, 2, 3])]);
    expect(() => new Adam([p]).restore(other.state())).toThrow(/3 values/);
  });
});
