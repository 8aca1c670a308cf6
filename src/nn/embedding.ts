/**
 * Embedding lookup (torch.nn.Embedding with padding_idx).
 *   forward:  out[r, :] = W[ids[r], :]
 *   backward: dW[ids[r], :] += dOut[r, :]   for every r with ids[r] ≠ padding (the padding row
 *             never changes: it stays the zero vector it was initialised to)
 */
import type { F32, I32 } from '../tensor/backend.js';
import { getBackend } from '../tensor/index.js';
import type { Rng } from '../util/rng.js';
import { initNormal } from './init.js';
import { Param } from './param.js';

export class Embedding {
  readonly weight: Param;
  readonly vocabSize: number;
  readonly dim: number;
  readonly paddingIdx: number;

  /**
   * std: of the N(0, std²) initialisation; 1 as torch.nn.Embedding, 1/√dim for an embedding tied to
   * an output layer (logits = W o: with std 1 and |o_i| ≈ 1 they would start with a spread of √dim
   * nats instead of about 1).
   */
  constructor(name: string, vocabSize: number, dim: number, rng: Rng | null, paddingIdx = 0, std = 1) {
    this.vocabSize = vocabSize;
    this.dim = dim;
    this.paddingIdx = paddingIdx;
    this.weight = new Param(`${name}.weight`, [vocabSize, dim]);
    if (rng) {
      initNormal(this.weight, rng, std);
      this.weight.value.fill(0, paddingIdx * dim, (paddingIdx + 1) * dim);
    }
  }

  /** out (n×D) = the rows of W named by ids (n = ids.length). */
  forward(ids: I32, out: F32): void {
    getBackend().gatherRows(ids, this.dim, this.weight.value, out);
  }

  /** dW[ids[r]] += dOut[r], skipping padding. */
  backward(ids: I32, dOut: F32): void {
    getBackend().scatterAddRows(ids, this.dim, dOut, this.weight.grad, this.paddingIdx);
  }
}
