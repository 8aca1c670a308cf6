/**
 * The decoder: a stack of recurrent cells run step by step (teacher forcing while training),
 * with attention, the bridge that maps the encoder's final state to the initial states, the
 * pre-output layer and the output layer. Per step t (e_t = emb(y_{t−1}), s = top-layer state):
 *
 *   Bahdanau:  c_t = attend(s_{t−1})          x_t = [e_t; c_t (; o_{t−1} with input feeding)]
 *   none:      c_t = C = h0^top (the bridged context vector, Cho et al. 2014), x_t = [e_t; C (; o_{t−1})]
 *   Luong:     x_t = [e_t (; o_{t−1})],       c_t = attend(s_t) after the RNN
 *   layers:    h^1_t = cell(x_t, h^1_{t−1}), h^l_t = cell(h^{l−1}_t, h^l_{t−1})
 *   pre-output o_t = tanh(W_p [s_t; c_t; e_t] + b_p)   (or o_t = s_t without preOutput)
 *   bridge     h0^l = tanh(W_b final + b_b) (one Linear to L·H, split per layer); LSTM c0 = 0
 * The output layer (logits = W_o o + b_o) runs over all T·B rows at once in Seq2Seq.
 * Backward mirrors this step by step in reverse time; weight gradients of the cells, the
 * pre-output (without input feeding) and the attention query are one GEMM over all steps.
 */
import type { F32, I32 } from '../tensor/backend.js';
import { getBackend } from '../tensor/index.js';
import { Workspace, copyCols, rows, takeCols } from '../nn/alloc.js';
import { Attention, AttentionRun } from '../nn/attention.js';
import { Dropout } from '../nn/dropout.js';
import { WordDropout, sampleEmbeddingMask } from '../nn/word-dropout.js';
import { Embedding } from '../nn/embedding.js';
import { Linear } from '../nn/linear.js';
import type { Param } from '../nn/param.js';
import { CellRun, RecurrentCell } from '../nn/recurrent-cell.js';
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
    // Tied to the output layer, the embedding starts at N(0, 1/E) (see Embedding): with N(0, 1) the
    // logits' spread made the first loss ~25 nats/token against ln V ≈ 9 (docs/quality.md).
    const embStd = config.tiedTargetEmbeddings ? 1 / Math.sqrt(config.embeddingSize) : 1;
    this.embedding = new Embedding('decoder.embedding', config.tgtVocabSize, config.embeddingSize, rng, 0, embStd);
    this.bridge = new Linear('decoder.bridge', sizes.memory, L * H, rng);
    this.cells = [];
    for (let l = 0; l < L; l++) this.cells.push(new RecurrentCell('decoder.rnn', `l${l}`, config.cell, l === 0 ? sizes.decoderInput : H, H, rng));
    this.attention = config.attention === 'none' ? null : new Attention('decoder.attention', config.attention, sizes.memory, H, sizes.attention, rng);
    this.preInputSize = H + sizes.context + config.embeddingSize;
    this.preOutput = config.preOutput ? new Linear('decoder.pre_output', this.preInputSize, sizes.preOutput, rng) : null;
    this.out = new Linear('decoder.out', sizes.outputInput, config.tgtVocabSize, rng, true, config.tiedTargetEmbeddings ? this.embedding.weight : undefined);
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

/** Initial decoder state of a pass. */
export interface DecoderInit {
  h: F32[];
  c: (F32 | null)[];
  /** The constant context C (no attention), B×H. */
  context: F32 | null;
  /** o_{−1} for input feeding (zeros when null). */
  oPrev: F32 | null;
}

export interface MemoryInput {
  M: F32;
  S: number;
  lengths: Int32Array;
  keys?: F32;
}

