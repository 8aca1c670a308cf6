/**
 * Buffer allocation for the layers. Normally every buffer is a Float32Array. The gradient check
 * switches to float64 (`withFloat64`): buffers are then Float64Arrays typed as F32, which the
 * TypeScript backend handles unchanged (it only indexes), so finite differences can use a tiny
 * step without float32 rounding noise; withFloat64 runs on the TypeScript backend.
 */
import type { F32 } from '../tensor/backend.js';
import { getBackend, setBackend } from '../tensor/index.js';
import { jsBackend } from '../tensor/js-backend.js';

let float64 = false;

/** A zero-filled buffer of n floats (float32, or float64 inside withFloat64). */
export function alloc(n: number): F32 {
  return (float64 ? new Float64Array(n) : new Float32Array(n)) as unknown as F32;
}

/**
 * Runs fn with float64 buffers on the TypeScript backend (for gradient checks; native kernels
 * take only Float32Arrays), restoring the previous mode and backend afterwards.
 */
export function withFloat64<T>(fn: () => T): T {
  const before = float64;
  const backend = getBackend();
  float64 = true;
  setBackend(jsBackend);
  try {
    return fn();
  } finally {
    float64 = before;
    setBackend(backend);
  }
}

/**
 * A growable scratch buffer: `get(n)` returns a view of exactly n floats, reusing the storage
 * when it is large enough (the contents are NOT cleared; use `zeros(n)` for that).
 */
export class Workspace {
  private store: F32 = alloc(0);
  private view: F32 = this.store;

  get(n: number): F32 {
    if (this.view.length === n && this.view.buffer === this.store.buffer) return this.view;
    if (this.store.length < n) this.store = alloc(Math.max(n, Math.ceil(this.store.length * 1.25)));
    this.view = this.store.subarray(0, n);
    return this.view;
  }

  zeros(n: number): F32 {
    const v = this.get(n);
    v.fill(0);
    return v;
  }
}

/** Rows [start, start + count) of a row-major matrix with `width` columns, as a view. */
export function rows(buf: F32, start: number, count: number, width: number): F32 {
  return buf.subarray(start * width, (start + count) * width);
}

/**
 * Copies a B×w block into columns [col, col + w) of a B×W matrix (concatenation along features),
 * or, with `add`, adds it there.
 */
export function copyCols(B: number, w: number, src: F32, W: number, col: number, dst: F32): void {
  if (w >= 32) {
    // wide rows: block copies (memcpy speed) beat an element loop
    for (let b = 0; b < B; b++) dst.set(src.subarray(b * w, (b + 1) * w), b * W + col);
    return;
  }
  for (let b = 0; b < B; b++) {
    const s = b * w;
    const d = b * W + col;
    for (let j = 0; j < w; j++) dst[d + j] = src[s + j];
  }
}

/** dst (B×w) = (or +=, with add) columns [col, col + w) of src (B×W). Returns dst. */
export function takeCols(B: number, W: number, src: F32, col: number, w: number, dst: F32, add: boolean): F32 {
  if (!add && w >= 32) {
    for (let b = 0; b < B; b++) dst.set(src.subarray(b * W + col, b * W + col + w), b * w);
    return dst;
  }
  for (let b = 0; b < B; b++) {
    const s = b * W + col;
    const d = b * w;
    if (add) for (let j = 0; j < w; j++) dst[d + j] += src[s + j];
    else for (let j = 0; j < w; j++) dst[d + j] = src[s + j];
  }
  return dst;
}
