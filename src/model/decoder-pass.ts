/**
 * One pass of the decoder (./decoder.ts) over a batch: its stack of recurrent cells run step by
 * step (teacher forcing while training), with attention, the pre-output layer, the output layer
 * and the loss; the bridge that maps the encoder's final state to the initial states is applied
 * by Seq2Seq. Per step t (y_{t−1} the
 * previous target token, s = the top layer's state; docs/model.md maps these names to the slides'):
 *
 *   embedding   e_t = dropout(E[y_{t−1}])
 *   context     Bahdanau: c_t = attend(s_{t−1});  none: c_t = C (the bridged h0 of the top layer)
 *   cell input  x_t = [e_t; c_t (Bahdanau, none); o_{t−1} (input feeding)]
 *   cells       h^1_t = cell(x_t, h^1_{t−1}),  h^l_t = cell(h^{l−1}_t, h^l_{t−1}),  s_t = h^L_t
 *   context     Luong: c_t = attend(s_t)
 *   pre-output  o_t = tanh(W_p [s_t; c_t; e_t] + b_p)    (o_t = s_t without the pre-output layer)
 *   output      z_t = W_o dropout(o_t) + b_o             (the logits)
 *   loss        ŷ_t = softmax(z_t);  L = Σ_t CE(ŷ_t, y_t) (with label smoothing)
 *
 * The batch is packed by target length (../nn/packed-steps.ts; Seq2Seq sorts it first), so step t
 * computes only its n_t rows and every per-step tensor is [Σn × ·]. The backward pass runs the
 * same sub-steps in reverse, each next to its forward below. Weight gradients of the cells, the
 * pre-output and the attention query are one GEMM over all steps.
 */
import type { F32, I32 } from '../tensor/backend.js';
import { getBackend } from '../tensor/index.js';
import { Workspace, copyCols, rows, takeCols } from '../nn/alloc.js';
import { type AttentionMemory, AttentionRun } from '../nn/attention.js';
import { type CrossEntropyResult, softmaxCrossEntropy } from '../nn/loss.js';
import type { PackedSteps } from '../nn/packed-steps.js';
import { CellRun } from '../nn/recurrent-cell.js';
import { sampleEmbeddingMask } from '../nn/word-dropout.js';
import type { Rng } from '../util/rng.js';
import type { Decoder, DecoderInit } from './decoder.js';

/**
 * Bahdanau without input feeding over T ≥ 2 steps (teacher forcing): layer 0's input projection
 * W_ih [e_t; c_t] is split as W_e e_t + W_c c_t, with W_e E for all steps in one GEMM and
 * W_c c_t = Σ_s α_ts (W_c m_s) — the same attention weights over MW = M W_cᵀ, made once per pass
 * over the real source rows — so no step multiplies by W_ih. Backward: dα gains dgi_t · MW_s, and
 * after the steps dc_t += dgi_t W_c (one GEMM over all rows; then attention's dM = Σ_t α_t ⊗ dc_t holds
 * the W_c share too) and dE += dGI W_e (dW_ih stays dGIᵀ [E; C]).
 */
interface SplitInputProjection {
  /** W_ih = [W_e | W_c] by columns: copies of the two blocks, G×E and G×C. */
  We: F32;
  Wc: F32;
  MW: F32;
}