/** One decoder pass over T steps of a B-row batch, with the caches its backward needs. */
export class DecoderPass {
  readonly dec: Decoder;
  readonly runs: CellRun[];
  readonly att: AttentionRun | null;
  T = 0;
  B = 0;
  private ids!: I32;
  private useDropout = false;
  private readonly w = Array.from({ length: 23 }, () => new Workspace());
  private readonly wordKeep = new Workspace();
  EMB!: F32;
  X0!: F32;
  CTX!: F32;
  PRE!: F32;
  O!: F32;
  private dropMask!: F32;
  private context: F32 | null = null;
  private oInit!: F32;
  /**
   * Set when the pass has active rows and a batched pre-output (no input feeding): the
   * pre-output, and so finishForward's result, then holds only the real rows — step t's rows
   * [0, active[t]) at row offset rowStart[t] — instead of all T·B.
   */
  private compact: { active: Int32Array; rowStart: Int32Array; rows: number } | null = null;
  /**
   * Bahdanau without input feeding, over T ≥ 2 steps (teacher forcing): layer 0's input
   * projection W_ih [e_t; c_t] is split as W_e e_t + W_c c_t, with W_e E for all steps in one
   * GEMM and W_c c_t = Σ_s α_ts (W_c m_s) — the same attention weights over MW = M W_cᵀ, made
   * once per pass — so no step multiplies by W_ih. Backward: dα gains dgi_t · MW_s, dMW += α dgi_t,
   * and after the loop dM += dMW W_c, dE += dGI W_e (dW_ih stays dGIᵀ [E; C]).
   */
  private fused: { WeT: F32; WcT: F32; MW: F32; dMW: F32 | null } | null = null;

  constructor(dec: Decoder) {
    this.dec = dec;
    this.runs = dec.cells.map((c) => new CellRun(c, false));
    this.att = dec.attention ? new AttentionRun(dec.attention) : null;
  }

  private get ctxInInput(): boolean {
    const a = this.dec.config.attention;
    return a === 'bahdanau' || a === 'none';
  }

  /**
   * active (optional, [T]): at step t only rows [0, active[t]) have a real target — the cells
   * compute only those (CellRun.begin); the output of the other rows is left meaningless.
   */
  begin(T: number, B: number, init: DecoderInit, memory: MemoryInput | null, active: Int32Array | null = null): void {
    const d = this.dec;
    const s = d.sizes;
    const E = d.config.embeddingSize;
    this.T = T;
    this.B = B;
    this.EMB = this.w[0].get(T * B * E);
    this.X0 = this.w[1].get(T * B * s.decoderInput);
    this.CTX = this.w[2].get(T * B * s.context);
    if (d.preOutput) {
      this.PRE = this.w[3].get(T * B * d.preInputSize);
      this.O = this.w[4].get(T * B * s.preOutput);
    }
    this.compact = null;
    if (active && d.preOutput && !d.config.inputFeeding) {
      const rowStart = new Int32Array(T + 1);
      for (let t = 0; t < T; t++) rowStart[t + 1] = rowStart[t] + Math.min(B, active[t]);
      this.compact = { active, rowStart, rows: rowStart[T] };
    }
    this.oInit = this.w[5].get(B * s.preOutput);
    if (init.oPrev) this.oInit.set(init.oPrev);
    else this.oInit.fill(0);
    this.context = init.context;
    for (let l = 0; l < this.runs.length; l++) {
      const r = this.runs[l];
      r.begin(T, B, null, active);
      r.setInitial(init.h[l], init.c[l] ?? null);
      r.setInput(l === 0 ? this.X0 : this.runs[l - 1].outputs());
    }
    if (this.att) {
      if (!memory) throw new Error('DecoderPass.begin: attention needs the encoder memory');
      this.att.begin(memory.M, memory.S, B, memory.lengths, T, memory.keys, active);
    }
    this.fused = null;
    const WihT = d.config.attention === 'bahdanau' && !d.config.inputFeeding && T >= 2 ? this.runs[0].transposedIh() : null;
    if (WihT && memory) {
      // W_ihᵀ [Din×G] = [W_eᵀ; W_cᵀ] by rows (Din = E + C)
      const G = d.cells[0].gateSize;
      const E = d.config.embeddingSize;
      const Cx = s.context;
      const WeT = rows(WihT, 0, E, G);
      const WcT = rows(WihT, E, Cx, G);
      const SB = memory.S * B;
      const MW = this.w[18].get(SB * G);
      const k = getBackend();
      const v = this.att!.valid;
      if (v) {
        // real source positions only (padding rows get a copy of a real row: masked out)
        const MWp = this.w[20].get(v.rows.length * G);
        k.gemm(false, false, v.rows.length, G, Cx, 1, v.Mp, WcT, 0, MWp);
        k.gatherRows(v.inv, G, MWp, MW);
      } else k.gemm(false, false, SB, G, Cx, 1, memory.M, WcT, 0, MW);
      this.fused = { WeT, WcT, MW, dMW: null };
    }
  }

