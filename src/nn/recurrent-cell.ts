/**
 * One recurrent layer in one direction (torch.nn.RNN/GRU/LSTM parameterisation and names), and
 * its unrolled run over a padded, time-major batch with full BPTT.
 *
 * Parameters (PyTorch): weight_ih [G·H, I], weight_hh [G·H, H], bias_ih [G·H], bias_hh [G·H],
 * G = 1 (RNN), 3 (GRU: r, z, n), 4 (LSTM: i, f, g, o); names end in `_l{k}` or `_l{k}_reverse`.
 *
 * Cells (x = input at step t, h = state before it):
 *   RNN   a = W_ih x + b_ih + W_hh h + b_hh;  h' = tanh(a)          (textbook: U = W_ih, W = W_hh, b = b_ih + b_hh)
 *   GRU   r = σ(gi_r + gh_r), z = σ(gi_z + gh_z), n = tanh(gi_n + r ⊙ gh_n), h' = (1 − z) ⊙ n + z ⊙ h
 *         with gi = W_ih x + b_ih, gh = W_hh h + b_hh
 *   LSTM  g = W_ih x + b_ih + W_hh h + b_hh; i, f, o = σ(g_i, g_f, g_o), gg = tanh(g_g)
 *         c' = f ⊙ c + i ⊙ gg, h' = o ⊙ tanh(c')
 * Padding: where mask[t, b] = 0 the step is skipped for row b (h' = h, c' = c), via selectRows.
 *
 * Speed (DESIGN §3): the input projection of all steps is one GEMM, X[T·B, I] · W_ihᵀ
 * (`projectAll`); only W_hh h runs step by step. In backward the weight gradients are one GEMM
 * each over all steps (dW_ih += dGIᵀ X, dW_hh += dGHᵀ H_prev), only dh_prev = dGH W_hh is per step.
 * Padding (with `active` rows, see `activeRows`) is skipped: per step only the active prefix of
 * the rows is computed, and the batched products pack the active rows of all steps together.
 */
import type { F32 } from '../tensor/backend.js';
import { getBackend } from '../tensor/index.js';
import type { Rng } from '../util/rng.js';
import { Workspace, rows } from './alloc.js';
import { initUniform } from './init.js';
import { Param } from './param.js';

export type CellKind = 'rnn' | 'gru' | 'lstm';

/**
 * active[t] = 1 + the last row b with lengths[b] > t (0 when none): the rows a step must compute.
 * With the rows sorted by decreasing length every row after active[t] is padding, so a padded
 * position costs nothing; in any order the rows after the last real one are skipped.
 */
export function activeRows(lengths: Int32Array, T: number): Int32Array {
  const active = new Int32Array(T);
  for (let b = 0; b < lengths.length; b++) {
    const len = Math.min(T, lengths[b]);
    for (let t = 0; t < len; t++) active[t] = b + 1;
  }
  return active;
}

export const GATE_COUNT: Record<CellKind, number> = { rnn: 1, gru: 3, lstm: 4 };

export class RecurrentCell {
  readonly kind: CellKind;
  readonly inputSize: number;
  readonly hiddenSize: number;
  /** G·H: rows of the stacked weight matrices. */
  readonly gateSize: number;
  readonly weightIh: Param;
  readonly weightHh: Param;
  readonly biasIh: Param;
  readonly biasHh: Param;

  /** prefix e.g. `encoder.rnn`, suffix e.g. `l0` or `l0_reverse`. */
  constructor(prefix: string, suffix: string, kind: CellKind, inputSize: number, hiddenSize: number, rng: Rng | null) {
    this.kind = kind;
    this.inputSize = inputSize;
    this.hiddenSize = hiddenSize;
    this.gateSize = GATE_COUNT[kind] * hiddenSize;
    const G = this.gateSize;
    this.weightIh = new Param(`${prefix}.weight_ih_${suffix}`, [G, inputSize]);
    this.weightHh = new Param(`${prefix}.weight_hh_${suffix}`, [G, hiddenSize]);
    this.biasIh = new Param(`${prefix}.bias_ih_${suffix}`, [G]);
    this.biasHh = new Param(`${prefix}.bias_hh_${suffix}`, [G]);
    if (rng) {
      const bound = 1 / Math.sqrt(hiddenSize);
      for (const p of this.params) initUniform(p, rng, bound);
    }
  }

