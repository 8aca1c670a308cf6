/**
 * Affine layer (torch.nn.Linear: weight [out, in], bias [out]) over M rows at once.
 *   forward:  Y = X Wᵀ + b                         (X: M×in, Y: M×out)
 *   backward: dW += dYᵀ X;  db += Σ_rows dY;  dX = dY W   (dX overwritten, or accumulated)
 * The layer keeps no per-call state: the caller passes the X of the forward pass back to backward,
 * so one Linear can serve several call sites (e.g. every decoder step) with their own buffers.
 */
import type { F32 } from '../tensor/backend.js';
import { getBackend } from '../tensor/index.js';
import type { Rng } from '../util/rng.js';
import { initUniform } from './init.js';
import { Param } from './param.js';

export class Linear {
  readonly weight: Param;
  readonly bias: Param | null;
  readonly inFeatures: number;
  readonly outFeatures: number;

  constructor(name: string, inFeatures: number, outFeatures: number, rng: Rng | null, bias = true, weight?: Param) {
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    this.weight = weight ?? new Param(`${name}.weight`, [outFeatures, inFeatures]);
    this.bias = bias ? new Param(`${name}.bias`, [outFeatures]) : null;
    const bound = 1 / Math.sqrt(inFeatures);
    if (rng) {
      if (!weight) initUniform(this.weight, rng, bound);
      if (this.bias) initUniform(this.bias, rng, bound);
    }
  }

  get params(): Param[] {
    return this.bias ? [this.weight, this.bias] : [this.weight];
  }

  /** Y (M×out) = X Wᵀ + b. */
  forward(M: number, X: F32, Y: F32): void {
    const k = getBackend();
    k.gemm(false, true, M, this.outFeatures, this.inFeatures, 1, X, this.weight.value, 0, Y);
    if (this.bias) k.addRowVector(M, this.outFeatures, Y, this.bias.value);
  }

  /** dW += dYᵀ X, db += Σ dY, and dX = dY W (accumulated into dX when accumulateDX) unless dX is null. */
  backward(M: number, X: F32, dY: F32, dX: F32 | null, accumulateDX = false): void {
    const k = getBackend();
    k.gemm(true, false, this.outFeatures, this.inFeatures, M, 1, dY, X, 1, this.weight.grad);
    if (this.bias) k.sumRowsInto(M, this.outFeatures, dY, this.bias.grad);
    if (dX)
      k.gemm(false, false, M, this.inFeatures, this.outFeatures, 1, dY, this.weight.value, accumulateDX ? 1 : 0, dX);
  }
}