  /** e_t = emb(ids_t) for all steps (dropout and word dropout when training). ids: [T×B]. */
  embed(ids: I32, train: boolean, rng: Rng | null): void {
    const d = this.dec;
    this.ids = ids;
    d.embedding.forward(ids, this.EMB);
    this.useDropout = train && (d.dropout.p > 0 || d.wordDropout.p > 0);
    if (this.useDropout) {
      this.dropMask = this.w[6].get(this.EMB.length);
      sampleEmbeddingMask(d.dropout, d.wordDropout, this.dropMask, d.embedding.dim, this.wordKeep, rng!);
      d.dropout.forward(this.EMB, this.dropMask, this.EMB);
    }
    if (this.fused) {
      // the embedding share of layer 0's gate inputs for all steps: GI = E W_eᵀ + b_ih (+ b_hh)
      const k = getBackend();
      const c = d.cells[0];
      const M = this.T * this.B;
      const GI = this.runs[0].GI;
      k.gemm(false, false, M, c.gateSize, d.config.embeddingSize, 1, this.EMB, this.fused.WeT, 0, GI);
      k.addRowVector(M, c.gateSize, GI, c.biasIh.value);
      if (c.kind !== 'gru') k.addRowVector(M, c.gateSize, GI, c.biasHh.value);
    }
  }

  /** One decoder step (see the file comment). */
  forwardStep(t: number): void {
    const d = this.dec;
    const s = d.sizes;
    const { B } = this;
    const E = d.config.embeddingSize;
    const Cx = s.context;
    const Din = s.decoderInput;
    const L = this.runs.length;
    const top = this.runs[L - 1];
    const e = rows(this.EMB, t * B, B, E);
    const ctx = rows(this.CTX, t * B, B, Cx);
    if (d.config.attention === 'bahdanau') this.att!.forwardStep(t, top.hPrev(t), ctx);
    else if (d.config.attention === 'none') ctx.set(this.context!);
    const x = rows(this.X0, t * B, B, Din);
    copyCols(B, E, e, Din, 0, x);
    let col = E;
    if (this.ctxInInput) {
      copyCols(B, Cx, ctx, Din, col, x);
      col += Cx;
    }
    if (d.config.inputFeeding) copyCols(B, s.preOutput, t === 0 ? this.oInit : rows(this.O, (t - 1) * B, B, s.preOutput), Din, col, x);
    if (this.fused) {
      // gi_t = (E W_eᵀ + b)_t + Σ_s α_ts MW_s
      const G = d.cells[0].gateSize;
      const giC = this.w[19].get(B * G);
      this.att!.extraContext(this.fused.MW, G, giC);
      const n = this.runs[0].activeRows(t);
      getBackend().axpy(1, rows(giC, 0, n, G), rows(this.runs[0].GI, t * B, n, G));
    } else this.runs[0].projectStep(t, x);
    this.runs[0].step(t);
    for (let l = 1; l < L; l++) {
      this.runs[l].projectStep(t, this.runs[l - 1].h(t));
      this.runs[l].step(t);
    }
    if (d.config.attention.startsWith('luong')) this.att!.forwardStep(t, top.h(t), ctx);
    if (d.config.inputFeeding) this.preOutputRows(t, 1);
  }

  /** o = tanh(W_p [s; c; e] + b_p) for steps t0 … t0 + n − 1 (one GEMM). */
  private preOutputRows(t0: number, n: number): void {
    const d = this.dec;
    const { B } = this;
    const H = d.config.hiddenSize;
    const Cx = d.sizes.context;
    const E = d.config.embeddingSize;
    const P = d.preInputSize;
    const top = this.runs[this.runs.length - 1];
    for (let t = t0; t < t0 + n; t++) {
      const pre = rows(this.PRE, t * B, B, P);
      copyCols(B, H, top.h(t), P, 0, pre);
      copyCols(B, Cx, rows(this.CTX, t * B, B, Cx), P, H, pre);
      copyCols(B, E, rows(this.EMB, t * B, B, E), P, H + Cx, pre);
    }
    const o = rows(this.O, t0 * B, n * B, d.sizes.preOutput);
    d.preOutput!.forward(n * B, rows(this.PRE, t0 * B, n * B, P), o);
    getBackend().tanh(o, o);
  }