/** One decoder pass over a packed batch, with the caches its backward needs. */
export class DecoderPass {
  readonly dec: Decoder;
  readonly runs: CellRun[];
  readonly att: AttentionRun | null;
  private steps!: PackedSteps;
  /** Bahdanau and no attention: c_t is made before the cells and enters x_t; Luong: after them. */
  private readonly contextFirst: boolean;
  private split: SplitInputProjection | null = null;
  // packed [Σn × ·]: the ids y_{t−1}, e, x, c, [s; c; e], o, the vector entering the output layer, z
  private ids!: I32;
  private EMB!: F32;
  private X!: F32;
  private CTX!: F32;
  private PRE!: F32;
  /** The pre-outputs o, packed [Σn × preOutput] (the step API keeps o_{t−1} for input feeding). */
  O!: F32;
  private outIn!: F32;
  private logits!: F32;
  private embMask: F32 | null = null;
  private outMask: F32 | null = null;
  /** B rows: o_{−1} and the constant context C. */
  private oInit!: F32;
  private context: F32 | null = null;
  // gradients: packed ∂L/∂e, ∂L/∂o (before the pre-output's tanh: ∂L/∂a), ∂L/∂[s; c; e], ∂L/∂c; the
  // carries of BPTT, B rows: ∂L/∂h^l and ∂L/∂c^l per layer, ∂L/∂C, ∂L/∂o_{t−1} through x_t; and
  // one step's ∂L/∂x_t, ∂L/∂h^{l−1}_t
  private dEMB!: F32;
  private dO!: F32;
  private dA!: F32;
  private dPRE!: F32;
  private dh: F32[] = [];
  private dc: F32[] = [];
  private dC: F32 | null = null;
  private dOCarry!: F32;
  private dCTX!: F32;
  private dx0!: F32;
  private dxl!: F32;
  private readonly wEMB = new Workspace();
  private readonly wEmbMask = new Workspace();
  private readonly wWordKeep = new Workspace();
  private readonly wX = new Workspace();
  private readonly wCTX = new Workspace();
  private readonly wPRE = new Workspace();
  private readonly wO = new Workspace();
  private readonly wOutMask = new Workspace();
  private readonly wOutDropped = new Workspace();
  private readonly wLogits = new Workspace();
  private readonly wOInit = new Workspace();
  private readonly wMW = new Workspace();
  private readonly wMWPacked = new Workspace();
  private readonly wWe = new Workspace();
  private readonly wWc = new Workspace();
  private readonly wGIContext = new Workspace();
  private readonly wdEMB = new Workspace();
  private readonly wdO = new Workspace();
  private readonly wdA = new Workspace();
  private readonly wdPRE = new Workspace();
  private readonly wdCarry = new Workspace();
  private readonly wdC = new Workspace();
  private readonly wdOCarry = new Workspace();
  private readonly wdctx = new Workspace();
  private readonly wdx0 = new Workspace();
  private readonly wdxl = new Workspace();

  constructor(dec: Decoder) {
    this.dec = dec;
    this.runs = dec.cells.map((c) => new CellRun(c, false));
    this.att = dec.attention ? new AttentionRun(dec.attention) : null;
    this.contextFirst = dec.config.attention === 'bahdanau' || dec.config.attention === 'none';
  }

  private get top(): CellRun {
    return this.runs[this.runs.length - 1];
  }

  /** Sets up a pass over `steps` (a batch sorted by target length) from init and the encoder memory. */
  begin(steps: PackedSteps, init: DecoderInit, memory: AttentionMemory | null): void {
    if (steps.order) throw new Error('DecoderPass.begin: the batch must be sorted by target length');
    const d = this.dec;
    const s = d.sizes;
    const N = steps.rows;
    this.steps = steps;
    this.EMB = this.wEMB.get(N * d.config.embeddingSize);
    this.X = this.wX.get(N * s.decoderInput);
    this.CTX = this.wCTX.get(N * s.context);
    if (d.preOutput) {
      this.PRE = this.wPRE.get(N * d.preInputSize);
      this.O = this.wO.get(N * s.preOutput);
    }
    if (d.config.inputFeeding) {
      this.oInit = this.wOInit.get(steps.batch * s.preOutput);
      if (init.oPrev) this.oInit.set(init.oPrev);
      else this.oInit.fill(0);
    }
    this.context = init.context;
    this.runs.forEach((r, l) => {
      r.begin(steps);
      r.setInitial(init.h[l], init.c[l] ?? null);
      r.setInput(l === 0 ? this.X : this.runs[l - 1].outputs());
    });
    if (this.att) {
      if (!memory) throw new Error('DecoderPass.begin: attention needs the encoder memory');
      this.att.begin(memory, steps);
    }
    this.split = this.splitInputProjection(memory);
  }

  /** The forward pass over the ids y_{t−1} (packed [Σn]): the logits z [Σn × V] (this pass's buffer). */
  forward(ids: I32, train: boolean, rng: Rng | null): F32 {
    this.embed(ids, train, rng);
    if (this.split) this.splitEmbeddingShare();
    for (let t = 0; t < this.steps.steps; t++) this.forwardStep(t);
    if (this.dec.preOutput && !this.dec.config.inputFeeding) this.preOutput(0, this.steps.steps);
    return this.output(train, rng);
  }

