/**
 * The encoder: source embeddings (dropout and word dropout when training) → multi-layer
 * (bi)directional RNN over the source, packed by source length (../nn/packed-steps.ts), so that
 * padding is never computed and never changes a state.
 *   memory M = top-layer outputs [S×B×C] (C = encoder hidden × directions), time-major in batch
 *              order, 0 at padded positions (what attention reads, masked); when training with
 *              memoryDropout q: M ⊙ mask_q (backward ∂M_rnn = ∂M ⊙ mask_q)
 *   final    = [h^fwd_last ; h^bwd_first] of the top layer [B×C] (what the bridge reads)
 * Backward: ∂L/∂M (from attention) and ∂L/∂final (from the bridge) → RNN BPTT → embeddings.
 */
import type { F32, I32 } from '../tensor/backend.js';
import { Workspace } from '../nn/alloc.js';
import { Dropout } from '../nn/dropout.js';
import { Embedding } from '../nn/embedding.js';
import { PackedSteps } from '../nn/packed-steps.js';
import { WordDropout, sampleEmbeddingMask } from '../nn/word-dropout.js';
import type { Param } from '../nn/param.js';
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
    const E = config.embeddingSize;
    this.embedding = new Embedding('encoder.embedding', config.srcVocabSize, E, rng);
    const { cell, encoderLayers, bidirectional, dropout } = config;
    this.rnn = new StackedRNN('encoder.rnn', cell, E, encoderHidden, encoderLayers, bidirectional, dropout, rng);
    this.dropout = new Dropout(config.dropout);
    this.memoryDropout = new Dropout(config.memoryDropout);
    this.wordDropout = new WordDropout(config.wordDropout);
  }

  get params(): Param[] {
    return [this.embedding.weight, ...this.rnn.params];
  }
}

/** One encoder pass with its caches. */
export class EncoderPass {
  readonly enc: Encoder;
  readonly run: StackedRun;
  /** The source of this pass, packed by length (attention computes its keys over these rows). */
  steps!: PackedSteps;
  private ids!: I32;
  private useDropout = false;
  private useMemoryDropout = false;
  private readonly wEmb = new Workspace();
  private readonly wDropMask = new Workspace();
  private readonly wWordKeep = new Workspace();
  private readonly wdEmb = new Workspace();
  private readonly wMemory = new Workspace();
  private readonly wMemoryDropped = new Workspace();
  private readonly wMemoryMask = new Workspace();
  private readonly wdMemory = new Workspace();
  private readonly wdOut = new Workspace();
  private readonly wFinal = new Workspace();
  private readonly wdFinal = new Workspace();
  private memoryMask!: F32;
  private dropMask!: F32;

  constructor(enc: Encoder) {
    this.enc = enc;
    this.run = new StackedRun(enc.rnn);
  }

  /** Returns the memory [S×B×C] of the sources src [S×B] (a view into this pass's workspace). */
  forward(src: I32, srcLengths: Int32Array, B: number, S: number, train: boolean, rng: Rng | null): F32 {
    const E = this.enc.embedding.dim;
    const steps = PackedSteps.ofLengths(srcLengths, S);
    this.steps = steps;
    const N = steps.rows;
    this.ids = steps.pack(src, 1, new Int32Array(N));
    const emb = this.wEmb.get(N * E);
    this.enc.embedding.forward(this.ids, emb);
    this.useDropout = train && (this.enc.dropout.p > 0 || this.enc.wordDropout.p > 0);
    if (this.useDropout) {
      this.dropMask = this.wDropMask.get(N * E);
      sampleEmbeddingMask(this.enc.dropout, this.enc.wordDropout, this.dropMask, steps, E, this.wWordKeep, rng!);
      this.enc.dropout.forward(emb, this.dropMask, emb);
    }
    const out = this.run.forward(emb, steps, train, rng);
    const C = this.enc.rnn.outputSize;
    let memory = steps.unpack(out, C, this.wMemory.get(S * B * C));
    this.useMemoryDropout = train && this.enc.memoryDropout.p > 0;
    if (this.useMemoryDropout) {
      this.memoryMask = this.wMemoryMask.get(memory.length);
      this.enc.memoryDropout.sampleMask(this.memoryMask, rng!);
      const dropped = this.wMemoryDropped.get(memory.length);
      this.enc.memoryDropout.forward(memory, this.memoryMask, dropped);
      memory = dropped;
    }
    return memory;
  }

  /** The top layer's final states [B×C] in batch order. */
  finalState(): F32 {
    const f = this.run.finalState();
    return this.steps.toBatch(f, this.enc.rnn.outputSize, this.wFinal.get(f.length));
  }

  /** dMemory [S×B×C] and dFinal [B×C] in batch order (either may be null). */
  backward(dMemory: F32 | null, dFinal: F32 | null): void {
    const { steps } = this;
    const C = this.enc.rnn.outputSize;
    const dEmb = this.wdEmb.get(steps.rows * this.enc.embedding.dim);
    let dOut: F32 | null = null;
    if (dMemory) {
      if (this.useMemoryDropout) {
        // ∂M_rnn = ∂M ⊙ mask
        const d = this.wdMemory.get(dMemory.length);
        this.enc.memoryDropout.backward(dMemory, this.memoryMask, d);
        dMemory = d;
      }
      dOut = steps.pack(dMemory, C, this.wdOut.get(steps.rows * C));
    }
    const dFinalRanked = dFinal ? steps.toRanks(dFinal, C, this.wdFinal.get(dFinal.length)) : null;
    this.run.backward(dOut, dFinalRanked, dEmb);
    if (this.useDropout) this.enc.dropout.backward(dEmb, this.dropMask, dEmb);
    this.enc.embedding.backward(this.ids, dEmb);
  }
}
