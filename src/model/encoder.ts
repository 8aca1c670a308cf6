/**
 * The encoder: source embeddings (dropout when training) → multi-layer (bi)directional RNN over the
 * padded, time-major source, masked so that padding never changes a state.
 *   memory M = top-layer outputs [S×B×C] (C = encoder hidden × directions)
 *   final    = [h^fwd_last ; h^bwd_first] of the top layer [B×C] (what the bridge reads)
 * Backward: ∂L/∂M (from attention) and ∂L/∂final (from the bridge) → RNN BPTT → embeddings.
 */
import type { F32, I32 } from '../tensor/backend.js';
import { Workspace } from '../nn/alloc.js';
import { Dropout } from '../nn/dropout.js';
import { Embedding } from '../nn/embedding.js';
import type { Param } from '../nn/param.js';
import { activeRows } from '../nn/recurrent-cell.js';
import { StackedRNN, StackedRun } from '../nn/rnn.js';
import type { Rng } from '../util/rng.js';
import type { ModelConfig } from './config.js';

export class Encoder {
  readonly embedding: Embedding;
  readonly rnn: StackedRNN;
  readonly dropout: Dropout;

  constructor(config: ModelConfig, encoderHidden: number, rng: Rng | null) {
    this.embedding = new Embedding('encoder.embedding', config.srcVocabSize, config.embeddingSize, rng);
    this.rnn = new StackedRNN('encoder.rnn', config.cell, config.embeddingSize, encoderHidden, config.encoderLayers, config.bidirectional, config.dropout, rng);
    this.dropout = new Dropout(config.dropout);
  }

  get params(): Param[] {
    return [this.embedding.weight, ...this.rnn.params];
  }
}

/** One encoder pass with its caches. */
export class EncoderPass {
  readonly enc: Encoder;
  readonly run: StackedRun;
  S = 0;
  B = 0;
  private src!: I32;
  private useDropout = false;
  private readonly wMask = new Workspace();
  private readonly wEmb = new Workspace();
  private readonly wDropMask = new Workspace();
  private readonly wdEmb = new Workspace();
  private dropMask!: F32;

  constructor(enc: Encoder) {
    this.enc = enc;
    this.run = new StackedRun(enc.rnn);
  }

  /**
   * Returns the memory [S×B×C] (a view into this pass's workspace). With skipPadding the rows
   * after the last real one of each step are not computed (they keep their state; their memory
   * rows are the carried state, which attention masks out anyway).
   */
  forward(src: I32, srcLengths: Int32Array, B: number, S: number, train: boolean, rng: Rng | null, skipPadding = false): F32 {
    const E = this.enc.embedding.dim;
    this.S = S;
    this.B = B;
    this.src = src;
    const mask = this.wMask.get(S * B);
    for (let s = 0; s < S; s++) for (let b = 0; b < B; b++) mask[s * B + b] = s < srcLengths[b] ? 1 : 0;
    const emb = this.wEmb.get(S * B * E);
    this.enc.embedding.forward(src, emb);
    this.useDropout = train && this.enc.dropout.p > 0;
    if (this.useDropout) {
      this.dropMask = this.wDropMask.get(S * B * E);
      this.enc.dropout.sampleMask(this.dropMask, rng!);
      this.enc.dropout.forward(emb, this.dropMask, emb);
    }
    return this.run.forward(emb, S, B, mask, train, rng, skipPadding ? activeRows(srcLengths, S) : null);
  }

  finalState(): F32 {
    return this.run.finalState();
  }

  backward(dMemory: F32 | null, dFinal: F32 | null): void {
    const dEmb = this.wdEmb.get(this.S * this.B * this.enc.embedding.dim);
    this.run.backward(dMemory, dFinal, dEmb);
    if (this.useDropout) this.enc.dropout.backward(dEmb, this.dropMask, dEmb);
    this.enc.embedding.backward(this.src, dEmb);
  }
}
