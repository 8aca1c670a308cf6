/**
 * Checkpoint ensembles for decoding (as Marian's `--models a b` and OpenNMT-py's `-model a b`):
 * N ≥ 1 member models with the same source and target vocabularies decode together; every step
 * each member advances its own state on the same previous tokens, and the ensemble's next-token
 * distribution is the mean of the members' distributions (a mixture, not a product of experts).
 * An ensemble only decodes: it has no loss (teacher forcing through the mixture is done with
 * forced decoding over the step API, src/eval/model-scores.ts) and no parameters of its own.
 */
import type { Batch } from '../data/batch.js';
import type { Param } from '../nn/param.js';
import { getBackend } from '../tensor/index.js';
import { startDecodingSession } from './decoding-session.js';
import type {
  DecoderState,
  DecodingOptions,
  DecodingSession,
  LossOptions,
  LossResult,
  Seq2SeqModel,
  SessionStep,
  StepResult,
} from './types.js';

/** The members' states, one per member, all for the same B rows. */
export class EnsembleState implements DecoderState {
  constructor(readonly members: readonly DecoderState[]) {}

  get batchSize(): number {
    return this.members[0].batchSize;
  }

  /** Row i of the result is row rows[i] of every member's state. */
  select(rows: Int32Array): EnsembleState {
    return new EnsembleState(this.members.map((s) => s.select(rows)));
  }
}

/** The members' sessions over the same rows; the mixture and mean attention in buffers reused step to step. */
class EnsembleSession implements DecodingSession {
  private logProbs = new Float32Array(0);
  private attention = new Float32Array(0);

  constructor(
    private readonly ensemble: EnsembleModel,
    private readonly members: readonly DecodingSession[],
  ) {}

  get rows(): number {
    return this.members[0].rows;
  }

  get columns(): Int32Array | null {
    return this.members[0].columns;
  }

  step(prev: Int32Array): SessionStep {
    const results = this.members.map((m) => m.step(prev));
    if (results.length === 1) return results[0];
    const n = results[0].logProbs.length;
    if (this.logProbs.length < n) this.logProbs = new Float32Array(n);
    const logProbs = this.logProbs.subarray(0, n);
    this.ensemble.mixture(
      results.map((r) => r.logProbs),
      n,
      logProbs,
    );
    let attention: Float32Array | null = null;
    if (results.every((r) => r.attention !== null)) {
      const a = results[0].attention!.length;
      if (this.attention.length < a) this.attention = new Float32Array(a);
      attention = this.attention.subarray(0, a);
      meanOf(
        results.map((r) => r.attention!),
        attention,
      );
    }
    return { logProbs, attention };
  }

  select(rows: Int32Array): void {
    for (const m of this.members) m.select(rows);
  }
}

/** out[k] = the mean of rows[i][k] over the members i. */
function meanOf(rows: Float32Array[], out: Float32Array): void {
  const N = rows.length;
  for (let k = 0; k < out.length; k++) {
    let s = 0;
    for (let i = 0; i < N; i++) s += rows[i][k];
    out[k] = s / N;
  }
}

export class EnsembleModel implements Seq2SeqModel {
  readonly srcVocabSize: number;
  readonly tgtVocabSize: number;
  readonly hasAttention: boolean;
  /**
   * Empty: the ensemble owns no trainable tensor, and it is never trained or saved (loss throws).
   * The members' parameters stay with the members (listing them here would repeat their names).
   */
  readonly params: Param[] = [];

  constructor(readonly members: readonly Seq2SeqModel[]) {
    if (members.length === 0) throw new RangeError('an ensemble needs at least one model');
    this.srcVocabSize = members[0].srcVocabSize;
    this.tgtVocabSize = members[0].tgtVocabSize;
    members.forEach((m, i) => {
      if (m.srcVocabSize !== this.srcVocabSize || m.tgtVocabSize !== this.tgtVocabSize) {
        throw new RangeError(
          `ensemble member ${i + 1} has vocabularies ${m.srcVocabSize} → ${m.tgtVocabSize}, member 1 has ` +
            `${this.srcVocabSize} → ${this.tgtVocabSize}`,
        );
      }
    });
    this.hasAttention = members.every((m) => m.hasAttention);
  }

  get size(): number {
    return this.members.length;
  }

  loss(_batch: Batch, _opts?: LossOptions): LossResult {
    throw new Error(
      'an ensemble of models only decodes: it has no training loss (score references with forced decoding through ' +
        'step())',
    );
  }

