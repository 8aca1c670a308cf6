/**
 * The encoder at inference: what an EncoderPass (./encoder.ts) computes without dropout — the same formulas with
 * the same kernels in the same order, so the memory and final states are the same to the bit — for decoding:
 * - W_ih and W_hh are packed once per load (`prepare`), where a training pass packs them again on every pass
 *   (its weights change);
 * - the recurrent products of a few rows (one sentence) are split over the threads by the size of W_hh
 *   (`gemmFewRows`, the same bits), as their time is the reading of W_hh;
 * - no caches for a backward.
 * Per layer and direction, over the source packed by length (../nn/packed-steps.ts; the reverse direction runs
 * t = T − 1 … 0, a sentence's state starting at its own last token):
 *   GI = X W_ihᵀ + b_ih (+ b_hh for RNN/LSTM);  h_t = cell(GI_t, h_{t−1})  (../nn/recurrent-cell.ts)
 *   output_t = [h^fwd_t; h^bwd_t], the next layer's input;  final = [h^fwd_last; h^bwd_first] of the top layer
 */
import { Workspace, copyCols, rows } from '../nn/alloc.js';
import { PackedSteps } from '../nn/packed-steps.js';
import type { RecurrentCell } from '../nn/recurrent-cell.js';
import type { F32 } from '../tensor/backend.js';
import { getBackend } from '../tensor/index.js';
import { StepMatrix } from './step-matrix.js';
import type { Encoder } from './encoder.js';

/** One cell of the stack: its input and recurrent weights, packed once by `prepare`. */
interface CellWeights {
  cell: RecurrentCell;
  input: StepMatrix;
  recurrent: StepMatrix;
}

export class InferenceEncoder {
  private readonly cells: CellWeights[][];
  /** The source of the last forward, packed by length. */
  steps!: PackedSteps;
  private readonly wEmb = new Workspace();
  private readonly wOut: Workspace[];
  private readonly wGI = new Workspace();
  private readonly wGH = new Workspace();
  private readonly wGates = new Workspace();
  private readonly wTanhC = new Workspace();
  private readonly wH = new Workspace();
  private readonly wC = new Workspace();
  private readonly wPrevH = new Workspace();
  private readonly wPrevC = new Workspace();
  private readonly wZeros = new Workspace();
  private readonly wFinal = new Workspace();
  private readonly wFinalDir = new Workspace();
  private readonly wFinalBatch = new Workspace();

  constructor(readonly enc: Encoder) {
    this.cells = enc.rnn.cells.map((layer) =>
      layer.map((cell) => ({
        cell,
        input: new StepMatrix(cell.weightIh.value, cell.gateSize, cell.inputSize),
        recurrent: new StepMatrix(cell.weightHh.value, cell.gateSize, cell.hiddenSize),
      })),
    );
    this.wOut = enc.rnn.cells.map(() => new Workspace());
  }

  /** Packs every W_ih and W_hh once. */
  prepare(): void {
    for (const layer of this.cells)
      for (const c of layer) {
        c.input.pack();
        c.recurrent.pack();
      }
  }

  /**
   * The top layer's outputs over the sources src [S×B], packed [Σn × C] (this encoder's buffer; `steps` is
   * their packing), and the final states [B×C] in batch order.
   */
  forward(src: Int32Array, srcLengths: Int32Array, B: number, S: number): { outputs: F32; final: F32 } {
    // a packed W_ih or W_hh that changed since is packed again (StepMatrix.refresh)
    for (const layer of this.cells)
      for (const c of layer) {
        c.input.refresh();
        c.recurrent.refresh();
      }
    const rnn = this.enc.rnn;
    const E = this.enc.embedding.dim;
    const steps = PackedSteps.ofLengths(srcLengths, S);
    this.steps = steps;
    const N = steps.rows;
    const emb = this.wEmb.get(N * E);
    this.enc.embedding.forward(steps.pack(src, 1, new Int32Array(N)), emb);
    const H = rnn.hiddenSize;
    const DH = rnn.outputSize;
    const finalRanked = this.wFinal.get(B * DH);
    let input = emb;
    for (let l = 0; l < rnn.numLayers; l++) {
      const out = this.wOut[l].get(N * DH);
      this.cells[l].forEach((c, d) => {
        const h = this.direction(c, d === 1, input, steps);
        if (rnn.directions === 1) out.set(h);
        else copyCols(N, H, h, DH, d * H, out);
        if (l === rnn.numLayers - 1) copyCols(B, H, this.finalH(h, d === 1, steps, H), DH, d * H, finalRanked);
      });
      input = out;
    }
    const final = steps.toBatch(finalRanked, DH, this.wFinalBatch.get(B * DH));
    return { outputs: input, final };
  }

