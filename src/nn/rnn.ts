/**
 * A multi-layer, optionally bidirectional recurrent network over a packed batch (./packed-steps.ts;
 * torch.nn.RNN/GRU/LSTM over a PackedSequence): layer k reads the concatenated outputs
 * [h_fwd; h_bwd] of layer k − 1 (with dropout between layers when training), the reverse
 * direction runs from t = T − 1 down to 0, so the reverse direction of a short sentence starts at
 * its own last token.
 *   output_t = [h^fwd_t ; h^bwd_t]  of the top layer,  packed [Σn × D·H]
 *   final    = [h^fwd_last ; h^bwd_0] of the top layer, [B×D·H] (rank order; `last` is each row's own)
 * Backward runs each direction's BPTT (CellRun.backwardAll), top layer first, and sums the two
 * directions' input gradients.
 */
import type { F32 } from '../tensor/backend.js';
import type { Rng } from '../util/rng.js';
import { Workspace, copyCols, rows, takeCols } from './alloc.js';
import { Dropout } from './dropout.js';
import type { PackedSteps } from './packed-steps.js';
import type { Param } from './param.js';
import { type CellKind, CellRun, RecurrentCell } from './recurrent-cell.js';

export class StackedRNN {
  readonly kind: CellKind;
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly directions: number;
  /** cells[layer][direction] */
  readonly cells: RecurrentCell[][];
  readonly dropout: Dropout;

  constructor(
    prefix: string,
    kind: CellKind,
    inputSize: number,
    hiddenSize: number,
    numLayers: number,
    bidirectional: boolean,
    dropout: number,
    rng: Rng | null,
  ) {
    this.kind = kind;
    this.inputSize = inputSize;
    this.hiddenSize = hiddenSize;
    this.numLayers = numLayers;
    this.directions = bidirectional ? 2 : 1;
    this.dropout = new Dropout(dropout);
    this.cells = [];
    for (let l = 0; l < numLayers; l++) {
      const inSize = l === 0 ? inputSize : hiddenSize * this.directions;
      const layer: RecurrentCell[] = [];
      for (let d = 0; d < this.directions; d++) {
        layer.push(new RecurrentCell(prefix, d === 0 ? `l${l}` : `l${l}_reverse`, kind, inSize, hiddenSize, rng));
      }
      this.cells.push(layer);
    }
  }

  get outputSize(): number {
    return this.hiddenSize * this.directions;
  }

  /** PyTorch order: weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0, then _reverse, then l1 … */
  get params(): Param[] {
    return this.cells.flatMap((layer) => layer.flatMap((c) => c.params));
  }
}

/** The caches of one StackedRNN forward pass, kept for its backward. */
export class StackedRun {
  readonly net: StackedRNN;
  readonly runs: CellRun[][];
  private steps!: PackedSteps;
  private useDropout = false;
  private readonly wOut: Workspace[];
  private readonly wDrop: Workspace[];
  private readonly wMask: Workspace[];
  private readonly wdOut: Workspace[];
  private readonly wFinal = new Workspace();
  private readonly wCarry = new Workspace();
  private readonly wDirOut = new Workspace();
  /** layer outputs [Σn×D·H] (before dropout), dropped copies fed to the next layer, dropout masks */
  private outs: F32[] = [];
  private dropped: F32[] = [];
  private masks: F32[] = [];

  constructor(net: StackedRNN) {
    this.net = net;
    this.runs = net.cells.map((layer) => layer.map((c, d) => new CellRun(c, d === 1)));
    const L = net.numLayers;
    const mk = () => Array.from({ length: L }, () => new Workspace());
    this.wOut = mk();
    this.wDrop = mk();
    this.wMask = mk();
    this.wdOut = mk();
  }

  /** Runs all layers over the packed input X [Σn×I]. Returns the top layer's outputs [Σn×D·H]. */
  forward(X: F32, steps: PackedSteps, train: boolean, rng: Rng | null): F32 {
    const net = this.net;
    const H = net.hiddenSize;
    const DH = net.outputSize;
    const N = steps.rows;
    this.steps = steps;
    this.useDropout = train && net.dropout.p > 0 && net.numLayers > 1;
    let input = X;
    for (let l = 0; l < net.numLayers; l++) {
      const out = this.wOut[l].get(N * DH);
      this.outs[l] = out;
      for (let d = 0; d < net.directions; d++) {
        const run = this.runs[l][d];
        run.begin(steps);
        run.projectAll(input);
        run.run();
        if (net.directions === 1) out.set(run.outputs());
        else copyCols(N, H, run.outputs(), DH, d * H, out);
      }
      if (l < net.numLayers - 1) {
        if (this.useDropout) {
          if (!rng) throw new Error('StackedRun.forward: dropout needs an Rng');
          const m = this.wMask[l].get(N * DH);
          net.dropout.sampleMaskPacked(m, steps, DH, rng);
          const dr = this.wDrop[l].get(N * DH);
          net.dropout.forward(out, m, dr);
          this.masks[l] = m;
          this.dropped[l] = dr;
          input = dr;
        } else input = out;
      }
    }
    return this.outs[net.numLayers - 1];
  }

  /** [h^fwd_final ; h^bwd_final] of the top layer, B×D·H in rank order (this run's buffer). */
  finalState(): F32 {
    const net = this.net;
    const H = net.hiddenSize;
    const B = this.steps.batch;
    const out = this.wFinal.get(B * net.outputSize);
    const top = this.runs[net.numLayers - 1];
    for (let d = 0; d < net.directions; d++) copyCols(B, H, top[d].finalH(), net.outputSize, d * H, out);
    return out;
  }

  /**
   * BPTT. dOut: ∂L/∂output [Σn×D·H] (or null); dFinal: ∂L/∂finalState [B×D·H] (or null);
   * dX: receives ∂L/∂X [Σn×I] (overwritten), or null when the input needs no gradient.
   */
  backward(dOut: F32 | null, dFinal: F32 | null, dX: F32 | null): void {
    const net = this.net;
    const N = this.steps.rows;
    const B = this.steps.batch;
    const H = net.hiddenSize;
    const DH = net.outputSize;
    const carry = this.wCarry.get(2 * B * H);
    const dh = rows(carry, 0, B, H);
    const dc = rows(carry, B, B, H);
    let dLayerOut: F32 | null = dOut;
    for (let l = net.numLayers - 1; l >= 0; l--) {
      const dIn = l > 0 ? this.wdOut[l - 1].get(N * DH) : dX;
      for (let d = 0; d < net.directions; d++) {
        const run = this.runs[l][d];
        if (dFinal && l === net.numLayers - 1) takeCols(B, DH, dFinal, d * H, H, dh, false);
        else dh.fill(0);
        dc.fill(0);
        let dOutDir: F32 | null = null;
        if (dLayerOut) {
          if (net.directions === 1) dOutDir = dLayerOut;
          else {
            dOutDir = this.wDirOut.get(N * H);
            takeCols(N, DH, dLayerOut, d * H, H, dOutDir, false);
          }
        }
        run.backwardAll(dOutDir, dh, net.kind === 'lstm' ? dc : null);
        run.backwardWeights();
        if (dIn) run.inputGradAll(dIn, d > 0);
      }
      if (l > 0 && this.useDropout && dIn) net.dropout.backward(dIn, this.masks[l - 1], dIn);
      dLayerOut = dIn;
    }
  }
}
