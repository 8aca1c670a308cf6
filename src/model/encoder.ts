/**
 * The encoder: source embeddings (dropout and word dropout when training) → multi-layer
 * (bi)directional RNN over the padded, time-major source, masked so that padding never changes a
 * state.
 *   memory M = top-layer outputs [S×B×C] (C = encoder hidden × directions); when training with
 *              memoryDropout q: M ⊙ mask_q (what attention reads; backward ∂M_rnn = ∂M ⊙ mask_q)
 *   final    = [h^fwd_last ; h^bwd_first] of the top layer [B×C] (what the bridge reads)
 * Backward: ∂L/∂M (from attention) and ∂L/∂final (from the bridge) → RNN BPTT → embeddings.
 */
import type { F32, I32 } from '../tensor/backend.js';
import { Workspace } from '../nn/alloc.js';
import { Dropout } from '../nn/dropout.js';
import { Embedding } from '../nn/embedding.js';
import { WordDropout, sampleEmbeddingMask } from '../nn/word-dropout.js';
import type { Param } from '../nn/param.js';
import { activeRows } from '../nn/recurrent-cell.js';
import { StackedRNN, StackedRun } from '../nn/rnn.js';
import type { Rng } from '../util/rng.js';
import type { ModelConfig } from './config.js';

export class Encoder {
  readonly embedding: Embedding;
  readonly rnn: StackedRNN;
  readonly dropout: Dropout;
  /** Dropout on the memory (config.memoryDropout). */
  readonly memoryDropout: Dropout;
  /** Whole source words dropped (config.wordDropout). */
  readonly wordDropout: WordDropout;

  constructor(config: ModelConfig, encoderHidden: number, rng: Rng | null) {
    this.embedding = new Embedding('encoder.embedding', config.srcVocabSize, config.embeddingSize, rng);
    this.rnn = new StackedRNN('encoder.rnn', config.cell, config.embeddingSize, encoderHidden, config.encoderLayers, config.bidirectional, config.dropout, rng);
    this.dropout = new Dropout(config.dropout);
    this.memoryDropout = new Dropout(config.memoryDropout);
    this.wordDropout = new WordDropout(config.wordDropout);
  }

  get params(): Param[] {
    return [this.embedding.weight, ...this.rnn.params];
  }
}

/** The rows in decreasing length (stable), or null when they already are. */
function lengthOrder(lengths: Int32Array): Int32Array | null {
  let sorted = true;
  for (let b = 1; b < lengths.length && sorted; b++) sorted = lengths[b - 1] >= lengths[b];
  if (sorted) return null;
  return Int32Array.from(Array.from(lengths, (_, i) => i).sort((x, y) => lengths[y] - lengths[x] || x - y));
}

/**
 * Time-major [S×B×w] rows: out[s, order[i]] = x[s, i] (run order → batch order), or with
 * `toRun` out[s, i] = x[s, order[i]]. Returns out.
 */
function permuteRows(S: number, B: number, w: number, x: F32, out: F32, order: Int32Array, toRun: boolean): F32 {
  for (let s = 0; s < S; s++)
    for (let i = 0; i < B; i++) {
      const a = (s * B + i) * w;
      const b = (s * B + order[i]) * w;
      if (toRun) out.set(x.subarray(b, b + w), a);
      else out.set(x.subarray(a, a + w), b);
    }
  return out;
}

