/**
 * The encoder–decoder model (./encoder.ts, ./decoder.ts and ./decoder-pass.ts) behind the
 * Seq2SeqModel contract.
 *
 * loss(batch): the batch sorted by target length → encoder → bridge h0 = tanh(W_b final + b_b) →
 *   decoder steps (teacher forcing) over the target packed by length (no padding computed) →
 *   logits z = W_o o + b_o over all real target positions in one GEMM → softmax cross-entropy
 *   summed over them (label smoothing ε from the config); with backward, full BPTT through all of it.
 * startDecoding/step/startSession: the encoder and bridge as above, then the decoder one step at a time
 *   (./decoder-step.ts: the formulas of the decoder pass with T = 1, without its backward caches, its
 *   weights packed once by prepareForDecoding), through ./seq2seq-decoding.ts; the step API gives the
 *   teacher-forced log-probabilities.
 * Initialisation (constructor, seeded Rng): PyTorch's defaults — recurrent weights U(±1/√H),
 *   Linear U(±1/√fan_in), embeddings N(0, 1) with a zero padding row (a target embedding tied to
 *   the output layer: N(0, 1/E)).
 */
import type { Batch } from '../data/batch.js';
import { InputError } from '../errors.js';
import { Workspace, alloc, copyCols, takeCols } from '../nn/alloc.js';
import type { AttentionMemory } from '../nn/attention.js';
import { PackedSteps } from '../nn/packed-steps.js';
import type { Param } from '../nn/param.js';
import type { F32 } from '../tensor/backend.js';
import { getBackend } from '../tensor/index.js';
import { Rng } from '../util/rng.js';
import type { ModelConfig, ModelConfigInput, ResolvedSizes } from './config.js';
import { parseModelConfig, resolveSizes } from './config.js';
import { Decoder, type DecoderInit } from './decoder.js';
import { DecoderPass } from './decoder-pass.js';
import { Encoder, EncoderPass } from './encoder.js';
import { InferenceEncoder } from './inference-encoder.js';
import { DecoderStep, type EncodedSources, type RowStates } from './decoder-step.js';
import { StepMatrix } from './step-matrix.js';
import { Seq2SeqSession, Seq2SeqState, type StepContext } from './seq2seq-decoding.js';
import { ApproximateOutput, FullOutput, type OutputLayer, type OutputPrecision } from './output-layer.js';
import type { Shortlist } from './shortlist.js';
import type { DecoderState, DecodingOptions, LossOptions, LossResult, Seq2SeqModel, StepResult } from './types.js';

export { Seq2SeqState } from './seq2seq-decoding.js';

/**
 * The batch with its rows in decreasing target length (stable), or the batch itself when already
 * so. The loss is a sum over rows, so the order changes nothing but the rounding; in this order
 * the target packs (PackedSteps) with its ranks in batch order, as the decoder needs.
 */
function sortByTargetLength(batch: Batch): Batch {
  const B = batch.size;
  const len = batch.tgtLengths;
  let sorted = true;
  for (let b = 1; b < B && sorted; b++) sorted = len[b - 1] >= len[b];
  if (sorted) return batch;
  const order = Array.from({ length: B }, (_, i) => i).sort((x, y) => len[y] - len[x] || x - y);
  const permute = (a: Int32Array, T: number): Int32Array => {
    const out = new Int32Array(T * B);
    for (let t = 0; t < T; t++) for (let i = 0; i < B; i++) out[t * B + i] = a[t * B + order[i]];
    return out;
  };
  return {
    ...batch,
    src: permute(batch.src, batch.srcLen),
    srcLengths: permute(batch.srcLengths, 1),
    tgtIn: permute(batch.tgtIn, batch.tgtLen),
    tgtOut: permute(batch.tgtOut, batch.tgtLen),
    tgtLengths: permute(batch.tgtLengths, 1),
    ids: batch.ids ? order.map((i) => batch.ids![i]) : undefined,
  };
}

/** Every id must index the embedding / output table; anything else would read outside it. */
function checkIds(ids: Int32Array, vocab: number, what: string): void {
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    if (!(id >= 0 && id < vocab)) {
      throw new InputError(`${what}: token id ${id} is outside the model's vocabulary (0..${vocab - 1})`);
    }
  }
}