  /** In PyTorch's state_dict order. */
  get params(): Param[] {
    return [this.weightIh, this.weightHh, this.biasIh, this.biasHh];
  }
}

/**
 * The caches of one cell unrolled over T steps of a B-row batch. States live in T + 1 slots:
 * forward direction slot 0 = initial state and slot t + 1 = h_t; reverse direction slot T =
 * initial state and slot t = h_t. Either way the outputs in time order and the "previous state"
 * of every step are contiguous [T×B×H] blocks.
 */
export class CellRun {
  readonly cell: RecurrentCell;
  readonly reverse: boolean;
  T = 0;
  B = 0;
  private mask: F32 | null = null;
  /** active[t]: rows [0, active[t]) may hold real tokens at step t; the rows after are padding. */
  private active: Int32Array | null = null;
  private X: F32 | null = null;
  private readonly wGI = new Workspace();
  private readonly wGH = new Workspace();
  private readonly wGates = new Workspace();
  private readonly wHS = new Workspace();
  private readonly wCS = new Workspace();
  private readonly wTanhC = new Workspace();
  private readonly wdGI = new Workspace();
  private readonly wdGH = new Workspace();
  private readonly wScratch = new Workspace();
  private readonly wPack = [new Workspace(), new Workspace(), new Workspace(), new Workspace()];
  /** Σ_t active rows (T·B without an active list). */
  private packed = 0;
  private readonly wWhhT = new Workspace();
  private readonly wWihT = new Workspace();
  /** W_hhᵀ [H×G] and W_ihᵀ [I×G] of this pass (made on first use, when the pass has ≥ 2 steps). */
  private whhT: F32 | null = null;
  private wihT: F32 | null = null;
  GI!: F32;
  GH!: F32;
  gates!: F32;
  HS!: F32;
  CS!: F32;
  tanhC!: F32;
  dGI!: F32;
  dGH!: F32;
  private zerosBH!: F32;
  private dhCell!: F32;
  private dcCell!: F32;
  private dhPrev!: F32;
  private dcPrev!: F32;

  constructor(cell: RecurrentCell, reverse = false) {
    this.cell = cell;
    this.reverse = reverse;
  }

  /**
   * Prepares the buffers for T steps of B rows; mask is [T×B] (1 = real token) or null.
   * active (optional, [T]): at step t only rows [0, active[t]) are computed; every row after them
   * is padding and keeps its state (h' = h, c' = c, no gate gradient) without being touched by
   * the products — with the batch sorted by length, padding costs nothing (see skipPaddingRows).
   */
  begin(T: number, B: number, mask: F32 | null, active: Int32Array | null = null): void {
    const { gateSize: G, hiddenSize: H, kind } = this.cell;
    if (active && active.length < T) throw new Error(`CellRun.begin: active has ${active.length} entries for T=${T}`);
    this.T = T;
    this.B = B;
    this.mask = mask;
    this.active = active;
    this.packed = 0;
    for (let t = 0; t < T; t++) this.packed += active ? Math.min(B, active[t]) : B;
    this.whhT = null;
    this.wihT = null;
    this.GI = this.wGI.get(T * B * G);
    this.dGI = this.wdGI.get(T * B * G);
    this.HS = this.wHS.get((T + 1) * B * H);
    if (kind === 'gru') {
      this.GH = this.wGH.get(T * B * G);
      this.dGH = this.wdGH.get(T * B * G);
    }
    if (kind !== 'rnn') this.gates = this.wGates.get(T * B * G);
    if (kind === 'lstm') {
      this.CS = this.wCS.get((T + 1) * B * H);
      this.tanhC = this.wTanhC.get(T * B * H);
    }
    const s = this.wScratch.get(5 * B * H);
    this.zerosBH = rows(s, 0, B, H);
    this.zerosBH.fill(0);
    this.dhCell = rows(s, B, B, H);
    this.dcCell = rows(s, 2 * B, B, H);
    this.dhPrev = rows(s, 3 * B, B, H);
    this.dcPrev = rows(s, 4 * B, B, H);
  }