  /** Step t over its n_t rows, the sub-steps in the order of the file comment. */
  private forwardStep(t: number): void {
    if (this.contextFirst) this.attend(t, this.top.hPrev(t));
    this.cellInput(t);
    this.cellsForward(t);
    if (!this.contextFirst) this.attend(t, this.top.h(t));
    if (this.dec.config.inputFeeding) this.preOutput(t, t + 1);
  }

  /**
   * BPTT through the whole pass from dz (left in the logits by `loss`). Accumulates the gradient of
   * every decoder parameter but the bridge (Seq2Seq owns it) and returns ∂L/∂h0 per layer and
   * ∂L/∂C (B rows); ∂L/∂memory is left in att.dMemory.
   */
  backward(): { dh0: F32[]; dContext: F32 | null } {
    this.beginBackward();
    this.outputBackward();
    if (this.dec.preOutput && !this.dec.config.inputFeeding) this.preOutputBackward(0, this.steps.steps);
    for (let t = this.steps.steps - 1; t >= 0; t--) this.backwardStep(t);
    if (this.split) this.splitBackward();
    for (const r of this.runs) r.backwardWeights();
    if (this.dec.preOutput) this.preOutputWeights();
    if (this.att) this.att.finishBackward(this.dCTX);
    this.embedBackward();
    return { dh0: this.dh, dContext: this.dC };
  }

  /** Step t in reverse: the forward sub-steps' backward in the opposite order. */
  private backwardStep(t: number): void {
    this.steps.at(this.dCTX, t, this.dec.sizes.context).fill(0);
    if (this.dec.config.inputFeeding) this.preOutputBackward(t, t + 1);
    this.outputGradToStep(t);
    if (!this.contextFirst) this.attendBackward(t);
    this.cellsBackward(t);
    if (!this.split) this.cellInputBackward(t);
    if (this.contextFirst) this.attendBackward(t);
  }

  /** Clears the carries and sizes the gradient buffers. */
  private beginBackward(): void {
    const d = this.dec;
    const s = d.sizes;
    const { rows: N, batch: B } = this.steps;
    const H = d.config.hiddenSize;
    const L = this.runs.length;
    this.dEMB = this.wdEMB.zeros(N * d.config.embeddingSize);
    this.dO = this.wdO.get(N * s.outputInput);
    if (d.preOutput) {
      this.dA = this.wdA.get(N * s.preOutput);
      this.dPRE = this.wdPRE.get(N * d.preInputSize);
    }
    const carry = this.wdCarry.zeros(2 * L * B * H);
    this.dh = Array.from({ length: L }, (_, l) => rows(carry, l * B, B, H));
    this.dc = Array.from({ length: L }, (_, l) => rows(carry, (L + l) * B, B, H));
    this.dC = d.config.attention === 'none' ? this.wdC.zeros(B * H) : null;
    this.dOCarry = this.wdOCarry.zeros(B * s.preOutput);
    this.dCTX = this.wdctx.get(N * s.context);
    this.dx0 = this.wdx0.get(B * s.decoderInput);
    this.dxl = this.wdxl.get(B * H);
    if (this.att) this.att.beginBackward();
  }

  // ---- embedding: e_t = dropout(E[y_{t−1}]) ---------------------------------------------------

  /** EMB = E[ids] for all rows, with dropout and word dropout when training. */
  private embed(ids: I32, train: boolean, rng: Rng | null): void {
    const d = this.dec;
    this.ids = ids;
    d.embedding.forward(ids, this.EMB);
    this.embMask = null;
    if (train && (d.dropout.p > 0 || d.wordDropout.p > 0)) {
      this.embMask = this.wEmbMask.get(this.EMB.length);
      const E = d.config.embeddingSize;
      sampleEmbeddingMask(d.dropout, d.wordDropout, this.embMask, this.steps, E, this.wWordKeep, rng!);
      d.dropout.forward(this.EMB, this.embMask, this.EMB);
    }
  }

  /** dE[y_{t−1}] += dEMB ⊙ mask, once every step has added its share to dEMB. */
  private embedBackward(): void {
    const d = this.dec;
    if (this.embMask) d.dropout.backward(this.dEMB, this.embMask, this.dEMB);
    d.embedding.backward(this.ids, this.dEMB);
  }

  // ---- context: c_t = Σ_s α_ts m_s, α_t = softmax_s score(q, m_s); no attention: c_t = C --------

