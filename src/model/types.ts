/**
 * The contract between the model and its users (trainer, decoder, CLI). The implementation is
 * `Seq2Seq` in ./seq2seq.ts; decode/ and train/ depend only on this file.
 */
import type { Batch } from '../data/batch.js';
import type { Param } from '../nn/param.js';
import type { OutputPrecision } from './output-layer.js';
import type { Shortlist } from './shortlist.js';

export interface LossResult {
  /** Σ cross-entropy over non-pad target tokens (with label smoothing if configured). */
  loss: number;
  /** Σ −log p(reference token) over non-pad tokens, without smoothing (for perplexity). */
  nll: number;
  /** Number of non-pad target tokens. */
  tokens: number;
}

export interface LossOptions {
  /** Run BPTT and accumulate every parameter's gradient (default false). */
  backward?: boolean;
  /** Training mode: dropout active (default = backward). */
  train?: boolean;
}

/** The decoder's recurrent state for B hypotheses (rows), opaque to the decoder algorithms. */
export interface DecoderState {
  readonly batchSize: number;
  /**
   * A new state whose row i is row `rows[i]` of this one (beam search reorders and expands
   * hypotheses with it); the encoder memory is selected the same way.
   */
  select(rows: Int32Array): DecoderState;
}

export interface StepResult {
  /** [B×V] log-probabilities of the next token. */
  logProbs: Float32Array;
  /** [B×S] attention weights over the source positions, or null for a model without attention. */
  attention: Float32Array | null;
  /** The state after this step. */
  state: DecoderState;
}

/** What one step of a DecodingSession gives: views into the session's buffers, valid until its next call. */
export interface SessionStep {
  /** [rows×V'] log-probabilities of the next token over the session's columns (V' = V without a shortlist). */
  logProbs: Float32Array;
  /** [rows×S] attention weights over the source positions, or null for a model without attention. */
  attention: Float32Array | null;
}

/**
 * Decoding in place (what the searches use): the rows' states live in buffers reused from step to step, so a step
 * allocates nothing. Row for row it computes what startDecoding/step/select compute.
 */
export interface DecodingSession {
  /** Rows the next step decodes. */
  readonly rows: number;
  /**
   * The token id of each column of the log-probabilities (ascending), or null when column j is token j: a
   * shortlist (DecodingOptions) restricts a session to some tokens.
   */
  readonly columns: Int32Array | null;
  /** One step of every row on its previous token (`prev`: rows ids; <s> at the first step). */
  step(prev: Int32Array): SessionStep;
  /** Keeps the rows `rows` (row i ← row rows[i]; repeats allowed) for the next step. */
  select(rows: Int32Array): void;
}

/**
 * Opt-in approximations for decoding (the default is neither: the exact fp32 full-vocabulary distribution, the
 * outputs pinned by test/decode/pinned-outputs.test.ts). They apply to sessions (the searches); the step API
 * always gives the exact distribution (forced decoding scores with it).
 */
export interface DecodingOptions {
  /** The output layer's precision (./output-layer.ts; default fp32). */
  precision?: OutputPrecision;
  /** Decode each batch over the shortlist of its source tokens (./shortlist.ts; default none). */
  shortlist?: Shortlist | null;
}

export interface Seq2SeqModel {
  readonly srcVocabSize: number;
  readonly tgtVocabSize: number;
  readonly hasAttention: boolean;
  /** Every trainable tensor, in a fixed order, with PyTorch-style names. */
  readonly params: Param[];
  /** Forward pass over a padded batch (teacher forcing), and BPTT when opts.backward. */
  loss(batch: Batch, opts?: LossOptions): LossResult;
  /** Encodes B padded sources ([S×B] time-major ids) and returns the decoder's initial state. */
  startDecoding(src: Int32Array, srcLengths: Int32Array, batchSize: number, srcLen: number): DecoderState;
  /** One decoder step: feeds `prev` ([B] previous target ids; <s> at the first step). */
  step(state: DecoderState, prev: Int32Array): StepResult;
  /**
   * Optional: encodes as startDecoding and decodes in place (../decode/ uses it through
   * ./decoding-session.ts, which wraps startDecoding/step/select for models without it).
   */
  startSession?(src: Int32Array, srcLengths: Int32Array, batchSize: number, srcLen: number): DecodingSession;
  /**
   * Optional: readies the model for decoding with weights that no longer change (packs the weights of every
   * per-step product once, so that no step repacks them; the outputs stay the same to the bit), with the opt-in
   * approximations of `options` for its sessions. Call it again after changing the weights.
   */
  prepareForDecoding?(options?: DecodingOptions): void;
}