  /** One direction of one layer over every step: its outputs h_t, packed [Σn × H] (a workspace). */
  private direction(c: CellWeights, reverse: boolean, X: F32, steps: PackedSteps): F32 {
    const k = getBackend();
    const { cell } = c;
    const G = cell.gateSize;
    const H = cell.hiddenSize;
    const N = steps.rows;
    const T = steps.steps;
    const lstm = cell.kind === 'lstm';
    // GI = X W_ihᵀ + b_ih (+ b_hh)
    const GI = this.wGI.get(N * G);
    c.input.product(N, X, 0, GI);
    k.addRowVector(N, G, GI, cell.biasIh.value);
    if (cell.kind !== 'gru') k.addRowVector(N, G, GI, cell.biasHh.value);
    const hOut = this.wH.get(N * H);
    const cOut = lstm ? this.wC.get(N * H) : null;
    const zeros = this.wZeros.zeros(steps.batch * H);
    for (let i = 0; i < T; i++) {
      const t = reverse ? T - 1 - i : i;
      const n = steps.count[t];
      if (n === 0) continue;
      // each row's state before step t: the step processed before t for the rows both run, zeros for the others
      const before = reverse ? t + 1 : t - 1;
      const m = before < 0 || before >= T ? 0 : Math.min(n, steps.count[before]);
      const hPrev = this.previous(this.wPrevH, steps, hOut, before, m, n, H, zeros);
      const cPrev = lstm ? this.previous(this.wPrevC, steps, cOut!, before, m, n, H, zeros) : null;
      const gi = steps.at(GI, t, G);
      const h = steps.at(hOut, t, H);
      // h W_hhᵀ: W_hh packed once (prepared), else read in place; the bits of gemm(false, true, …), as CellRun's
      const hidden = (beta: number, y: F32) => c.recurrent.product(n, hPrev, beta, y);
      if (cell.kind === 'rnn') {
        hidden(1, gi);
        k.tanh(gi, h);
      } else if (cell.kind === 'gru') {
        const gh = this.wGH.get(n * G);
        hidden(0, gh);
        k.gruForward(n, H, gi, gh, hPrev, h, this.wGates.get(n * G), cell.biasHh.value); // gh += b_hh first
      } else {
        hidden(1, gi);
        const cNew = steps.at(cOut!, t, H);
        k.lstmForward(n, H, gi, cPrev!, h, cNew, this.wGates.get(n * G), this.wTanhC.get(n * H));
      }
    }
    return hOut;
  }

  /**
   * Rows 0 … n − 1 of the state before step t: the first m rows of step `before`'s outputs, zeros for the rest
   * (a view into `out` when every row comes from step `before`, else copied into the workspace).
   */
  private previous(
    w: Workspace,
    steps: PackedSteps,
    out: F32,
    before: number,
    m: number,
    n: number,
    H: number,
    zeros: F32,
  ): F32 {
    if (m === n) return rows(steps.at(out, before, H), 0, n, H);
    if (m === 0) return rows(zeros, 0, n, H);
    const prev = w.get(n * H);
    if (m > 0) prev.set(rows(steps.at(out, before, H), 0, m, H));
    prev.set(rows(zeros, m, n - m, H), m * H);
    return prev;
  }

  /** Each row's state after its last step (rank order, B×H): step t's rows from m on end there. */
  private finalH(h: F32, reverse: boolean, steps: PackedSteps, H: number): F32 {
    const out = this.wFinalDir.zeros(steps.batch * H);
    for (let t = 0; t < steps.steps; t++) {
      const n = steps.count[t];
      const next = reverse ? t - 1 : t + 1;
      const m = next < 0 || next >= steps.steps ? 0 : Math.min(n, steps.count[next]);
      out.set(rows(steps.at(h, t, H), m, n - m, H), m * H);
    }
    return out;
  }
}