  private slotOut(t: number): number {
    return this.reverse ? t : t + 1;
  }
  private slotPrev(t: number): number {
    return this.reverse ? t + 1 : t;
  }

  /** Sets the initial state (zeros when null). */
  setInitial(h0: F32 | null, c0: F32 | null): void {
    const { B, T } = this;
    const H = this.cell.hiddenSize;
    const slot = this.reverse ? T : 0;
    const h = rows(this.HS, slot * B, B, H);
    if (h0) h.set(h0);
    else h.fill(0);
    if (this.cell.kind === 'lstm') {
      const c = rows(this.CS, slot * B, B, H);
      if (c0) c.set(c0);
      else c.fill(0);
    }
  }

  /** Remembers the [T×B×I] input of all steps (for the batched weight gradient). */
  setInput(X: F32): void {
    this.X = X;
  }

  /**
   * The batched products skip padding too when it is worth a copy: the active rows of every step
   * (a prefix of its B rows) are packed one after the other, multiplied, and unpacked.
   */
  private usePacking(): boolean {
    return this.packed < 0.95 * this.T * this.B;
  }

  /** dst ← the active rows of every step of src ([T×B×w]), packed. */
  private pack(src: F32, w: number, dst: F32): F32 {
    const { B, T } = this;
    for (let t = 0, r = 0; t < T; t++) {
      const n = this.activeRows(t);
      dst.set(src.subarray(t * B * w, (t * B + n) * w), r * w);
      r += n;
    }
    return dst;
  }

  /** The inverse of pack: dst's active rows ← (or +=, with add) src's packed rows; inactive rows are zeroed unless add. */
  private unpack(src: F32, w: number, dst: F32, add: boolean): void {
    const { B, T } = this;
    const k = getBackend();
    for (let t = 0, r = 0; t < T; t++) {
      const n = this.activeRows(t);
      const block = dst.subarray(t * B * w, (t * B + n) * w);
      const from = src.subarray(r * w, (r + n) * w);
      if (add) k.axpy(1, from, block);
      else {
        block.set(from);
        dst.fill(0, (t * B + n) * w, (t + 1) * B * w);
      }
      r += n;
    }
  }

  /** GI = X W_ihᵀ + b_ih (+ b_hh for RNN/LSTM, whose gates take the sum) for all T·B rows at once. */
  projectAll(X: F32): void {
    const k = getBackend();
    const c = this.cell;
    const G = c.gateSize;
    this.X = X;
    const packing = this.usePacking();
    const M = packing ? this.packed : this.T * this.B;
    const x = packing ? this.pack(X, c.inputSize, this.wPack[0].get(M * c.inputSize)) : X;
    const gi = packing ? this.wPack[1].get(M * G) : this.GI;
    k.gemm(false, true, M, G, c.inputSize, 1, x, c.weightIh.value, 0, gi);
    k.addRowVector(M, G, gi, c.biasIh.value);
    if (c.kind !== 'gru') k.addRowVector(M, G, gi, c.biasHh.value);
    if (packing) this.unpack(gi, G, this.GI, false);
  }

  /**
   * X·Wᵀ one step at a time (small M) packs — transposes — W on every call; over a pass of T ≥ 2
   * steps it is cheaper to transpose W once (per pass, so always the current weights) and use
   * the unpacked X·(Wᵀ) product. Returns null for one-step passes (decoding), which use X·Wᵀ.
   */
  private transposedHh(): F32 | null {
    if (this.T < 2) return null;
    if (!this.whhT) {
      const c = this.cell;
      this.whhT = this.wWhhT.get(c.gateSize * c.hiddenSize);
      getBackend().transpose(c.gateSize, c.hiddenSize, c.weightHh.value, this.whhT);
    }
    return this.whhT;
  }

  /** W_ihᵀ [I×G] of this pass (transposed once), or null for a one-step pass. */
  transposedIh(): F32 | null {
    if (this.T < 2) return null;
    if (!this.wihT) {
      const c = this.cell;
      this.wihT = this.wWihT.get(c.gateSize * c.inputSize);
      getBackend().transpose(c.gateSize, c.inputSize, c.weightIh.value, this.wihT);
    }
    return this.wihT;
  }

