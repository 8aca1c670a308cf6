/**
 * The decoder's step at inference: one step of n rows (hypotheses), each decoding one of the B0 source
 * sentences of a batch — what DecoderPass (./decoder-pass.ts) computes for a one-step pass, the same formulas
 * with the same kernels in the same order, so the log-probabilities are the same to the bit (the pinned outputs
 * of test/decode/pinned-outputs.test.ts hold either way). It exists for speed, and keeps no cache for a backward:
 * - every product X·Wᵀ with a fixed W (attention query, the cells' input and recurrent weights, pre-output,
 *   output layer) can run on W packed once (`StepWeights.pack`), where the GEMM would repack W on every call;
 * - attention reads the encoder memory and keys of each row's sentence in place (`srcOf`, the `…At` kernels), so
 *   the hypotheses of a sentence share one copy and dropping or reordering rows copies no memory;
 * - every buffer is a workspace reused from step to step.
 * Per step (y_{t−1} = prev, s = the top layer's state; see DecoderPass for the training-time pass):
 *   e = E[y_{t−1}];  Bahdanau: c = attend(s_{t−1}), none: c = C;  x = [e; c (Bahdanau, none); o_{t−1} (feeding)]
 *   h^1 = cell(x, h^1_{t−1}), h^l = cell(h^{l−1}, h^l_{t−1});  Luong: c = attend(s)
 *   o = tanh(W_p [s; c; e] + b_p) (o = s without a pre-output layer);  z = W_o o + b_o
 */
import { Workspace, copyCols } from '../nn/alloc.js';
import type { F32, I32 } from '../tensor/backend.js';
import { getBackend } from '../tensor/index.js';
import type { Decoder } from './decoder.js';
import type { OutputLayer } from './output-layer.js';
import { StepMatrix } from './step-matrix.js';

/** What every step reads of the encoder's output for B0 sentences. */
export interface EncodedSources {
  /** B0 and S. */
  readonly batch: number;
  readonly srcLen: number;
  /** Each sentence's length [B0]. */
  readonly lengths: Int32Array;
  /** The memory [S×B0×C] and the attention keys [S×B0×keySize] (null without attention). */
  readonly memory: F32 | null;
  readonly keys: F32 | null;
  /** No attention: the constant context C of each sentence [B0×H] (the bridged h0 of the top layer). */
  readonly context: F32 | null;
}

/** The recurrent state of n rows: h (and c) per layer [n×H], o_{t−1} [n×preOutput] (input feeding). */
export interface RowStates {
  h: F32[];
  c: (F32 | null)[];
  oPrev: F32 | null;
}

const matrixOf = (W: F32, N: number, K: number) => new StepMatrix(W, N, K);

/** Every weight a step multiplies by. */
export class StepWeights {
  readonly query: StepMatrix | null;
  readonly inputs: StepMatrix[];
  readonly recurrent: StepMatrix[];
  readonly preOutput: StepMatrix | null;
  readonly output: StepMatrix;

  constructor(dec: Decoder) {
    const q = dec.attention?.queryLayer ?? null;
    this.query = q ? matrixOf(q.weight.value, q.outFeatures, q.inFeatures) : null;
    this.inputs = dec.cells.map((c) => matrixOf(c.weightIh.value, c.gateSize, c.inputSize));
    this.recurrent = dec.cells.map((c) => matrixOf(c.weightHh.value, c.gateSize, c.hiddenSize));
    const p = dec.preOutput;
    this.preOutput = p ? matrixOf(p.weight.value, p.outFeatures, p.inFeatures) : null;
    this.output = matrixOf(dec.out.weight.value, dec.out.outFeatures, dec.out.inFeatures);
  }

  private get all(): StepMatrix[] {
    const m = [...this.inputs, ...this.recurrent, this.output];
    if (this.query) m.push(this.query);
    if (this.preOutput) m.push(this.preOutput);
    return m;
  }

  /** Packs every matrix (the products then read the packed panels). */
  pack(): void {
    for (const m of this.all) m.pack();
  }

  /** Packs again the packed matrices whose weights changed since (see StepMatrix.refresh). */
  refresh(): void {
    for (const m of this.all) m.refresh();
  }
}

/** The decoder step over n rows; its buffers are reused by every call (one step at a time). */
export class DecoderStep {
  readonly dec: Decoder;
  readonly weights: StepWeights;
  private readonly contextFirst: boolean;
  private readonly wEmb = new Workspace();
  private readonly wCtx = new Workspace();
  private readonly wX = new Workspace();
  private readonly wQuery = new Workspace();
  private readonly wScores = new Workspace();
  private readonly wGI = new Workspace();
  private readonly wGH = new Workspace();
  private readonly wGates = new Workspace();
  private readonly wTanhC = new Workspace();
  private readonly wPre = new Workspace();
  private readonly wO = new Workspace();
  private readonly wLogits = new Workspace();

  constructor(dec: Decoder) {
    this.dec = dec;
    this.weights = new StepWeights(dec);
    this.contextFirst = dec.config.attention === 'bahdanau' || dec.config.attention === 'none';
  }

