/**
 * The decoder's layers and parameters: target embedding, the bridge (applied by Seq2Seq), the
 * stack of recurrent cells, attention, the pre-output and output layers, dropout. One pass over a
 * batch, with its caches and its BPTT, is a DecoderPass (./decoder-pass.ts).
 */
import type { F32 } from '../tensor/backend.js';
import { Attention } from '../nn/attention.js';
import { Dropout } from '../nn/dropout.js';
import { Embedding } from '../nn/embedding.js';
import { Linear } from '../nn/linear.js';
import type { Param } from '../nn/param.js';
import { RecurrentCell } from '../nn/recurrent-cell.js';
import { WordDropout } from '../nn/word-dropout.js';
import type { Rng } from '../util/rng.js';
import type { ModelConfig, ResolvedSizes } from './config.js';

export class Decoder {
  readonly config: ModelConfig;
  readonly sizes: ResolvedSizes;
  readonly embedding: Embedding;
  readonly bridge: Linear;
  readonly cells: RecurrentCell[];
  readonly attention: Attention | null;
  readonly preOutput: Linear | null;
  readonly out: Linear;
  readonly dropout: Dropout;
  /** Whole target input words (y_{t−1}) dropped (config.wordDropout). */
  readonly wordDropout: WordDropout;
  /** Width of the pre-output input [s; c; e]. */
  readonly preInputSize: number;

  constructor(config: ModelConfig, sizes: ResolvedSizes, rng: Rng | null) {
    this.config = config;
    this.sizes = sizes;
    const H = config.hiddenSize;
    const L = config.decoderLayers;
    const E = config.embeddingSize;
    const tied = config.tiedTargetEmbeddings;
    // Tied to the output layer, the embedding starts at N(0, 1/E) (see Embedding): with N(0, 1) the
    // logits' spread made the first loss ~25 nats/token against ln V ≈ 9 (docs/quality.md).
    this.embedding = new Embedding('decoder.embedding', config.tgtVocabSize, E, rng, 0, tied ? 1 / Math.sqrt(E) : 1);
    this.bridge = new Linear('decoder.bridge', sizes.memory, L * H, rng);
    this.cells = [];
    for (let l = 0; l < L; l++) {
      this.cells.push(new RecurrentCell('decoder.rnn', `l${l}`, config.cell, l === 0 ? sizes.decoderInput : H, H, rng));
    }
    const a = config.attention;
    this.attention = a === 'none' ? null : new Attention('decoder.attention', a, sizes.memory, H, sizes.attention, rng);
    this.preInputSize = H + sizes.context + E;
    const P = this.preInputSize;
    this.preOutput = config.preOutput ? new Linear('decoder.pre_output', P, sizes.preOutput, rng) : null;
    const outWeight = tied ? this.embedding.weight : undefined;
    this.out = new Linear('decoder.out', sizes.outputInput, config.tgtVocabSize, rng, true, outWeight);
    this.dropout = new Dropout(config.dropout);
    this.wordDropout = new WordDropout(config.wordDropout);
  }

  get params(): Param[] {
    const p: Param[] = [this.embedding.weight, ...this.bridge.params, ...this.cells.flatMap((c) => c.params)];
    if (this.attention) p.push(...this.attention.params);
    if (this.preOutput) p.push(...this.preOutput.params);
    if (this.config.tiedTargetEmbeddings) p.push(this.out.bias!);
    else p.push(...this.out.params);
    return p;
  }
}

/** Initial decoder state of a pass, B rows in the batch's order. */
export interface DecoderInit {
  h: F32[];
  c: (F32 | null)[];
  /** The constant context C (no attention), B×H. */
  context: F32 | null;
  /** o_{−1} for input feeding (zeros when null). */
  oPrev: F32 | null;
}