  /** Every member encodes the same sources. */
  startDecoding(src: Int32Array, srcLengths: Int32Array, batchSize: number, srcLen: number): EnsembleState {
    return new EnsembleState(this.members.map((m) => m.startDecoding(src, srcLengths, batchSize, srcLen)));
  }

  /** Every member decodes in place the same sources (over the same columns: the options are the same). */
  startSession(src: Int32Array, srcLengths: Int32Array, batchSize: number, srcLen: number): DecodingSession {
    const members = this.members.map((m) => startDecodingSession(m, src, srcLengths, batchSize, srcLen));
    const cols = members.map((m) => (m.columns ? Array.from(m.columns).join() : null));
    if (cols.some((c) => c !== cols[0])) throw new Error('ensemble members decode over different shortlists');
    return new EnsembleSession(this, members);
  }

  /** Every member, with the same options. */
  prepareForDecoding(options?: DecodingOptions): void {
    for (const m of this.members) m.prepareForDecoding?.(options);
  }

  /** Scratch for the mixture: members stacked [N×c], transposed [c×N], their log-softmax [c×N]. */
  private scratch = { stacked: new Float32Array(0), x: new Float32Array(0), y: new Float32Array(0) };

  /**
   * Mixture of the members' next-token distributions, per row b and token v:
   *   log p(v) = log( (1/N) Σ_i exp(log p_i(v)) )
   *            = m + log Σ_i exp(log p_i(v) − m) − log N,   m = max_i log p_i(v)
   * (the max shift keeps the exponentials in [0, 1]; m = −∞ only when every member gives −∞).
   * The log-sum-exp runs on the backend's (max-shifted) logSoftmax: the N values of each (b, v) are
   * transposed into a row x of N, and LSE(x) = x_j − logSoftmax(x)_j at j = argmax x (the term
   * logSoftmax(x)_j ∈ [−log N, 0] is small, so float32 loses nothing beyond the result's rounding).
   * Stored as float32 [B×V]. Attention [B×S]: the mean of the members' rows (null when a member
   * has none). With N = 1 the member's step result is returned unchanged.
   */
  step(stateIn: DecoderState, prev: Int32Array): StepResult {
    const state = stateIn as EnsembleState;
    const N = this.members.length;
    if (!(state instanceof EnsembleState) || state.members.length !== N)
      throw new Error(`step: expected the state of an ensemble of ${N} (from its startDecoding)`);
    const results = this.members.map((m, i) => m.step(state.members[i], prev));
    const next = new EnsembleState(results.map((r) => r.state));
    if (N === 1) return { logProbs: results[0].logProbs, attention: results[0].attention, state: next };

    const n = results[0].logProbs.length;
    const lps = results.map((r) => r.logProbs);
    for (const lp of lps)
      if (lp.length !== n) throw new Error(`step: ensemble members returned ${lp.length} and ${n} log-probabilities`);
    const logProbs = new Float32Array(n);
    this.mixture(lps, n, logProbs);

    let attention: Float32Array | null = null;
    if (results.every((r) => r.attention !== null)) {
      const rows = results.map((r) => r.attention!);
      attention = new Float32Array(rows[0].length);
      meanOf(rows, attention);
    }
    return { logProbs, attention, state: next };
  }

  /** out[k] = log((1/N) Σ_i exp(lps[i][k])) for k < n, in chunks of at most CHUNK elements (bounded scratch). */
  mixture(lps: Float32Array[], n: number, out: Float32Array): void {
    const N = lps.length;
    const logN = Math.log(N);
    const backend = getBackend();
    const CHUNK = 1 << 18;
    const size = Math.min(n, CHUNK) * N;
    if (this.scratch.x.length < size)
      this.scratch = { stacked: new Float32Array(size), x: new Float32Array(size), y: new Float32Array(size) };
    const { stacked, x, y } = this.scratch;
    for (let k0 = 0; k0 < n; k0 += CHUNK) {
      const c = Math.min(CHUNK, n - k0);
      for (let i = 0; i < N; i++) stacked.set(lps[i].subarray(k0, k0 + c), i * c);
      backend.transpose(N, c, stacked, x);
      backend.logSoftmax(c, N, x, y);
      for (let t = 0, o = 0; t < c; t++, o += N) {
        let j = o;
        for (let i = o + 1; i < o + N; i++) if (x[i] > x[j]) j = i;
        out[k0 + t] = x[j] === -Infinity ? -Infinity : x[j] - y[j] - logN;
      }
    }
  }
}
