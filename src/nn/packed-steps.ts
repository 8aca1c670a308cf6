/**
 * A ragged batch without padding — the idea of PyTorch's PackedSequence. B sequences of lengths
 * ≤ T are ranked by decreasing length (stable), so at step t the n_t sequences longer than t are
 * the ranks 0 … n_t − 1, and every per-step tensor is one packed [Σ_t n_t × D] array:
 *
 *   step t's rows:  off[t] … off[t] + n_t − 1   (rank i at row off[t] + i),  off[t + 1] = off[t] + n_t
 *   rank i is batch row order[i]                (order = null: the batch is already sorted)
 *   n_t never grows with t: the rows still running at step t + 1 are the first n_{t+1} of step t.
 *
 * The padded time-major layout [T×B×D] keeps (t, b) at row t·B + b; `pack` and `unpack` convert
 * between the two. Layers take a PackedSteps and compute step t over its n_t rows only, so
 * padding costs nothing and needs no mask. A dropout mask of a packed array takes the draws of
 * its position in the padded layout of the ranked batch, t·B + i (Dropout.sampleMaskPacked).
 */
import type { F32, I32 } from '../tensor/backend.js';
import { getBackend } from '../tensor/index.js';
import { rows } from './alloc.js';

export class PackedSteps {
  /** T and B. */
  readonly steps: number;
  readonly batch: number;
  /** n_t, the rows of step t (T entries, non-increasing). */
  readonly count: Int32Array;
  /** off[t], the first row of step t (T + 1 entries; off[T] = Σ n_t). */
  readonly offset: Int32Array;
  /** The batch row of rank i, or null when rank i is row i. */
  readonly order: Int32Array | null;

  private constructor(count: Int32Array, batch: number, order: Int32Array | null) {
    this.steps = count.length;
    this.batch = batch;
    this.count = count;
    this.offset = new Int32Array(count.length + 1);
    for (let t = 0; t < count.length; t++) this.offset[t + 1] = this.offset[t] + count[t];
    this.order = order;
  }

  /** Sequences of the given lengths (capped at T), ranked by decreasing length, ties in batch order. */
  static ofLengths(lengths: ArrayLike<number>, T: number): PackedSteps {
    const B = lengths.length;
    const len = (b: number) => Math.max(0, Math.min(T, lengths[b]));
    let sorted = true;
    for (let b = 1; b < B && sorted; b++) sorted = len(b - 1) >= len(b);
    const ranked = () => Array.from({ length: B }, (_, b) => b).sort((x, y) => len(y) - len(x) || x - y);
    const order = sorted ? null : Int32Array.from(ranked());
    const count = new Int32Array(T);
    for (let b = 0; b < B; b++) for (let t = 0; t < len(b); t++) count[t]++;
    return new PackedSteps(count, B, order);
  }

  /** B sequences of length T: every row at every step (the packed layout is then the padded one). */
  static full(T: number, B: number): PackedSteps {
    return new PackedSteps(new Int32Array(T).fill(B), B, null);
  }

  /** Σ_t n_t. */
  get rows(): number {
    return this.offset[this.steps];
  }

  /** Step t's n_t rows of a packed [rows × width] array (a view). */
  at<A extends F32 | I32>(x: A, t: number, width: number): A {
    return rows(x as F32, this.offset[t], this.count[t], width) as A;
  }

  /** The rows of steps t0 … t1 − 1 of a packed [rows × width] array (a view). */
  span(x: F32, t0: number, t1: number, width: number): F32 {
    return rows(x, this.offset[t0], this.offset[t1] - this.offset[t0], width);
  }

  /** out [rows × width] ← the real rows of the padded [T×B×width] array, packed. Returns out. */
  pack<A extends F32 | I32>(padded: A, width: number, out: A): A {
    const B = this.batch;
    for (let t = 0; t < this.steps; t++) {
      const n = this.count[t];
      const o = this.offset[t] * width;
      if (!this.order) out.set(padded.subarray(t * B * width, (t * B + n) * width), o);
      else
        for (let i = 0; i < n; i++) {
          const s = (t * B + this.order[i]) * width;
          out.set(padded.subarray(s, s + width), o + i * width);
        }
    }
    return out;
  }

  /**
   * The padded [T×B×width] array of a packed one: out ← packed rows at their positions and zeros
   * at padding, or with `accumulate` out += packed rows (padding untouched). Returns out.
   */
  unpack(packed: F32, width: number, out: F32, accumulate = false): F32 {
    const k = getBackend();
    const B = this.batch;
    if (!accumulate) out.fill(0);
    for (let t = 0; t < this.steps; t++) {
      const n = this.count[t];
      const step = this.at(packed, t, width);
      if (!this.order) {
        const dst = rows(out, t * B, n, width);
        if (accumulate) k.axpy(1, step, dst);
        else dst.set(step);
        continue;
      }
      for (let i = 0; i < n; i++) {
        const dst = rows(out, t * B + this.order[i], 1, width);
        if (accumulate) k.axpy(1, rows(step, i, 1, width), dst);
        else dst.set(rows(step, i, 1, width));
      }
    }
    return out;
  }

  /** A [B × width] array in batch order → rank order (toRanks) or back (toBatch). Returns out. */
  toRanks(x: F32, width: number, out: F32): F32 {
    return this.permute(x, width, out, true);
  }

  toBatch(x: F32, width: number, out: F32): F32 {
    return this.permute(x, width, out, false);
  }

  private permute(x: F32, width: number, out: F32, toRanks: boolean): F32 {
    if (!this.order) {
      out.set(x);
      return out;
    }
    for (let i = 0; i < this.batch; i++) {
      const [from, to] = toRanks ? [this.order[i], i] : [i, this.order[i]];
      out.set(rows(x, from, 1, width), to * width);
    }
    return out;
  }
}