  /**
   * One step of n rows: row r decodes sentence srcOf[r] of `sources`, from the state `from` on the token
   * prev[r]. Writes the new state into `to` (buffers of n rows, not those of `from`), the attention weights
   * into `alpha` [n×S] (with attention) and returns the logits z [n × output.width] (this step's buffer):
   * `output` is the output layer (./output-layer.ts: FullOutput over this step's packed W_o is the default).
   */
  forward(
    n: number,
    sources: EncodedSources,
    srcOf: I32,
    prev: I32,
    from: RowStates,
    to: RowStates,
    alpha: F32,
    output: OutputLayer,
  ): F32 {
    const d = this.dec;
    const k = getBackend();
    const s = d.sizes;
    const E = d.config.embeddingSize;
    const L = d.cells.length;
    const emb = this.wEmb.get(n * E);
    d.embedding.forward(prev, emb);
    const ctx = this.wCtx.get(n * s.context);
    if (this.contextFirst) this.attend(n, sources, srcOf, from.h[L - 1], ctx, alpha);
    // x = [e; c (Bahdanau, none); o_{t−1} (input feeding)]
    const Din = s.decoderInput;
    const x = this.wX.get(n * Din);
    copyCols(n, E, emb, Din, 0, x);
    let col = E;
    if (this.contextFirst) {
      copyCols(n, s.context, ctx, Din, col, x);
      col += s.context;
    }
    if (d.config.inputFeeding) copyCols(n, s.preOutput, from.oPrev!, Din, col, x);
    for (let l = 0; l < L; l++) this.cell(l, n, l === 0 ? x : to.h[l - 1], from, to);
    if (!this.contextFirst) this.attend(n, sources, srcOf, to.h[L - 1], ctx, alpha);
    let o = to.h[L - 1];
    if (d.preOutput) {
      // o = tanh(W_p [s; c; e] + b_p)
      const H = d.config.hiddenSize;
      const P = d.preInputSize;
      const pre = this.wPre.get(n * P);
      copyCols(n, H, to.h[L - 1], P, 0, pre);
      copyCols(n, s.context, ctx, P, H, pre);
      copyCols(n, E, emb, P, H + s.context, pre);
      o = d.config.inputFeeding ? to.oPrev! : this.wO.get(n * s.preOutput);
      this.weights.preOutput!.product(n, pre, 0, o);
      k.addRowVector(n, s.preOutput, o, d.preOutput.bias!.value);
      k.tanh(o, o);
    }
    // z = W_o o + b_o (over the output layer's columns)
    const logits = this.wLogits.get(n * output.width);
    output.logits(n, o, logits);
    return logits;
  }

  /** c = Σ_s α_s m_s of each row's sentence, α = softmax over its positions of score(q, ·); none: c = C. */
  private attend(n: number, src: EncodedSources, srcOf: I32, q: F32, ctx: F32, alpha: F32): void {
    const k = getBackend();
    const a = this.dec.attention;
    const { srcLen: S, batch: B0, lengths } = src;
    if (!a) {
      k.gatherRows(srcOf, this.dec.config.hiddenSize, src.context!, ctx);
      return;
    }
    const scores = this.wScores.get(S * n);
    if (a.kind === 'bahdanau') {
      // score_s = v · tanh(K_s + W_q q + b_q)
      const A = a.keySize;
      const qp = this.wQuery.get(n * A);
      this.weights.query!.product(n, q, 0, qp);
      k.addRowVector(n, A, qp, a.queryLayer!.bias!.value);
      k.additiveScoresAt(S, B0, A, src.keys!, srcOf, lengths, n, qp, a.energy!.value, scores);
    } else k.dotScoresAt(S, B0, a.keySize, src.keys!, srcOf, lengths, n, q, scores);
    k.attentionContextAt(S, B0, a.memorySize, src.memory!, srcOf, lengths, n, scores, alpha, ctx);
  }

  /**
   * Layer l on its input x (n×I): gi = x W_ihᵀ + b_ih (+ b_hh for RNN/LSTM), then
   *   RNN: h' = tanh(gi + W_hh h);  GRU: gh = W_hh h + b_hh, h' = gru(gi, gh, h);
   *   LSTM: (h', c') = lstm(gi + W_hh h, c)
   */
  private cell(l: number, n: number, x: F32, from: RowStates, to: RowStates): void {
    const k = getBackend();
    const c = this.dec.cells[l];
    const G = c.gateSize;
    const H = c.hiddenSize;
    const gi = this.wGI.get(n * G);
    this.weights.inputs[l].product(n, x, 0, gi);
    k.addRowVector(n, G, gi, c.biasIh.value);
    if (c.kind !== 'gru') k.addRowVector(n, G, gi, c.biasHh.value);
    const hPrev = from.h[l];
    const W = this.weights.recurrent[l];
    if (c.kind === 'rnn') {
      W.product(n, hPrev, 1, gi);
      k.tanh(gi, to.h[l]);
    } else if (c.kind === 'gru') {
      const gh = this.wGH.get(n * G);
      W.product(n, hPrev, 0, gh);
      k.gruForward(n, H, gi, gh, hPrev, to.h[l], this.wGates.get(n * G), c.biasHh.value); // gh += b_hh first
    } else {
      W.product(n, hPrev, 1, gi);
      const gates = this.wGates.get(n * G);
      k.lstmForward(n, H, gi, from.c[l]!, to.h[l], to.c[l]!, gates, this.wTanhC.get(n * H));
    }
  }
}