/** One encoder pass with its caches. */
export class EncoderPass {
  readonly enc: Encoder;
  readonly run: StackedRun;
  S = 0;
  B = 0;
  private src!: I32;
  private useDropout = false;
  private useMemoryDropout = false;
  private readonly wMask = new Workspace();
  private readonly wEmb = new Workspace();
  private readonly wDropMask = new Workspace();
  private readonly wWordKeep = new Workspace();
  private readonly wdEmb = new Workspace();
  private readonly wMemory = new Workspace();
  private readonly wMemoryMask = new Workspace();
  private readonly wdMemory = new Workspace();
  private memoryMask!: F32;
  private readonly wOrder = [new Workspace(), new Workspace(), new Workspace(), new Workspace()];
  private dropMask!: F32;
  /**
   * With skipPadding the rows run in decreasing source length (so that a step's padding is a
   * suffix of its rows): order[i] = the batch row run as row i; null when the batch is already so.
   */
  private order: Int32Array | null = null;

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
    this.order = skipPadding ? lengthOrder(srcLengths) : null;
    const order = this.order;
    if (order) {
      const srcP = new Int32Array(S * B);
      const lenP = new Int32Array(B);
      for (let i = 0; i < B; i++) lenP[i] = srcLengths[order[i]];
      for (let s = 0; s < S; s++) for (let i = 0; i < B; i++) srcP[s * B + i] = src[s * B + order[i]];
      src = srcP;
      srcLengths = lenP;
    }
    this.src = src;
    const mask = this.wMask.get(S * B);
    for (let s = 0; s < S; s++) for (let b = 0; b < B; b++) mask[s * B + b] = s < srcLengths[b] ? 1 : 0;
    const emb = this.wEmb.get(S * B * E);
    this.enc.embedding.forward(src, emb);
    this.useDropout = train && (this.enc.dropout.p > 0 || this.enc.wordDropout.p > 0);
    if (this.useDropout) {
      this.dropMask = this.wDropMask.get(S * B * E);
      sampleEmbeddingMask(this.enc.dropout, this.enc.wordDropout, this.dropMask, E, this.wWordKeep, rng!);
      this.enc.dropout.forward(emb, this.dropMask, emb);
    }
    let memory = this.run.forward(emb, S, B, mask, train, rng, skipPadding ? activeRows(srcLengths, S) : null);
    if (order) {
      // back to the batch's row order
      const out = this.wOrder[0].get(memory.length);
      memory = permuteRows(S, B, memory.length / (S * B), memory, out, order, false);
    }
    this.useMemoryDropout = train && this.enc.memoryDropout.p > 0;
    if (this.useMemoryDropout) {
      // M ⊙ mask into a buffer of its own: the RNN's backward still reads its outputs
      this.memoryMask = this.wMemoryMask.get(memory.length);
      this.enc.memoryDropout.sampleMask(this.memoryMask, rng!);
      const dropped = this.wMemory.get(memory.length);
      this.enc.memoryDropout.forward(memory, this.memoryMask, dropped);
      memory = dropped;
    }
    return memory;
  }

  finalState(): F32 {
    const f = this.run.finalState();
    if (!this.order) return f;
    const out = this.wOrder[1].get(f.length);
    permuteRows(1, this.B, f.length / this.B, f, out, this.order, false);
    return out;
  }

  backward(dMemory: F32 | null, dFinal: F32 | null): void {
    const dEmb = this.wdEmb.get(this.S * this.B * this.enc.embedding.dim);
    if (dMemory && this.useMemoryDropout) {
      // ∂M_rnn = ∂M ⊙ mask (batch order, the mask's order)
      const d = this.wdMemory.get(dMemory.length);
      this.enc.memoryDropout.backward(dMemory, this.memoryMask, d);
      dMemory = d;
    }
    const order = this.order;
    if (order) {
      // into the order the rows ran in
      if (dMemory) dMemory = permuteRows(this.S, this.B, dMemory.length / (this.S * this.B), dMemory, this.wOrder[3].get(dMemory.length), order, true);
      if (dFinal) dFinal = permuteRows(1, this.B, dFinal.length / this.B, dFinal, this.wOrder[2].get(dFinal.length), order, true);
    }
    this.run.backward(dMemory, dFinal, dEmb);
    if (this.useDropout) this.enc.dropout.backward(dEmb, this.dropMask, dEmb);
    this.enc.embedding.backward(this.src, dEmb);
  }
}
