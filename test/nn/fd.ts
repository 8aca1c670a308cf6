/** Finite-difference helpers for the layer tests (run inside withFloat64 on the TypeScript backend). */
import { alloc, withFloat64 } from '../../src/nn/alloc.js';
import { getBackend, setBackend } from '../../src/tensor/index.js';
import { jsBackend } from '../../src/tensor/js-backend.js';
import type { Rng } from '../../src/util/rng.js';

/** Runs fn in float64 mode on the TypeScript backend. */
export function float64<T>(fn: () => T): T {
  const prev = getBackend();
  setBackend(jsBackend);
  try {
    return withFloat64(fn);
  } finally {
    setBackend(prev);
  }
}

export function randomArray(rng: Rng, n: number, scale = 1): Float32Array {
  const a = alloc(n);
  for (let i = 0; i < n; i++) a[i] = rng.uniform(-scale, scale);
  return a;
}

/** Σ w ⊙ y as float64. */
export function dot(w: ArrayLike<number>, y: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < y.length; i++) s += w[i] * y[i];
  return s;
}

/**
 * Largest error between the analytic gradient of `loss` w.r.t. every entry of x and the central
 * difference (L(x + h) − L(x − h)) / 2h, relative above 1e-3 and absolute below.
 */
export function maxGradError(x: Float32Array, analytic: ArrayLike<number>, loss: () => number, h = 1e-5): number {
  let worst = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    x[i] = v + h;
    const lp = loss();
    x[i] = v - h;
    const lm = loss();
    x[i] = v;
    const num = (lp - lm) / (2 * h);
    const err = Math.abs(num - analytic[i]) / Math.max(Math.abs(num), Math.abs(analytic[i]), 1e-3);
    if (!(err <= worst)) worst = err;
  }
  return worst;
}