  /** c_t for the query q (Bahdanau: s_{t−1}, Luong: s_t), into CTX. */
  private attend(t: number, q: F32): void {
    const ctx = this.steps.at(this.CTX, t, this.dec.sizes.context);
    if (this.att) this.att.forwardStep(t, q, ctx);
    else ctx.set(rows(this.context!, 0, this.steps.count[t], this.dec.sizes.context));
  }

  /** dc_t → dq (added to ∂L/∂s_{t−1} or ∂L/∂s_t, the top carry) and dM; no attention: dC += dc_t. */
  private attendBackward(t: number): void {
    const n = this.steps.count[t];
    const dctx = this.steps.at(this.dCTX, t, this.dec.sizes.context);
    const dq = rows(this.dh[this.runs.length - 1], 0, n, this.dec.config.hiddenSize);
    if (!this.att) {
      getBackend().axpy(1, dctx, rows(this.dC!, 0, n, this.dec.config.hiddenSize));
      return;
    }
    const sp = this.split;
    const G = this.dec.cells[0].gateSize;
    const extra = sp ? { V: sp.MW, width: G, dOut: this.steps.at(this.runs[0].dGI, t, G) } : null;
    this.att.backwardStep(t, dctx, dq, extra);
  }

  // ---- cell input: x_t = [e_t; c_t (Bahdanau, none); o_{t−1} (input feeding)], gi_t = W_ih x_t + b --

  private cellInput(t: number): void {
    const d = this.dec;
    const { steps } = this;
    const n = steps.count[t];
    const E = d.config.embeddingSize;
    const Din = d.sizes.decoderInput;
    const x = steps.at(this.X, t, Din);
    copyCols(n, E, steps.at(this.EMB, t, E), Din, 0, x);
    let col = E;
    if (this.contextFirst) {
      copyCols(n, d.sizes.context, steps.at(this.CTX, t, d.sizes.context), Din, col, x);
      col += d.sizes.context;
    }
    if (d.config.inputFeeding) {
      const Po = d.sizes.preOutput;
      const oPrev = t === 0 ? this.oInit : rows(steps.at(this.O, t - 1, Po), 0, n, Po);
      copyCols(n, Po, oPrev, Din, col, x);
    }
    if (this.split) this.splitContextShare(t);
    else this.runs[0].projectStep(t, x);
  }

  /** dx_t = dgi_t W_ih, split into de_t, dc_t and do_{t−1} (the carry to step t − 1). */
  private cellInputBackward(t: number): void {
    const d = this.dec;
    const n = this.steps.count[t];
    const E = d.config.embeddingSize;
    const Cx = d.sizes.context;
    const Din = d.sizes.decoderInput;
    const dx = rows(this.dx0, 0, n, Din);
    this.runs[0].inputGradStep(t, dx, false);
    takeCols(n, Din, dx, 0, E, this.steps.at(this.dEMB, t, E), true);
    let col = E;
    if (this.contextFirst) {
      takeCols(n, Din, dx, col, Cx, this.steps.at(this.dCTX, t, Cx), true);
      col += Cx;
    }
    const Po = d.sizes.preOutput;
    if (d.config.inputFeeding) takeCols(n, Din, dx, col, Po, rows(this.dOCarry, 0, n, Po), false);
  }

  // ---- cells: h^1_t = cell(x_t, h^1_{t−1}), h^l_t = cell(h^{l−1}_t, h^l_{t−1}) ------------------

  private cellsForward(t: number): void {
    this.runs[0].step(t);
    for (let l = 1; l < this.runs.length; l++) {
      this.runs[l].projectStep(t, this.runs[l - 1].h(t));
      this.runs[l].step(t);
    }
  }

  /** Top layer first: dh^l_t → the cell's backward (carries dh^l_{t−1}) → dh^{l−1}_t += dx^l_t. */
  private cellsBackward(t: number): void {
    const n = this.steps.count[t];
    const H = this.dec.config.hiddenSize;
    const lstm = this.dec.config.cell === 'lstm';
    for (let l = this.runs.length - 1; l >= 0; l--) {
      this.runs[l].backwardStep(t, this.dh[l], lstm ? this.dc[l] : null);
      if (l === 0) break;
      const dx = rows(this.dxl, 0, n, H);
      this.runs[l].inputGradStep(t, dx, false);
      getBackend().axpy(1, dx, rows(this.dh[l - 1], 0, n, H));
    }
  }