/** The ids of a padded [T×B] array at the real positions of `steps`, packed. */
function packIds(steps: PackedSteps, ids: Int32Array): Int32Array {
  return steps.pack(ids, 1, new Int32Array(steps.rows));
}

export class Seq2Seq implements Seq2SeqModel {
  readonly config: ModelConfig;
  readonly sizes: ResolvedSizes;
  readonly encoder: Encoder;
  readonly decoder: Decoder;
  readonly params: Param[];
  readonly srcVocabSize: number;
  readonly tgtVocabSize: number;
  readonly hasAttention: boolean;
  /** Dropout masks come from this generator. */
  readonly rng: Rng;
  private readonly trainEnc: EncoderPass;
  private readonly trainDec: DecoderPass;
  private readonly inferEnc: InferenceEncoder;
  private readonly inferStep: DecoderStep;
  /** W_k of Bahdanau / Luong-general attention (the keys of the memory, made once per batch). */
  private readonly keyWeights: StepMatrix | null;
  private readonly stepContext: StepContext;
  /** The opt-in approximations of sessions (prepareForDecoding), and their output layer without a shortlist. */
  private decoding: { precision: OutputPrecision; shortlist: Shortlist | null } = {
    precision: 'fp32',
    shortlist: null,
  };
  private sessionOutput: OutputLayer;
  private readonly wH0 = new Workspace();
  private readonly wdH0 = new Workspace();
  private readonly wdFinal = new Workspace();

  /** With init = false the weights stay zero (checkpoint loading fills them). */
  constructor(config: ModelConfigInput | ModelConfig, rng: Rng = new Rng(1), init = true) {
    this.config = parseModelConfig(config);
    this.sizes = resolveSizes(this.config);
    this.rng = rng;
    this.encoder = new Encoder(this.config, this.sizes.encoderHidden, init ? rng : null);
    this.decoder = new Decoder(this.config, this.sizes, init ? rng : null);
    this.params = [...this.encoder.params, ...this.decoder.params];
    this.srcVocabSize = this.config.srcVocabSize;
    this.tgtVocabSize = this.config.tgtVocabSize;
    this.hasAttention = this.config.attention !== 'none';
    this.trainEnc = new EncoderPass(this.encoder);
    this.trainDec = new DecoderPass(this.decoder);
    this.inferEnc = new InferenceEncoder(this.encoder);
    this.inferStep = new DecoderStep(this.decoder);
    const kl = this.decoder.attention?.keyLayer ?? null;
    this.keyWeights = kl ? new StepMatrix(kl.weight.value, kl.outFeatures, kl.inFeatures) : null;
    const vocab = this.config.tgtVocabSize;
    const checkStep = (ids: Int32Array, what: string) => checkIds(ids, vocab, what);
    const output = new FullOutput(this.inferStep.weights.output, this.decoder.out.bias!.value);
    this.sessionOutput = output;
    this.stepContext = { step: this.inferStep, output, vocab, hasAttention: this.hasAttention, checkIds: checkStep };
  }

  /** Total number of trainable values. */
  get parameterCount(): number {
    return this.params.reduce((a, p) => a + p.size, 0);
  }

  zeroGrad(): void {
    const k = getBackend();
    for (const p of this.params) k.fill(p.grad, 0);
  }

  /** h0 = tanh(W_b final + b_b), [B×L·H]. */
  private bridge(final: F32, B: number, out: F32): void {
    this.decoder.bridge.forward(B, final, out);
    getBackend().tanh(out, out);
  }

  /** Splits the bridge output into per-layer initial states (copies) and the context C. */
  private initialStates(h0all: F32, B: number): DecoderInit {
    const H = this.config.hiddenSize;
    const L = this.config.decoderLayers;
    const h: F32[] = [];
    const c: (F32 | null)[] = [];
    for (let l = 0; l < L; l++) {
      const x = alloc(B * H);
      takeCols(B, L * H, h0all, l * H, H, x, false);
      h.push(x);
      c.push(this.config.cell === 'lstm' ? alloc(B * H) : null);
    }
    return { h, c, context: this.config.attention === 'none' ? h[L - 1] : null, oPrev: null };
  }