  /** h·W_hhᵀ (n×G) into out, overwritten (beta = 0) or accumulated (beta = 1). */
  private hiddenProduct(n: number, hPrev: F32, beta: number, out: F32): void {
    const k = getBackend();
    const c = this.cell;
    const wT = this.transposedHh();
    if (wT) k.gemm(false, false, n, c.gateSize, c.hiddenSize, 1, hPrev, wT, beta, out);
    else k.gemm(false, true, n, c.gateSize, c.hiddenSize, 1, hPrev, c.weightHh.value, beta, out);
  }

  /** Rows computed at step t (all B without an active list). */
  activeRows(t: number): number {
    return this.active ? Math.min(this.B, this.active[t]) : this.B;
  }

  /** The same for one step t, from x_t (B×I). */
  projectStep(t: number, x: F32): void {
    const k = getBackend();
    const c = this.cell;
    const n = this.activeRows(t);
    if (n === 0) return;
    const gi = rows(this.GI, t * this.B, n, c.gateSize);
    const xn = rows(x, 0, n, c.inputSize);
    const wT = this.transposedIh();
    if (wT) k.gemm(false, false, n, c.gateSize, c.inputSize, 1, xn, wT, 0, gi);
    else k.gemm(false, true, n, c.gateSize, c.inputSize, 1, xn, c.weightIh.value, 0, gi);
    k.addRowVector(n, c.gateSize, gi, c.biasIh.value);
    if (c.kind !== 'gru') k.addRowVector(n, c.gateSize, gi, c.biasHh.value);
  }

  /** h_t (B×H) after step t. */
  h(t: number): F32 {
    return rows(this.HS, this.slotOut(t) * this.B, this.B, this.cell.hiddenSize);
  }
  c(t: number): F32 {
    return rows(this.CS, this.slotOut(t) * this.B, this.B, this.cell.hiddenSize);
  }
  /** The state before step t. */
  hPrev(t: number): F32 {
    return rows(this.HS, this.slotPrev(t) * this.B, this.B, this.cell.hiddenSize);
  }
  cPrev(t: number): F32 {
    return rows(this.CS, this.slotPrev(t) * this.B, this.B, this.cell.hiddenSize);
  }
  /** All outputs h_0 … h_{T−1} in time order, [T×B×H]. */
  outputs(): F32 {
    return rows(this.HS, (this.reverse ? 0 : 1) * this.B, this.T * this.B, this.cell.hiddenSize);
  }
  /** The state after the last processed step (time T − 1 forward, time 0 reverse). */
  finalH(): F32 {
    return rows(this.HS, (this.reverse ? 0 : this.T) * this.B, this.B, this.cell.hiddenSize);
  }
  finalC(): F32 {
    return rows(this.CS, (this.reverse ? 0 : this.T) * this.B, this.B, this.cell.hiddenSize);
  }

  /** One step at time t (after projectAll/projectStep): the cell formulas above, then the padding mask. */
  step(t: number): void {
    const k = getBackend();
    const c = this.cell;
    const { B } = this;
    const H = c.hiddenSize;
    const G = c.gateSize;
    const n = this.activeRows(t);
    if (n < B) {
      // rows [n, B) are padding at this step: they keep their state and are not computed
      rows(this.HS, this.slotOut(t) * B + n, B - n, H).set(rows(this.HS, this.slotPrev(t) * B + n, B - n, H));
      if (c.kind === 'lstm') rows(this.CS, this.slotOut(t) * B + n, B - n, H).set(rows(this.CS, this.slotPrev(t) * B + n, B - n, H));
      if (n === 0) return;
    }
    const hPrev = rows(this.HS, this.slotPrev(t) * B, n, H);
    const hOut = rows(this.HS, this.slotOut(t) * B, n, H);
    const gi = rows(this.GI, t * B, n, G);
    const m = this.mask ? this.mask.subarray(t * B, t * B + n) : null;
    if (c.kind === 'rnn') {
      // a = gi + W_hh h (b_ih + b_hh already in gi); h' = tanh(a)
      this.hiddenProduct(n, hPrev, 1, gi);
      k.tanh(gi, hOut);
    } else if (c.kind === 'gru') {
      const gh = rows(this.GH, t * B, n, G);
      this.hiddenProduct(n, hPrev, 0, gh);
      k.addRowVector(n, G, gh, c.biasHh.value);
      k.gruForward(n, H, gi, gh, hPrev, hOut, rows(this.gates, t * B, n, G));
    } else {
      this.hiddenProduct(n, hPrev, 1, gi);
      const cPrev = rows(this.CS, this.slotPrev(t) * B, n, H);
      const cOut = rows(this.CS, this.slotOut(t) * B, n, H);
      k.lstmForward(n, H, gi, cPrev, hOut, cOut, rows(this.gates, t * B, n, G), rows(this.tanhC, t * B, n, H));
      if (m) k.selectRows(n, H, m, cOut, cPrev, cOut);
    }
    if (m) k.selectRows(n, H, m, hOut, hPrev, hOut);
  }

