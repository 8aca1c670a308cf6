/**
 * Word dropout (Gal & Ghahramani 2016; Nematus' dropout_source / dropout_target, Sennrich et al.
 * 2016): a token's whole embedding row is dropped with probability p and the kept rows are scaled
 * by 1/(1 − p), so that the model learns not to lean on any single word.
 *   keep_r = [u_r ≥ p] / (1 − p), one draw per row r (backend.dropoutMask over the rows)
 *   forward:  y[r, :] = x[r, :] · keep_r        backward: dx[r, :] = dy[r, :] · keep_r
 * It is folded into the element mask of ordinary dropout (mask[r, j] ·= keep_r), so one
 * elementwise product applies both.
 */
import type { F32 } from '../tensor/backend.js';
import type { Rng } from '../util/rng.js';
import type { Workspace } from './alloc.js';
import { Dropout } from './dropout.js';
import type { PackedSteps } from './packed-steps.js';

export class WordDropout {
  readonly p: number;
  private readonly rows: Dropout;

  constructor(p: number) {
    this.rows = new Dropout(p);
    this.p = p;
  }

  /**
   * mask[r·width + j] ·= keep_r for the rows r of a packed [Σn × width] mask; keep (one entry per
   * row) is filled with the draws, those of the row's padded position (Dropout.sampleMaskPacked).
   * Advances rng by two 32-bit draws.
   */
  scaleMask(mask: F32, steps: PackedSteps, width: number, keep: F32, rng: Rng): void {
    const rows = mask.length / width;
    if (keep.length !== rows || rows !== steps.rows) {
      throw new Error(`WordDropout: keep has ${keep.length} entries for ${rows} rows, the steps ${steps.rows}`);
    }
    this.rows.sampleMaskPacked(keep, steps, 1, rng);
    for (let r = 0; r < rows; r++) {
      const k = keep[r];
      const o = r * width;
      for (let j = 0; j < width; j++) mask[o + j] *= k;
    }
  }
}

/**
 * The element mask of a packed embedded input [Σn × width] when training: dropout's mask (or ones
 * when dropout.p = 0) times word dropout's row factors (when words.p > 0), both with the draws of
 * the padded positions. Draws dropout's seeds first, then word dropout's. The caller applies it
 * with dropout.forward / dropout.backward.
 */
export function sampleEmbeddingMask(
  dropout: Dropout,
  words: WordDropout,
  mask: F32,
  steps: PackedSteps,
  width: number,
  keep: Workspace,
  rng: Rng,
): void {
  if (dropout.p > 0) dropout.sampleMaskPacked(mask, steps, width, rng);
  else mask.fill(1);
  if (words.p > 0) words.scaleMask(mask, steps, width, keep.get(mask.length / width), rng);
}
