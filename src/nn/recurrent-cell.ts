/**
 * One recurrent layer in one direction (torch.nn.RNN/GRU/LSTM parameterisation and names), and
 * its unrolled run over a packed batch (./packed-steps.ts) with full BPTT.
 *
 * Parameters (PyTorch): weight_ih [G·H, I], weight_hh [G·H, H], bias_ih [G·H], bias_hh [G·H],
 * G = 1 (RNN), 3 (GRU: r, z, n), 4 (LSTM: i, f, g, o); names end in `_l{k}` or `_l{k}_reverse`.
 *
 * Cells (x = input at step t, h = state before it):
 *   RNN   a = W_ih x + b_ih + W_hh h + b_hh;  h' = tanh(a)
 *         (the textbook's a(t) = b + W h(t−1) + U x(t): U = W_ih, W = W_hh, b = b_ih + b_hh)
 *   GRU   r = σ(gi_r + gh_r), z = σ(gi_z + gh_z), n = tanh(gi_n + r ⊙ gh_n), h' = (1 − z) ⊙ n + z ⊙ h
 *         with gi = W_ih x + b_ih, gh = W_hh h + b_hh
 *   LSTM  g = W_ih x + b_ih + W_hh h + b_hh; i, f, o = σ(g_i, g_f, g_o), gg = tanh(g_g)
 *         c' = f ⊙ c + i ⊙ gg, h' = o ⊙ tanh(c')
 *
 * Step t computes its n_t rows, the sequences still running; a sequence that has ended keeps its
 * last state as its final state. Speed (DESIGN §3): the input projection of all steps is one
 * GEMM, X[Σn, I] · W_ihᵀ (`projectAll`); only W_hh h runs step by step. In backward the weight
 * gradients are one GEMM each over all steps (dW_ih += dGIᵀ X, dW_hh += dGHᵀ H_prev); only
 * dh_prev = dGH W_hh is per step. The per-step products read their weights packed once per pass
 * (./step-weights.ts).
 */
import type { F32 } from '../tensor/backend.js';
import { getBackend } from '../tensor/index.js';
import type { Rng } from '../util/rng.js';
import { Workspace, rows } from './alloc.js';
import { initUniform } from './init.js';
import type { PackedSteps } from './packed-steps.js';
import { Param } from './param.js';
import { StepWeights } from './step-weights.js';

export type CellKind = 'rnn' | 'gru' | 'lstm';