  /** Runs every step in processing order (0 … T−1 forward, T−1 … 0 reverse). */
  run(): void {
    if (this.reverse) for (let t = this.T - 1; t >= 0; t--) this.step(t);
    else for (let t = 0; t < this.T; t++) this.step(t);
  }

  /**
   * BPTT through step t. On entry dh (B×H) holds ∂L/∂h_t (everything reaching h_t) and, for the
   * LSTM, dc holds ∂L/∂c_t from step t + 1; on return they hold ∂L/∂h_{t−1} and ∂L/∂c_{t−1}.
   * Writes ∂L/∂gi_t into dGI (and ∂L/∂gh_t into dGH for the GRU).
   *   padded rows:  dh_{t−1} = dh_t, dc_{t−1} = dc_t, no gate gradient
   *   RNN:  da = dh ⊙ (1 − h'²);                         dh_{t−1} = da W_hh
   *   GRU:  (dgi, dgh) = gruBackward(dh);                dh_{t−1} = z ⊙ dh + dgh W_hh
   *   LSTM: (dg, dc_{t−1}) = lstmBackward(dh, dc);       dh_{t−1} = dg W_hh
   */
  backwardStep(t: number, dh: F32, dc: F32 | null): void {
    const k = getBackend();
    const c = this.cell;
    const { B } = this;
    const H = c.hiddenSize;
    const G = c.gateSize;
    const n = this.activeRows(t);
    if (n < B) {
      // padding rows [n, B): no gate gradient, dh and dc pass through unchanged
      rows(this.dGI, t * B + n, B - n, G).fill(0);
      if (c.kind === 'gru') rows(this.dGH, t * B + n, B - n, G).fill(0);
      if (n === 0) return;
    }
    const m = this.mask ? this.mask.subarray(t * B, t * B + n) : null;
    const dhN = rows(dh, 0, n, H);
    const dhCell = m ? rows(this.dhCell, 0, n, H) : dhN;
    if (m) k.selectRows(n, H, m, dhN, this.zerosBH, dhCell);
    const dgi = rows(this.dGI, t * B, n, G);
    const dhPrev = rows(this.dhPrev, 0, n, H);
    const hPrev = rows(this.HS, this.slotPrev(t) * B, n, H);
    if (c.kind === 'rnn') {
      k.tanhBackward(rows(this.HS, this.slotOut(t) * B, n, H), dhCell, dgi, false);
      k.gemm(false, false, n, H, G, 1, dgi, c.weightHh.value, 0, dhPrev);
    } else if (c.kind === 'gru') {
      const dgh = rows(this.dGH, t * B, n, G);
      dhPrev.fill(0);
      k.gruBackward(n, H, rows(this.gates, t * B, n, G), rows(this.GH, t * B, n, G), hPrev, dhCell, dgi, dgh, dhPrev);
      k.gemm(false, false, n, H, G, 1, dgh, c.weightHh.value, 1, dhPrev);
    } else {
      if (!dc) throw new Error('CellRun.backwardStep: the LSTM needs dc');
      const dcN = rows(dc, 0, n, H);
      const dcCell = m ? rows(this.dcCell, 0, n, H) : dcN;
      const dcPrev = rows(this.dcPrev, 0, n, H);
      if (m) k.selectRows(n, H, m, dcN, this.zerosBH, dcCell);
      k.lstmBackward(n, H, rows(this.gates, t * B, n, G), rows(this.tanhC, t * B, n, H), rows(this.CS, this.slotPrev(t) * B, n, H), dhCell, dcCell, dgi, dcPrev);
      k.gemm(false, false, n, H, G, 1, dgi, c.weightHh.value, 0, dhPrev);
      if (m) k.selectRows(n, H, m, dcPrev, dcN, dcPrev);
      dcN.set(dcPrev);
    }
    if (m) k.selectRows(n, H, m, dhPrev, dhN, dhPrev);
    dhN.set(dhPrev);
  }

