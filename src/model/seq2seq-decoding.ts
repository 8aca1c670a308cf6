/**
 * Decoding with Seq2Seq (./seq2seq.ts), both ways over the same step (./decoder-step.ts):
 * - the step API's state, Seq2SeqState: a value — step and select return new states and never change one, so
 *   a state can be stepped twice (forced decoding, tests, the interactive UI);
 * - the searches' session, Seq2SeqSession: the rows' states in buffers reused from step to step, the
 *   log-probabilities and attention weights in the session's buffers, so a step allocates nothing.
 * Either way the B0 sentences' encoder memory is made once (EncodedSources) and every row reads it through its
 * sentence index, so select copies the rows' recurrent states only.
 */
import { Workspace, alloc } from '../nn/alloc.js';
import type { F32 } from '../tensor/backend.js';
import { getBackend } from '../tensor/index.js';
import type { DecoderStep, EncodedSources, RowStates } from './decoder-step.js';
import type { OutputLayer } from './output-layer.js';
import type { DecoderState, DecodingSession, SessionStep, StepResult } from './types.js';

/** What a step needs besides the state: the step itself, the exact output layer and the model's sizes. */
export interface StepContext {
  readonly step: DecoderStep;
  /** The fp32 full-vocabulary output layer (the step API's, and sessions' by default). */
  readonly output: OutputLayer;
  readonly vocab: number;
  readonly hasAttention: boolean;
  /** Throws an InputError naming `what` when an id is outside the target vocabulary. */
  checkIds(ids: Int32Array, what: string): void;
}

/** A fresh RowStates of n rows. */
function newRows(step: DecoderStep, n: number): RowStates {
  const cfg = step.dec.config;
  const H = cfg.hiddenSize;
  return {
    h: step.dec.cells.map(() => alloc(n * H)),
    c: step.dec.cells.map(() => (cfg.cell === 'lstm' ? alloc(n * H) : null)),
    oPrev: cfg.inputFeeding ? alloc(n * step.dec.sizes.preOutput) : null,
  };
}

/** Every entry of rows must name a row of a state of B rows. */
function checkRows(rows: Int32Array, B: number): void {
  for (const r of rows) if (!(r >= 0 && r < B)) throw new Error(`DecoderState.select: row ${r} outside 0..${B - 1}`);
}

/** to (rows.length rows) ← rows `rows` of from, per tensor (gatherRows copies: the same bits). */
function gatherStates(from: RowStates, rows: Int32Array, to: RowStates, H: number, Po: number): void {
  const k = getBackend();
  from.h.forEach((h, l) => k.gatherRows(rows, H, h, to.h[l]));
  from.c.forEach((c, l) => c && k.gatherRows(rows, H, c, to.c[l]!));
  if (from.oPrev) k.gatherRows(rows, Po, from.oPrev, to.oPrev!);
}

/** The step API's decoder state: per-layer h (and c), o_{t−1}, each row's sentence; immutable. */
export class Seq2SeqState implements DecoderState {
  constructor(
    readonly batchSize: number,
    readonly sources: EncodedSources,
    /** Which source sentence (of startDecoding's batch) each row decodes. */
    readonly srcOf: Int32Array,
    readonly rows: RowStates,
    private readonly ctx: StepContext,
  ) {}

  /** The encoder memory of the batch's sentences [S×B0×C] (shared by every state of the batch), or null. */
  get memory(): F32 | null {
    return this.sources.memory;
  }

  select(rowsSel: Int32Array): Seq2SeqState {
    checkRows(rowsSel, this.batchSize);
    const n = rowsSel.length;
    const rows = newRows(this.ctx.step, n);
    const { config, sizes } = this.ctx.step.dec;
    gatherStates(this.rows, rowsSel, rows, config.hiddenSize, sizes.preOutput);
    const srcOf = Int32Array.from(rowsSel, (r) => this.srcOf[r]);
    return new Seq2SeqState(n, this.sources, srcOf, rows, this.ctx);
  }