  // ---- pre-output: o_t = tanh(W_p [s_t; c_t; e_t] + b_p) ---------------------------------------

  /** o for the rows of steps t0 … t1 − 1 (one GEMM): all steps at once unless input feeding. */
  private preOutput(t0: number, t1: number): void {
    const d = this.dec;
    const { steps } = this;
    const n = steps.offset[t1] - steps.offset[t0];
    const H = d.config.hiddenSize;
    const Cx = d.sizes.context;
    const E = d.config.embeddingSize;
    const P = d.preInputSize;
    const pre = steps.span(this.PRE, t0, t1, P);
    copyCols(n, H, steps.span(this.top.outputs(), t0, t1, H), P, 0, pre);
    copyCols(n, Cx, steps.span(this.CTX, t0, t1, Cx), P, H, pre);
    copyCols(n, E, steps.span(this.EMB, t0, t1, E), P, H + Cx, pre);
    const o = steps.span(this.O, t0, t1, d.sizes.preOutput);
    d.preOutput!.forward(n, pre, o);
    getBackend().tanh(o, o);
  }

  /**
   * da = do ⊙ (1 − o²); d[s; c; e] = da W_p for the rows of steps t0 … t1 − 1. With input feeding
   * (one step t0) o_t also fed x_{t+1}: do_t first gains that carry for the rows step t + 1 ran.
   */
  private preOutputBackward(t0: number, t1: number): void {
    const d = this.dec;
    const k = getBackend();
    const { steps } = this;
    const Po = d.sizes.preOutput;
    const P = d.preInputSize;
    const dO = steps.span(this.dO, t0, t1, Po);
    if (d.config.inputFeeding && t1 < steps.steps) {
      const m = steps.count[t1];
      k.axpy(1, rows(this.dOCarry, 0, m, Po), rows(dO, 0, m, Po));
    }
    const dA = steps.span(this.dA, t0, t1, Po);
    k.tanhBackward(steps.span(this.O, t0, t1, Po), dO, dA, false);
    const n = steps.offset[t1] - steps.offset[t0];
    k.gemm(false, false, n, P, Po, 1, dA, d.preOutput!.weight.value, 0, steps.span(this.dPRE, t0, t1, P));
  }

  /** After the steps: dW_p += daᵀ [s; c; e], db_p += Σ da over all rows. */
  private preOutputWeights(): void {
    const k = getBackend();
    const p = this.dec.preOutput!;
    const N = this.steps.rows;
    k.gemm(true, false, p.outFeatures, p.inFeatures, N, 1, this.dA, this.PRE, 1, p.weight.grad);
    k.sumRowsInto(N, p.outFeatures, this.dA, p.bias!.grad);
  }

  /** Step t's share of the output's gradient: d[s; c; e]_t → ∂L/∂s_t, dc_t, de_t (or do_t = ds_t). */
  private outputGradToStep(t: number): void {
    const d = this.dec;
    const { steps } = this;
    const n = steps.count[t];
    const H = d.config.hiddenSize;
    const ds = rows(this.dh[this.runs.length - 1], 0, n, H);
    if (!d.preOutput) {
      getBackend().axpy(1, steps.at(this.dO, t, H), ds);
      return;
    }
    const Cx = d.sizes.context;
    const E = d.config.embeddingSize;
    const P = d.preInputSize;
    const dpre = steps.at(this.dPRE, t, P);
    takeCols(n, P, dpre, 0, H, ds, true);
    takeCols(n, P, dpre, H, Cx, steps.at(this.dCTX, t, Cx), false);
    takeCols(n, P, dpre, H + Cx, E, steps.at(this.dEMB, t, E), true);
  }

  // ---- output: z = W_o dropout(o) + b_o, every row in one GEMM ---------------------------------

  private output(train: boolean, rng: Rng | null): F32 {
    const d = this.dec;
    const N = this.steps.rows;
    const W = d.sizes.outputInput;
    let o = d.preOutput ? this.O : this.top.outputs();
    this.outMask = null;
    if (train && d.dropout.p > 0) {
      this.outMask = this.wOutMask.get(N * W);
      // a batched pre-output draws the mask over its packed rows, a per-step one (input feeding)
      // or the top states over their padded positions: the draws the model had before the packing
      if (d.preOutput && !d.config.inputFeeding) d.dropout.sampleMask(this.outMask, rng!);
      else d.dropout.sampleMaskPacked(this.outMask, this.steps, W, rng!);
      const dropped = this.wOutDropped.get(N * W);
      d.dropout.forward(o, this.outMask, dropped);
      o = dropped;
    }
    this.outIn = o;
    this.logits = this.wLogits.get(N * d.config.tgtVocabSize);
    d.out.forward(N, o, this.logits);
    return this.logits;
  }