  /**
   * Encoder and bridge over a teacher-forced batch, and the decoder pass set up over `target`:
   * the bridge's input and output, which the backward needs.
   */
  private teacherForced(batch: Batch, target: PackedSteps, train: boolean): { final: F32; h0all: F32 } {
    const cfg = this.config;
    checkIds(batch.src, cfg.srcVocabSize, 'batch source');
    checkIds(batch.tgtIn, cfg.tgtVocabSize, 'batch target');
    checkIds(batch.tgtOut, cfg.tgtVocabSize, 'batch target');
    const { size: B, srcLen: S } = batch;
    const enc = this.trainEnc;
    const M = enc.forward(batch.src, batch.srcLengths, B, S, train, train ? this.rng : null);
    const final = enc.finalState();
    const h0all = this.wH0.get(B * cfg.decoderLayers * cfg.hiddenSize);
    this.bridge(final, B, h0all);
    const memory: AttentionMemory = { M, S, lengths: batch.srcLengths, source: enc.steps, keys: null };
    this.trainDec.begin(target, this.initialStates(h0all, B), this.hasAttention ? memory : null);
    return { final, h0all };
  }

  /** Teacher-forced log-probabilities [T×B×V] of every position of a batch (inference mode, a fresh array). */
  logProbs(batch: Batch): Float32Array {
    const steps = PackedSteps.full(batch.tgtLen, batch.size);
    this.teacherForced(batch, steps, false);
    const logits = this.trainDec.forward(batch.tgtIn, false, null);
    const out = alloc(logits.length) as Float32Array;
    getBackend().logSoftmax(steps.rows, this.config.tgtVocabSize, logits, out);
    return out;
  }

  loss(batch: Batch, opts: LossOptions = {}): LossResult {
    const backward = opts.backward ?? false;
    const train = opts.train ?? backward;
    const cfg = this.config;
    batch = sortByTargetLength(batch);
    const target = PackedSteps.ofLengths(batch.tgtLengths, batch.tgtLen);
    const { final, h0all } = this.teacherForced(batch, target, train);
    const dec = this.trainDec;
    dec.forward(packIds(target, batch.tgtIn), train, train ? this.rng : null);
    const ce = dec.loss(packIds(target, batch.tgtOut), cfg.labelSmoothing);
    if (!backward) return ce;
    const { dh0, dContext } = dec.backward();
    this.bridgeBackward(batch.size, final, h0all, dh0, dContext);
    return ce;
  }

  /** dh0 (and dC = dh0 of the top layer) → dpre = dh0 ⊙ (1 − h0²) → dW_b, db_b, dfinal → the encoder. */
  private bridgeBackward(B: number, final: F32, h0all: F32, dh0: F32[], dContext: F32 | null): void {
    const H = this.config.hiddenSize;
    const L = this.config.decoderLayers;
    const dH0 = this.wdH0.get(B * L * H);
    for (let l = 0; l < L; l++) copyCols(B, H, dh0[l], L * H, l * H, dH0);
    if (dContext) {
      // C = h0 of the top layer
      for (let b = 0; b < B; b++) {
        const o = b * L * H + (L - 1) * H;
        for (let j = 0; j < H; j++) dH0[o + j] += dContext[b * H + j];
      }
    }
    getBackend().tanhBackward(h0all, dH0, dH0, false);
    const dFinal = this.wdFinal.get(B * this.sizes.memory);
    this.decoder.bridge.backward(B, final, dH0, dFinal);
    this.trainEnc.backward(this.hasAttention ? this.trainDec.att!.dMemory : null, dFinal);
  }

