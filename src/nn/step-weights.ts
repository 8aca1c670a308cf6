/**
 * A weight matrix W (N×K) that a recurrence multiplies step after step at a few rows (n_t ≤ B): X·Wᵀ in the
 * forward steps (h·W_hhᵀ, x·W_ihᵀ, q·W_qᵀ) and D·W in the backward ones (dgh·W_hh, dgi·W_ih, dqp·W_q).
 * Over a pass of T ≥ 2 steps W is packed once per direction of use (per pass, so always the current weights)
 * into the GEMM's panels (`packWeights`, `packMatrix`), which the products then read contiguously instead of
 * packing or striding through W on every step; a one-step pass (decoding) multiplies W as it is. Either way
 * the results are gemm(false, true, …) and gemm(false, false, …)'s to the bit.
 */
import type { F32 } from '../tensor/backend.js';
import { getBackend } from '../tensor/index.js';
import { Workspace } from './alloc.js';
import type { Param } from './param.js';

export class StepWeights {
  readonly weight: Param;
  private readonly wTransposed = new Workspace();
  private readonly wPlain = new Workspace();
  private packing = false;
  private transposed: F32 | null = null;
  private plain: F32 | null = null;

  /** weight: [N, K] (PyTorch's [out, in]). */
  constructor(weight: Param) {
    this.weight = weight;
  }

  /** Starts a pass of `steps` steps: packs (lazily, on first use) when there are at least 2. */
  begin(steps: number): void {
    this.packing = steps >= 2;
    this.transposed = null;
    this.plain = null;
  }

  /** out (n×N) = X·Wᵀ + beta·out, X n×K. */
  timesTransposed(n: number, X: F32, beta: number, out: F32): void {
    const k = getBackend();
    const [N, K] = this.weight.shape;
    const W = this.weight.value;
    if (!this.packing) {
      k.gemm(false, true, n, N, K, 1, X, W, beta, out);
      return;
    }
    if (!this.transposed) {
      this.transposed = this.wTransposed.get(k.packedWeightsSize(N, K));
      k.packWeights(N, K, W, this.transposed);
    }
    k.gemmPackedWeights(n, N, K, 1, X, W, this.transposed, beta, out);
  }

  /** out (n×K) = D·W + beta·out, D n×N. */
  times(n: number, D: F32, beta: number, out: F32): void {
    const k = getBackend();
    const [N, K] = this.weight.shape;
    const W = this.weight.value;
    if (!this.packing) {
      k.gemm(false, false, n, K, N, 1, D, W, beta, out);
      return;
    }
    if (!this.plain) {
      this.plain = this.wPlain.get(k.packedWeightsSize(K, N));
      k.packMatrix(N, K, W, this.plain);
    }
    k.gemmPackedMatrix(n, K, N, 1, D, W, this.plain, beta, out);
  }
}