  /** Only the real rows, in this order (see `compact`): the pre-output without padding. */
  private preOutputCompact(): void {
    const d = this.dec;
    const { B, T } = this;
    const H = d.config.hiddenSize;
    const Cx = d.sizes.context;
    const E = d.config.embeddingSize;
    const P = d.preInputSize;
    const { rowStart, rows: N } = this.compact!;
    const top = this.runs[this.runs.length - 1];
    for (let t = 0; t < T; t++) {
      const n = rowStart[t + 1] - rowStart[t];
      const pre = rows(this.PRE, rowStart[t], n, P);
      copyCols(n, H, top.h(t), P, 0, pre);
      copyCols(n, Cx, rows(this.CTX, t * B, n, Cx), P, H, pre);
      copyCols(n, E, rows(this.EMB, t * B, n, E), P, H + Cx, pre);
    }
    const o = rows(this.O, 0, N, d.sizes.preOutput);
    d.preOutput!.forward(N, rows(this.PRE, 0, N, P), o);
    getBackend().tanh(o, o);
  }

  /**
   * After all steps: the vectors the output layer reads, [T×B×outputInput] — or, when
   * `compactRows()` is not null, only the real rows (step t's rows [0, active[t]), step by step).
   */
  finishForward(): F32 {
    const d = this.dec;
    if (!d.preOutput) return this.runs[this.runs.length - 1].outputs();
    if (this.compact) {
      this.preOutputCompact();
      return rows(this.O, 0, this.compact.rows, d.sizes.preOutput);
    }
    if (!d.config.inputFeeding) this.preOutputRows(0, this.T);
    return this.O;
  }

  /** Rows of finishForward's result when it holds only the real rows, else null (all T·B). */
  compactRows(): number | null {
    return this.compact ? this.compact.rows : null;
  }

  /** Attention weights of step t, B×S (a view). */
  alphas(t: number): F32 | null {
    return this.att ? rows(this.att.alphas, t * this.B, this.B, this.att.S) : null;
  }