  /** dW_o += dzᵀ o', db_o += Σ dz, do = (dz W_o) ⊙ mask. */
  private outputBackward(): void {
    const d = this.dec;
    d.out.backward(this.steps.rows, this.outIn, this.logits, this.dO);
    if (this.outMask) d.dropout.backward(this.dO, this.outMask, this.dO);
  }

  // ---- loss: ŷ = softmax(z); L = Σ_rows CE(ŷ, y) with label smoothing ε; dz = ŷ − q -----------

  /** The loss of the targets y (packed [Σn]); dz overwrites the logits (what `backward` starts from). */
  loss(targets: I32, smoothing: number): CrossEntropyResult {
    const V = this.dec.config.tgtVocabSize;
    return softmaxCrossEntropy(this.steps.rows, V, this.logits, targets, smoothing, this.logits);
  }

  // ---- split input projection (see SplitInputProjection) --------------------------------------

  private splitInputProjection(memory: AttentionMemory | null): SplitInputProjection | null {
    const d = this.dec;
    const oneStep = this.steps.steps < 2; // the step API: nothing to share between steps
    if (d.config.attention !== 'bahdanau' || d.config.inputFeeding || oneStep || !memory?.source) return null;
    const Mp = this.att!.packedMemory();
    if (!Mp) return null;
    // W_ih [G×Din] = [W_e | W_c] by columns (Din = E + C)
    const G = d.cells[0].gateSize;
    const E = d.config.embeddingSize;
    const Cx = d.sizes.context;
    const Din = d.sizes.decoderInput;
    const Wih = d.cells[0].weightIh.value;
    const We = takeCols(G, Din, Wih, 0, E, this.wWe.get(G * E), false);
    const Wc = takeCols(G, Din, Wih, E, Cx, this.wWc.get(G * Cx), false);
    const source = memory.source;
    const MWp = this.wMWPacked.get(source.rows * G);
    getBackend().gemm(false, true, source.rows, G, Cx, 1, Mp, Wc, 0, MWp);
    const MW = source.unpack(MWp, G, this.wMW.get(memory.S * this.steps.batch * G));
    return { We, Wc, MW };
  }

  /** The embedding share of layer 0's gate inputs for all rows: GI = E W_eᵀ + b_ih (+ b_hh). */
  private splitEmbeddingShare(): void {
    const k = getBackend();
    const c = this.dec.cells[0];
    const N = this.steps.rows;
    const GI = this.runs[0].GI;
    k.gemm(false, true, N, c.gateSize, this.dec.config.embeddingSize, 1, this.EMB, this.split!.We, 0, GI);
    k.addRowVector(N, c.gateSize, GI, c.biasIh.value);
    if (c.kind !== 'gru') k.addRowVector(N, c.gateSize, GI, c.biasHh.value);
  }

  /** gi_t += Σ_s α_ts MW_s (right after attend(t)). */
  private splitContextShare(t: number): void {
    const G = this.dec.cells[0].gateSize;
    const giC = this.wGIContext.get(this.steps.count[t] * G);
    this.att!.extraContext(this.split!.MW, G, giC);
    getBackend().axpy(1, giC, this.steps.at(this.runs[0].GI, t, G));
  }

  /** After the steps: dE += dGI W_e and dc += dGI W_c (all rows at once; see SplitInputProjection). */
  private splitBackward(): void {
    const k = getBackend();
    const sp = this.split!;
    const G = this.dec.cells[0].gateSize;
    const E = this.dec.config.embeddingSize;
    const Cx = this.dec.sizes.context;
    const N = this.steps.rows;
    k.gemm(false, false, N, E, G, 1, this.runs[0].dGI, sp.We, 1, this.dEMB);
    k.gemm(false, false, N, Cx, G, 1, this.runs[0].dGI, sp.Wc, 1, this.dCTX);
  }

  /** Attention weights of step t, n_t × S (a view). */
  alphas(t: number): F32 | null {
    return this.att ? this.steps.at(this.att.alphas, t, this.att.S) : null;
  }
}
