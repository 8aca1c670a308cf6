/**
 * Weights that decoding multiplies by again and again, prepared once: StepMatrix keeps W [N×K] packed into the
 * GEMM's panels (Backend.packWeights), so that X·Wᵀ reads them instead of packing W on every call — the same bits
 * as gemm(false, true, …); a Fingerprint tells such a prepared form that its weights changed since.
 */
import type { Backend, F32 } from '../tensor/backend.js';
import { getBackend } from '../tensor/index.js';

/** Samples per matrix of a Fingerprint. */
const FINGERPRINT_SAMPLES = 61;

/**
 * A hash of the bits of every ⌈size/61⌉-th weight of W: it changes, all but surely, when training or loading
 * changes W — how weights packed (or transposed) once notice that they are stale.
 */
export class Fingerprint {
  private readonly bits: Int32Array;
  private value = 0;

  constructor(W: F32) {
    this.bits = new Int32Array(W.buffer, W.byteOffset, (W.byteLength / 4) | 0);
  }

  private hash(): number {
    const { bits } = this;
    const stride = Math.max(1, Math.floor(bits.length / FINGERPRINT_SAMPLES));
    let h = 0x811c9dc5;
    for (let i = 0; i < bits.length; i += stride) h = Math.imul(h ^ bits[i], 0x01000193);
    return h;
  }

  take(): void {
    this.value = this.hash();
  }

  matches(): boolean {
    return this.hash() === this.value;
  }
}

/** The weight W [N×K] of a product Y = X·Wᵀ, and W packed for the GEMM once `pack` was called. */
export class StepMatrix {
  private packed: F32 | null = null;
  private packedBy: Backend | null = null;
  private readonly fingerprint: Fingerprint;

  constructor(
    readonly W: F32,
    readonly N: number,
    readonly K: number,
  ) {
    this.fingerprint = new Fingerprint(W);
  }

  pack(): void {
    const k = getBackend();
    const packed = new Float32Array(k.packedWeightsSize(this.N, this.K));
    k.packWeights(this.N, this.K, this.W, packed);
    this.packed = packed;
    this.packedBy = k;
    this.fingerprint.take();
  }

  /**
   * Once packed: packs W again when it changed since (or another backend packed it) — a safety net for weights
   * changed without a new `pack`, which remains the contract.
   */
  refresh(): void {
    if (this.packed && (this.packedBy !== getBackend() || !this.fingerprint.matches())) this.pack();
  }

  /** Y (M×N) = X·Wᵀ + beta·Y: the same bits packed or not (gemmPackedWeights, gemmFewRows = gemm(false, true, …)). */
  product(M: number, X: F32, beta: number, Y: F32): void {
    const k = getBackend();
    if (this.packed && this.packedBy === k) k.gemmPackedWeights(M, this.N, this.K, 1, X, this.W, this.packed, beta, Y);
    else k.gemmFewRows(true, M, this.N, this.K, 1, X, this.W, beta, Y);
  }
}