  /**
   * BPTT through the whole pass given dOut = ∂L/∂(finishForward's result). Accumulates every
   * decoder parameter's gradient (except bridge and output layer, which Seq2Seq owns) and returns
   * ∂L/∂h0 per layer and ∂L/∂C; ∂L/∂memory is left in att.dMemory.
   */
  backward(dOut: F32): { dh0: F32[]; dContext: F32 | null } {
    const k = getBackend();
    const d = this.dec;
    const s = d.sizes;
    const { T, B } = this;
    const H = d.config.hiddenSize;
    const E = d.config.embeddingSize;
    const Cx = s.context;
    const Din = s.decoderInput;
    const Po = s.preOutput;
    const P = d.preInputSize;
    const L = this.runs.length;
    const lstm = d.config.cell === 'lstm';
    const attention = d.config.attention;
    const dEmb = this.w[7].zeros(T * B * E);
    const carry = this.w[8].zeros(2 * L * B * H);
    const dh = Array.from({ length: L }, (_, l) => rows(carry, l * B, B, H));
    const dc = Array.from({ length: L }, (_, l) => rows(carry, (L + l) * B, B, H));
    const dC = attention === 'none' ? this.w[9].zeros(B * H) : null;
    const dOcarry = this.w[10].zeros(B * Po);
    const dctx = this.w[11].get(B * Cx);
    const dx0 = this.w[12].get(B * Din);
    const dxl = this.w[13].get(B * H);
    const dOt = this.w[14].get(B * Po);
    const dPreT = this.w[15].get(B * P);
    let dA: F32 | null = null;
    let dPRE: F32 | null = null;
    if (this.att) this.att.beginBackward();
    const fused = this.fused;
    const G0 = d.cells[0].gateSize;
    if (fused) fused.dMW = this.w[21].zeros(fused.MW.length);
    const cmp = this.compact;
    if (d.preOutput) {
      const R = cmp ? cmp.rows : T * B;
      dA = this.w[16].get(R * Po);
      if (!d.config.inputFeeding) {
        // batched: da = dO ⊙ (1 − o²); dW_p += daᵀ PRE; dPRE = da W_p
        k.tanhBackward(rows(this.O, 0, R, Po), dOut, dA, false);
        dPRE = this.w[17].get(R * P);
        d.preOutput.backward(R, rows(this.PRE, 0, R, P), dA, dPRE, false);
      }
    }
    for (let t = T - 1; t >= 0; t--) {
      const dhTop = dh[L - 1];
      const dEmbT = rows(dEmb, t * B, B, E);
      dctx.fill(0);
      if (d.preOutput) {
        let dpre: F32;
        if (d.config.inputFeeding) {
          // o_t feeds the output layer and x_{t+1}
          dOt.set(rows(dOut, t * B, B, Po));
          k.axpy(1, dOcarry, dOt);
          const dAt = rows(dA!, t * B, B, Po);
          k.tanhBackward(rows(this.O, t * B, B, Po), dOt, dAt, false);
          k.gemm(false, false, B, P, Po, 1, dAt, d.preOutput.weight.value, 0, dPreT);
          dpre = dPreT;
        } else dpre = cmp ? rows(dPRE!, cmp.rowStart[t], cmp.rowStart[t + 1] - cmp.rowStart[t], P) : rows(dPRE!, t * B, B, P);
        // only the real rows when compact (the others' gradient is 0: dctx stays cleared)
        const n = dpre.length / P;
        takeCols(n, P, dpre, 0, H, dhTop, true);
        takeCols(n, P, dpre, H, Cx, dctx, false);
        takeCols(n, P, dpre, H + Cx, E, dEmbT, true);
      } else k.axpy(1, rows(dOut, t * B, B, H), dhTop);
      if (attention === 'luong-dot' || attention === 'luong-general') this.att!.backwardStep(t, dctx, dhTop);
      for (let l = L - 1; l >= 0; l--) {
        this.runs[l].backwardStep(t, dh[l], lstm ? dc[l] : null);
        if (l > 0) {
          this.runs[l].inputGradStep(t, dxl, false);
          k.axpy(1, dxl, dh[l - 1]);
        } else if (!fused) {
          this.runs[0].inputGradStep(t, dx0, false);
          takeCols(B, Din, dx0, 0, E, dEmbT, true);
          let col = E;
          if (this.ctxInInput) {
            takeCols(B, Din, dx0, col, Cx, dctx, true);
            col += Cx;
          }
          if (d.config.inputFeeding) takeCols(B, Din, dx0, col, Po, dOcarry, false);
        }
      }
      if (attention === 'bahdanau')
        this.att!.backwardStep(t, dctx, dh[L - 1], fused ? { V: fused.MW, width: G0, dOut: rows(this.runs[0].dGI, t * B, B, G0), dV: fused.dMW! } : null);
      else if (dC) k.axpy(1, dctx, dC);
    }
    if (fused) {
      // dE += dGI W_e (all steps at once); dM += dMW W_c
      k.gemm(false, true, T * B, E, G0, 1, this.runs[0].dGI, fused.WeT, 1, dEmb);
      const att = this.att!;
      const v = att.valid;
      if (v) {
        // padding positions have dMW = 0
        const n = v.rows.length;
        const dMWp = this.w[20].get(n * G0);
        k.gatherRows(v.rows, G0, fused.dMW!, dMWp);
        const dMp = this.w[22].get(n * Cx);
        k.gemm(false, true, n, Cx, G0, 1, dMWp, fused.WcT, 0, dMp);
        k.scatterAddRows(v.rows, Cx, dMp, att.dMemory, -1);
      } else k.gemm(false, true, att.S * B, Cx, G0, 1, fused.dMW!, fused.WcT, 1, att.dMemory);
    }
    for (const r of this.runs) r.backwardWeights();
    if (d.preOutput && d.config.inputFeeding) {
      k.gemm(true, false, Po, P, T * B, 1, dA!, this.PRE, 1, d.preOutput.weight.grad);
      k.sumRowsInto(T * B, Po, dA!, d.preOutput.bias!.grad);
    }
    if (this.att) this.att.finishBackward();
    if (this.useDropout) d.dropout.backward(dEmb, this.dropMask, dEmb);
    d.embedding.backward(this.ids, dEmb);
    return { dh0: dh, dContext: dC };
  }
}