  /**
   * Packs the weights of the encoder's and every decoder step's products once (./inference-encoder.ts,
   * ./decoder-step.ts), and sets the opt-in approximations of the sessions; call again after changing the
   * weights (a prepared matrix found changed is prepared again, but a change its fingerprint misses would not).
   */
  prepareForDecoding(options: DecodingOptions = {}): void {
    this.inferEnc.prepare();
    this.keyWeights?.pack();
    this.inferStep.weights.pack();
    const precision = options.precision ?? 'fp32';
    const shortlist = options.shortlist ?? null;
    if (shortlist && (shortlist.srcVocabSize !== this.srcVocabSize || shortlist.tgtVocabSize !== this.tgtVocabSize)) {
      const theirs = `${shortlist.srcVocabSize} → ${shortlist.tgtVocabSize}`;
      const ours = `${this.srcVocabSize} → ${this.tgtVocabSize}`;
      throw new InputError(`the shortlist is for vocabularies ${theirs}, the model has ${ours}`);
    }
    this.decoding = { precision, shortlist };
    this.sessionOutput = precision === 'fp32' ? this.stepContext.output : this.outputOver(null);
  }

  /** The output layer of the sessions' precision over the given ids (null: all). */
  private outputOver(columns: Int32Array | null): OutputLayer {
    const out = this.decoder.out;
    return new ApproximateOutput(this.decoding.precision, out.weight.value, out.bias!.value, out.inFeatures, columns);
  }

  /** The encoder and bridge over B padded sources: what every step reads, and the rows' initial states. */
  private encodeSources(src: Int32Array, srcLengths: Int32Array, B: number, S: number): [EncodedSources, RowStates] {
    if (src.length !== S * B || srcLengths.length !== B) {
      throw new Error(`startDecoding: src has ${src.length} ids and ${srcLengths.length} lengths for B=${B}, S=${S}`);
    }
    checkIds(src, this.config.srcVocabSize, 'source');
    this.keyWeights?.refresh();
    this.inferStep.weights.refresh();
    const enc = this.inferEnc;
    const { outputs, final } = enc.forward(src, srcLengths, B, S);
    const h0all = alloc(B * this.config.decoderLayers * this.config.hiddenSize);
    this.bridge(final, B, h0all);
    const init = this.initialStates(h0all, B);
    let memory: F32 | null = null;
    let keys: F32 | null = null;
    const att = this.decoder.attention;
    if (att) {
      // M [S×B×C] from the packed outputs; K = M W_kᵀ over the real positions (Attention.computeKeys)
      memory = enc.steps.unpack(outputs, att.memorySize, alloc(S * B * att.memorySize));
      keys = memory;
      if (this.keyWeights) {
        const Kp = alloc(enc.steps.rows * att.keySize);
        this.keyWeights.product(enc.steps.rows, outputs, 0, Kp);
        keys = enc.steps.unpack(Kp, att.keySize, alloc(S * B * att.keySize));
      }
    }
    const context = init.context ? init.context.slice() : null;
    const lengths = Int32Array.from(srcLengths);
    const sources: EncodedSources = { batch: B, srcLen: S, lengths, memory, keys, context };
    const oPrev = this.config.inputFeeding ? alloc(B * this.sizes.preOutput) : null;
    return [sources, { h: init.h, c: init.c, oPrev }];
  }

  startDecoding(src: Int32Array, srcLengths: Int32Array, batchSize: number, srcLen: number): Seq2SeqState {
    const [sources, rows] = this.encodeSources(src, srcLengths, batchSize, srcLen);
    const srcOf = Int32Array.from({ length: batchSize }, (_, i) => i);
    return new Seq2SeqState(batchSize, sources, srcOf, rows, this.stepContext);
  }

  step(state: DecoderState, prev: Int32Array): StepResult {
    if (!(state instanceof Seq2SeqState)) throw new Error('step: expected a state from startDecoding of this model');
    return state.step(prev);
  }

  startSession(src: Int32Array, srcLengths: Int32Array, batchSize: number, srcLen: number): Seq2SeqSession {
    const [sources, rows] = this.encodeSources(src, srcLengths, batchSize, srcLen);
    const { shortlist } = this.decoding;
    const output = shortlist ? this.outputOver(shortlist.columnsFor(src)) : this.sessionOutput;
    return new Seq2SeqSession(sources, rows, this.stepContext, output);
  }
}
