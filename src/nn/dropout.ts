/**
 * Inverted dropout: each unit is kept with probability 1 − p and scaled by 1/(1 − p), so that
 * nothing changes at inference time.
 *   mask_i = (u_i ≥ p) / (1 − p),  u_i ~ U[0, 1): a counter-based hash of (i, two 32-bit seeds
 *   drawn from the seeded Rng) — backend.dropoutMask, in C on the native backend
 *   forward:  y = x ⊙ mask          backward: dx = dy ⊙ mask
 */
import type { F32 } from '../tensor/backend.js';
import { getBackend } from '../tensor/index.js';
import type { Rng } from '../util/rng.js';
import type { PackedSteps } from './packed-steps.js';

export class Dropout {
  readonly p: number;

  constructor(p: number) {
    if (!(p >= 0 && p < 1)) throw new Error(`Dropout: p must be in [0, 1), got ${p}`);
    this.p = p;
  }

  /** Fills mask with 0 or 1/(1 − p); advances rng by two 32-bit draws (the mask's seeds). */
  sampleMask(mask: F32, rng: Rng): void {
    const seed0 = rng.nextUint32();
    const seed1 = rng.nextUint32();
    getBackend().dropoutMask(mask, this.p, seed0, seed1);
  }

  /**
   * The mask of a packed [Σn × width] array (./packed-steps.ts) with the draws of its padded
   * [T×B×width] layout: element j of rank i at step t takes draw (t·B + i)·width + j, so a mask
   * does not depend on how many rows each step packs. Advances rng by two 32-bit draws.
   */
  sampleMaskPacked(mask: F32, steps: PackedSteps, width: number, rng: Rng): void {
    const seed0 = rng.nextUint32();
    const seed1 = rng.nextUint32();
    const k = getBackend();
    for (let t = 0; t < steps.steps; t++) {
      k.dropoutMask(steps.at(mask, t, width), this.p, seed0, seed1, t * steps.batch * width);
    }
  }

  /** y = x ⊙ mask (y may be x). */
  forward(x: F32, mask: F32, y: F32): void {
    for (let i = 0; i < x.length; i++) y[i] = x[i] * mask[i];
  }

  /** dx = dy ⊙ mask (dx may be dy). */
  backward(dy: F32, mask: F32, dx: F32): void {
    for (let i = 0; i < dy.length; i++) dx[i] = dy[i] * mask[i];
  }
}