  /** BPTT over every step in reverse processing order; dOut is [T×B×H] (∂L/∂h_t from above) or null. */
  backwardAll(dOut: F32 | null, dh: F32, dc: F32 | null): void {
    const k = getBackend();
    const { B } = this;
    const H = this.cell.hiddenSize;
    const visit = (t: number) => {
      if (dOut) k.axpy(1, rows(dOut, t * B, B, H), dh);
      this.backwardStep(t, dh, dc);
    };
    if (this.reverse) for (let t = 0; t < this.T; t++) visit(t);
    else for (let t = this.T - 1; t >= 0; t--) visit(t);
  }

  /** After all backward steps: dW_ih += dGIᵀ X, dW_hh += dGHᵀ H_prev, db_ih += Σ dGI, db_hh += Σ dGH (one GEMM each). */
  backwardWeights(): void {
    const k = getBackend();
    const c = this.cell;
    const M = this.T * this.B;
    if (!this.X) throw new Error('CellRun.backwardWeights: no input recorded (setInput/projectAll)');
    const G = c.gateSize;
    let dGI = this.dGI;
    let dGH = c.kind === 'gru' ? this.dGH : this.dGI;
    let hPrevAll = rows(this.HS, (this.reverse ? 1 : 0) * this.B, M, c.hiddenSize);
    let X = this.X;
    let K = M;
    if (this.usePacking()) {
      // padding rows have zero gate gradients: leave them out of the sums
      K = this.packed;
      dGI = this.pack(dGI, G, this.wPack[0].get(K * G));
      dGH = c.kind === 'gru' ? this.pack(dGH, G, this.wPack[1].get(K * G)) : dGI;
      hPrevAll = this.pack(hPrevAll, c.hiddenSize, this.wPack[2].get(K * c.hiddenSize));
      X = this.pack(X, c.inputSize, this.wPack[3].get(K * c.inputSize));
    }
    k.gemm(true, false, G, c.inputSize, K, 1, dGI, X, 1, c.weightIh.grad);
    k.gemm(true, false, G, c.hiddenSize, K, 1, dGH, hPrevAll, 1, c.weightHh.grad);
    k.sumRowsInto(K, G, dGI, c.biasIh.grad);
    k.sumRowsInto(K, G, dGH, c.biasHh.grad);
  }

  /** dX = dGI W_ih for all steps ([T×B×I]; accumulated into dX when accumulate). */
  inputGradAll(dX: F32, accumulate: boolean): void {
    const c = this.cell;
    const k = getBackend();
    if (!this.usePacking()) {
      k.gemm(false, false, this.T * this.B, c.inputSize, c.gateSize, 1, this.dGI, c.weightIh.value, accumulate ? 1 : 0, dX);
      return;
    }
    // padding rows have zero gate gradients, so their dx is 0
    const K = this.packed;
    const dgi = this.pack(this.dGI, c.gateSize, this.wPack[0].get(K * c.gateSize));
    const dx = this.wPack[1].get(K * c.inputSize);
    k.gemm(false, false, K, c.inputSize, c.gateSize, 1, dgi, c.weightIh.value, 0, dx);
    this.unpack(dx, c.inputSize, dX, accumulate);
  }

  /** dx_t = dgi_t W_ih for one step (B×I; rows of padding beyond the active ones get 0). */
  inputGradStep(t: number, dx: F32, accumulate: boolean): void {
    const c = this.cell;
    const n = this.activeRows(t);
    if (n < this.B && !accumulate) rows(dx, n, this.B - n, c.inputSize).fill(0);
    if (n === 0) return;
    const dgi = rows(this.dGI, t * this.B, n, c.gateSize);
    getBackend().gemm(false, false, n, c.inputSize, c.gateSize, 1, dgi, c.weightIh.value, accumulate ? 1 : 0, rows(dx, 0, n, c.inputSize));
  }
}