  /** One step of every row: fresh log-probabilities and attention, and the next state. */
  step(prev: Int32Array): StepResult {
    const n = this.batchSize;
    if (prev.length !== n) throw new Error(`step: ${prev.length} previous tokens for ${n} rows`);
    this.ctx.checkIds(prev, 'previous target');
    const next = newRows(this.ctx.step, n);
    const alpha = alloc(this.ctx.hasAttention ? n * this.sources.srcLen : 0);
    const logits = this.ctx.step.forward(n, this.sources, this.srcOf, prev, this.rows, next, alpha, this.ctx.output);
    const logProbs = alloc(n * this.ctx.vocab);
    getBackend().logSoftmax(n, this.ctx.vocab, logits, logProbs);
    const state = new Seq2SeqState(n, this.sources, this.srcOf, next, this.ctx);
    return { logProbs, attention: this.ctx.hasAttention ? alpha : null, state };
  }
}

/** A RowStates whose buffers grow to the rows asked for (their contents are lost when they grow). */
class RowBuffers {
  private readonly h: Workspace[];
  private readonly c: Workspace[] | null;
  private readonly o: Workspace | null;

  constructor(
    layers: number,
    lstm: boolean,
    feeding: boolean,
    private readonly H: number,
    private readonly Po: number,
  ) {
    this.h = Array.from({ length: layers }, () => new Workspace());
    this.c = lstm ? Array.from({ length: layers }, () => new Workspace()) : null;
    this.o = feeding ? new Workspace() : null;
  }

  view(n: number): RowStates {
    return {
      h: this.h.map((w) => w.get(n * this.H)),
      c: this.c ? this.c.map((w) => w.get(n * this.H)) : this.h.map(() => null),
      oPrev: this.o ? this.o.get(n * this.Po) : null,
    };
  }
}

/** In-place decoding of the rows of one batch (see the file comment), through the output layer `output`. */
export class Seq2SeqSession implements DecodingSession {
  rows: number;
  readonly columns: Int32Array | null;
  private cur: RowBuffers;
  private next: RowBuffers;
  private srcOf: Int32Array;
  private nextSrcOf: Int32Array;
  private readonly wLogProbs = new Workspace();
  private readonly wAlpha = new Workspace();

  constructor(
    private readonly sources: EncodedSources,
    init: RowStates,
    private readonly ctx: StepContext,
    private readonly output: OutputLayer,
  ) {
    this.columns = output.columns;
    const { config, sizes } = ctx.step.dec;
    const B = sources.batch;
    const lstm = config.cell === 'lstm';
    const make = () =>
      new RowBuffers(config.decoderLayers, lstm, config.inputFeeding, config.hiddenSize, sizes.preOutput);
    this.cur = make();
    this.next = make();
    const rows = this.cur.view(B);
    init.h.forEach((h, l) => rows.h[l].set(h));
    init.c.forEach((c, l) => c && rows.c[l]!.set(c));
    if (init.oPrev) rows.oPrev!.set(init.oPrev);
    this.rows = B;
    this.srcOf = Int32Array.from({ length: B }, (_, i) => i);
    this.nextSrcOf = new Int32Array(B);
  }

  step(prev: Int32Array): SessionStep {
    const n = this.rows;
    if (prev.length !== n) throw new Error(`step: ${prev.length} previous tokens for ${n} rows`);
    this.ctx.checkIds(prev, 'previous target');
    const S = this.sources.srcLen;
    const alpha = this.wAlpha.get(this.ctx.hasAttention ? n * S : 0);
    const srcOf = n === this.srcOf.length ? this.srcOf : this.srcOf.subarray(0, n);
    const { cur, next, output } = this;
    const logits = this.ctx.step.forward(n, this.sources, srcOf, prev, cur.view(n), next.view(n), alpha, output);
    [this.cur, this.next] = [next, cur];
    const logProbs = this.wLogProbs.get(n * output.width);
    getBackend().logSoftmax(n, output.width, logits, logProbs);
    return { logProbs, attention: this.ctx.hasAttention ? alpha : null };
  }

  select(rows: Int32Array): void {
    checkRows(rows, this.rows);
    const n = rows.length;
    const { config, sizes } = this.ctx.step.dec;
    gatherStates(this.cur.view(this.rows), rows, this.next.view(n), config.hiddenSize, sizes.preOutput);
    [this.cur, this.next] = [this.next, this.cur];
    if (this.nextSrcOf.length < n) this.nextSrcOf = new Int32Array(Math.max(n, 2 * this.nextSrcOf.length));
    for (let i = 0; i < n; i++) this.nextSrcOf[i] = this.srcOf[rows[i]];
    [this.srcOf, this.nextSrcOf] = [this.nextSrcOf, this.srcOf];
    this.rows = n;
  }
}