const GATE_COUNT: Record<CellKind, number> = { rnn: 1, gru: 3, lstm: 4 };

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
 * The caches of one cell unrolled over a packed batch. Every per-step tensor is packed [Σn × ·]:
 * the gate inputs GI (and GH for the GRU), the gates, each row's state before the step HPrev and
 * after it HOut (LSTM: CPrev, COut and tanh c'). The forward direction runs t = 0 … T − 1, the
 * reverse one T − 1 … 0; either way a row's state before its first step is the initial state.
 */
export class CellRun {
  readonly cell: RecurrentCell;
  readonly reverse: boolean;
  private steps!: PackedSteps;
  private X: F32 | null = null;
  private readonly wGI = new Workspace();
  private readonly wGH = new Workspace();
  private readonly wGates = new Workspace();
  private readonly wHPrev = new Workspace();
  private readonly wHOut = new Workspace();
  private readonly wCPrev = new Workspace();
  private readonly wCOut = new Workspace();
  private readonly wTanhC = new Workspace();
  private readonly wdGI = new Workspace();
  private readonly wdGH = new Workspace();
  private readonly wH0 = new Workspace();
  private readonly wC0 = new Workspace();
  private readonly wFinalH = new Workspace();
  private readonly wdhPrev = new Workspace();
  private readonly wdcPrev = new Workspace();
  /** W_hh and W_ih in the per-step products (h·W_hhᵀ, dgh·W_hh; x_t·W_ihᵀ, dgi_t·W_ih). */
  private readonly hh: StepWeights;
  private readonly ih: StepWeights;
  GI!: F32;
  GH!: F32;
  gates!: F32;
  HPrev!: F32;
  HOut!: F32;
  CPrev!: F32;
  COut!: F32;
  tanhC!: F32;
  dGI!: F32;
  dGH!: F32;
  /** The initial state, B×H in rank order. */
  private h0!: F32;
  private c0!: F32;

  constructor(cell: RecurrentCell, reverse = false) {
    this.cell = cell;
    this.reverse = reverse;
    this.hh = new StepWeights(cell.weightHh);
    this.ih = new StepWeights(cell.weightIh);
  }

  /** Prepares the buffers for the steps of a packed batch; the initial state is zero until setInitial. */
  begin(steps: PackedSteps): void {
    const { gateSize: G, hiddenSize: H, kind } = this.cell;
    const N = steps.rows;
    this.steps = steps;
    this.hh.begin(steps.steps);
    this.ih.begin(steps.steps);
    this.GI = this.wGI.get(N * G);
    this.dGI = this.wdGI.get(N * G);
    this.HPrev = this.wHPrev.get(N * H);
    this.HOut = this.wHOut.get(N * H);
    this.h0 = this.wH0.zeros(steps.batch * H);
    if (kind === 'gru') {
      this.GH = this.wGH.get(N * G);
      this.dGH = this.wdGH.get(N * G);
    }
    if (kind !== 'rnn') this.gates = this.wGates.get(N * G);
    if (kind === 'lstm') {
      this.CPrev = this.wCPrev.get(N * H);
      this.COut = this.wCOut.get(N * H);
      this.tanhC = this.wTanhC.get(N * H);
      this.c0 = this.wC0.zeros(steps.batch * H);
    }
    this.loadPrevious(this.firstStep());
  }

  /** Sets the initial state h0 (and c0), B×H in rank order (zeros when null). */
  setInitial(h0: F32 | null, c0: F32 | null): void {
    if (h0) this.h0.set(h0);
    else this.h0.fill(0);
    if (this.cell.kind === 'lstm') {
      if (c0) this.c0.set(c0);
      else this.c0.fill(0);
    }
    this.loadPrevious(this.firstStep());
  }

  /** Remembers the packed input [Σn × I] of all steps (for the batched weight gradient). */
  setInput(X: F32): void {
    this.X = X;
  }

  /** Rows computed at step t (the sequences still running). */
  count(t: number): number {
    return this.steps.count[t];
  }

  /** GI = X W_ihᵀ + b_ih (+ b_hh for RNN/LSTM, whose gates take the sum) for all Σn rows at once. */
  projectAll(X: F32): void {
    const k = getBackend();
    const c = this.cell;
    const G = c.gateSize;
    const N = this.steps.rows;
    this.X = X;
    k.gemm(false, true, N, G, c.inputSize, 1, X, c.weightIh.value, 0, this.GI);
    k.addRowVector(N, G, this.GI, c.biasIh.value);
    if (c.kind !== 'gru') k.addRowVector(N, G, this.GI, c.biasHh.value);
  }

  /** h·W_hhᵀ (n×G) into out, overwritten (beta = 0) or accumulated (beta = 1). */
  private hiddenProduct(n: number, hPrev: F32, beta: number, out: F32): void {
    this.hh.timesTransposed(n, hPrev, beta, out);
  }

  /** dgh · W_hh (n × H) into out, overwritten (beta = 0) or accumulated (beta = 1): BPTT's per-step product. */
  private hiddenGradProduct(n: number, dgh: F32, beta: number, out: F32): void {
    this.hh.times(n, dgh, beta, out);
  }

  /** The input projection of one step t, from x_t (n_t × I). */
  projectStep(t: number, x: F32): void {
    const k = getBackend();
    const c = this.cell;
    const n = this.count(t);
    if (n === 0) return;
    const gi = this.steps.at(this.GI, t, c.gateSize);
    this.ih.timesTransposed(n, x, 0, gi);
    k.addRowVector(n, c.gateSize, gi, c.biasIh.value);
    if (c.kind !== 'gru') k.addRowVector(n, c.gateSize, gi, c.biasHh.value);
  }

  /** h_t (n_t × H) after step t. */
  h(t: number): F32 {
    return this.steps.at(this.HOut, t, this.cell.hiddenSize);
  }
  c(t: number): F32 {
    return this.steps.at(this.COut, t, this.cell.hiddenSize);
  }
  /** The state before step t (n_t × H). */
  hPrev(t: number): F32 {
    return this.steps.at(this.HPrev, t, this.cell.hiddenSize);
  }
  /** All outputs h_0 … h_{T−1}, packed [Σn × H]. */
  outputs(): F32 {
    return this.HOut;
  }

  /** The step processed first (0 forward, T − 1 reverse), −1 without steps. */
  private firstStep(): number {
    return this.steps.steps === 0 ? -1 : this.reverse ? this.steps.steps - 1 : 0;
  }

  /** The step processed right after t (t + 1 forward, t − 1 reverse), or −1 when t is the last. */
  private nextStep(t: number): number {
    const next = this.reverse ? t - 1 : t + 1;
    return next >= 0 && next < this.steps.steps ? next : -1;
  }

  /** The step processed right before t, or −1 when t is the first. */
  private previousStep(t: number): number {
    const before = this.reverse ? t + 1 : t - 1;
    return before >= 0 && before < this.steps.steps ? before : -1;
  }

  /**
   * Each row's state after its last step, B×H in rank order (a row of length 0 keeps h0): step t's
   * rows from m on end there, m = the rows of the step processed next.
   */
  finalH(): F32 {
    const { steps } = this;
    const H = this.cell.hiddenSize;
    const out = this.wFinalH.get(steps.batch * H);
    out.set(this.h0);
    for (let t = 0; t < steps.steps; t++) {
      const n = this.count(t);
      const next = this.nextStep(t);
      const m = next < 0 ? 0 : Math.min(n, this.count(next));
      out.set(rows(this.h(t), m, n - m, H), m * H);
    }
    return out;
  }

  /**
   * HPrev_t (and CPrev_t) ← each row's state before step t: the output of the step processed
   * before t for the rows both run (its first m), the initial state for the others (in the reverse
   * direction, the rows whose sequence ends at t). Done as soon as that step is, so that hPrev(t)
   * is ready before step t runs (the decoder's Bahdanau attention queries it first).
   */
  private loadPrevious(t: number): void {
    if (t < 0) return;
    const H = this.cell.hiddenSize;
    const n = this.count(t);
    const before = this.previousStep(t);
    const m = before < 0 ? 0 : Math.min(n, this.count(before));
    const load = (init: F32, prev: F32, after: F32) => {
      const dst = this.steps.at(prev, t, H);
      if (m > 0) dst.set(rows(this.steps.at(after, before, H), 0, m, H));
      if (m < n) dst.set(rows(init, m, n - m, H), m * H);
    };
    load(this.h0, this.HPrev, this.HOut);
    if (this.cell.kind === 'lstm') load(this.c0, this.CPrev, this.COut);
  }

  /** One step at time t (after projectAll/projectStep): the cell formulas above over its n_t rows. */
  step(t: number): void {
    this.cellStep(t);
    this.loadPrevious(this.nextStep(t));
  }

  private cellStep(t: number): void {
    const k = getBackend();
    const c = this.cell;
    const H = c.hiddenSize;
    const G = c.gateSize;
    const n = this.count(t);
    if (n === 0) return;
    const hPrev = this.hPrev(t);
    const hOut = this.h(t);
    const gi = this.steps.at(this.GI, t, G);
    if (c.kind === 'rnn') {
      // a = gi + W_hh h (b_ih + b_hh already in gi); h' = tanh(a)
      this.hiddenProduct(n, hPrev, 1, gi);
      k.tanh(gi, hOut);
    } else if (c.kind === 'gru') {
      const gh = this.steps.at(this.GH, t, G);
      this.hiddenProduct(n, hPrev, 0, gh);
      k.gruForward(n, H, gi, gh, hPrev, hOut, this.steps.at(this.gates, t, G), c.biasHh.value); // gh += b_hh first
    } else {
      this.hiddenProduct(n, hPrev, 1, gi);
      const cPrev = this.steps.at(this.CPrev, t, H);
      const gates = this.steps.at(this.gates, t, G);
      k.lstmForward(n, H, gi, cPrev, hOut, this.c(t), gates, this.steps.at(this.tanhC, t, H));
    }
  }

  /** Runs every step in processing order (0 … T−1 forward, T−1 … 0 reverse). */
  run(): void {
    if (this.reverse) for (let t = this.steps.steps - 1; t >= 0; t--) this.step(t);
    else for (let t = 0; t < this.steps.steps; t++) this.step(t);
  }

  /**
   * BPTT through step t. On entry rows [0, n_t) of dh (B×H) hold ∂L/∂h_t (everything reaching h_t)
   * and, for the LSTM, of dc ∂L/∂c_t from the step after; on return they hold ∂L/∂h_{t−1} and
   * ∂L/∂c_{t−1}. The other rows are left as they are: a row that does not run at step t carries its
   * gradient to the step where it does (its last one, or its initial state).
   * Writes ∂L/∂gi_t into dGI (and ∂L/∂gh_t into dGH for the GRU).
   *   RNN:  da = dh ⊙ (1 − h'²);                         dh_{t−1} = da W_hh
   *   GRU:  (dgi, dgh) = gruBackward(dh);                dh_{t−1} = z ⊙ dh + dgh W_hh
   *   LSTM: (dg, dc_{t−1}) = lstmBackward(dh, dc);       dh_{t−1} = dg W_hh
   */
  backwardStep(t: number, dh: F32, dc: F32 | null): void {
    const k = getBackend();
    const c = this.cell;
    const H = c.hiddenSize;
    const G = c.gateSize;
    const n = this.count(t);
    if (n === 0) return;
    const dhN = rows(dh, 0, n, H);
    const dgi = this.steps.at(this.dGI, t, G);
    if (c.kind === 'rnn') {
      k.tanhBackward(this.h(t), dhN, dgi, false);
      this.hiddenGradProduct(n, dgi, 0, dhN);
    } else if (c.kind === 'gru') {
      const dgh = this.steps.at(this.dGH, t, G);
      const dhPrev = this.wdhPrev.zeros(n * H);
      const gh = this.steps.at(this.GH, t, G);
      k.gruBackward(n, H, this.steps.at(this.gates, t, G), gh, this.hPrev(t), dhN, dgi, dgh, dhPrev);
      this.hiddenGradProduct(n, dgh, 1, dhPrev);
      dhN.set(dhPrev);
    } else {
      if (!dc) throw new Error('CellRun.backwardStep: the LSTM needs dc');
      const dcN = rows(dc, 0, n, H);
      const dcPrev = this.wdcPrev.get(n * H);
      const gates = this.steps.at(this.gates, t, G);
      const cPrev = this.steps.at(this.CPrev, t, H);
      k.lstmBackward(n, H, gates, this.steps.at(this.tanhC, t, H), cPrev, dhN, dcN, dgi, dcPrev);
      this.hiddenGradProduct(n, dgi, 0, dhN);
      dcN.set(dcPrev);
    }
  }

  /** BPTT over every step in reverse processing order; dOut is packed [Σn × H] (∂L/∂h_t from above) or null. */
  backwardAll(dOut: F32 | null, dh: F32, dc: F32 | null): void {
    const k = getBackend();
    const H = this.cell.hiddenSize;
    const visit = (t: number) => {
      if (dOut) k.axpy(1, this.steps.at(dOut, t, H), rows(dh, 0, this.count(t), H));
      this.backwardStep(t, dh, dc);
    };
    if (this.reverse) for (let t = 0; t < this.steps.steps; t++) visit(t);
    else for (let t = this.steps.steps - 1; t >= 0; t--) visit(t);
  }

  /**
   * After all backward steps, one GEMM each over the Σn rows:
   * dW_ih += dGIᵀ X, dW_hh += dGHᵀ H_prev, db_ih += Σ dGI, db_hh += Σ dGH (dGH = dGI but for the GRU).
   */
  backwardWeights(): void {
    const k = getBackend();
    const c = this.cell;
    if (!this.X) throw new Error('CellRun.backwardWeights: no input recorded (setInput/projectAll)');
    const G = c.gateSize;
    const N = this.steps.rows;
    const dGH = c.kind === 'gru' ? this.dGH : this.dGI;
    k.gemm(true, false, G, c.inputSize, N, 1, this.dGI, this.X, 1, c.weightIh.grad);
    k.gemm(true, false, G, c.hiddenSize, N, 1, dGH, this.HPrev, 1, c.weightHh.grad);
    k.sumRowsInto(N, G, this.dGI, c.biasIh.grad);
    k.sumRowsInto(N, G, dGH, c.biasHh.grad);
  }

  /** dX = dGI W_ih for all steps (packed [Σn × I]; accumulated into dX when accumulate). */
  inputGradAll(dX: F32, accumulate: boolean): void {
    const c = this.cell;
    const N = this.steps.rows;
    getBackend().gemm(false, false, N, c.inputSize, c.gateSize, 1, this.dGI, c.weightIh.value, accumulate ? 1 : 0, dX);
  }

  /** dx_t = dgi_t W_ih for one step (n_t × I; accumulated into dx when accumulate). */
  inputGradStep(t: number, dx: F32, accumulate: boolean): void {
    const c = this.cell;
    const n = this.count(t);
    if (n === 0) return;
    this.ih.times(n, this.steps.at(this.dGI, t, c.gateSize), accumulate ? 1 : 0, dx);
  }
}
