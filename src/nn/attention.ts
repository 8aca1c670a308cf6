/**
 * Attention over the encoder states M = (m_1 … m_S) of each sentence (time-major [S×B×C]),
 * masked over source padding (positions s ≥ srcLength[b] get weight 0). The queries come from a
 * packed batch (./packed-steps.ts): step t asks for its n_t rows.
 *
 *   Bahdanau (additive):  K = M W_kᵀ (no bias, once per batch);  u_s = tanh(K_s + W_q q + b_q)
 *                         score_s = v · u_s
 *   Luong dot:            score_s = q · m_s                        (query size = C)
 *   Luong general:        K = M W_aᵀ (once per batch);  score_s = q · K_s
 *   α = softmax_s(score) over the real positions;   context c = Σ_s α_s m_s
 *
 * Backward (given dc):  dα_s = dc · m_s;  dscore_s = α_s (dα_s − Σ_s' α_s' dα_s')
 *   (per step: ∂L/∂q needs it)
 *                       dm_s += Σ_t α_ts dc_t  (after the steps, every step's dc at once)
 *   Bahdanau: du_s = dscore_s v ⊙ (1 − u_s²); dv += Σ dscore_s u_s; dK_s += du_s; dq' = Σ_s du_s;
 *             dq += dq' W_q; dW_q += dq'ᵀ q; db_q += dq'
 *   Luong:    dq += Σ_s dscore_s K_s;  dK_s += dscore_s q
 *   keys:     dW_k += dKᵀ M; dM += dK W_k (general/Bahdanau), dM += dK (dot) — once per batch, over
 *             the real source positions only (the memory's own packing).
 * Parameter names follow Joey NMT: attention.key_layer.weight, query_layer.{weight,bias},
 * energy_layer.weight ([1, A]).
 */
import type { F32 } from '../tensor/backend.js';
import { getBackend } from '../tensor/index.js';
import type { Rng } from '../util/rng.js';
import { Workspace, rows } from './alloc.js';
import { initUniform } from './init.js';
import { Linear } from './linear.js';
import type { PackedSteps } from './packed-steps.js';
import { Param } from './param.js';
import { StepWeights } from './step-weights.js';

export type AttentionKind = 'bahdanau' | 'luong-dot' | 'luong-general';

export class Attention {
  readonly kind: AttentionKind;
  readonly memorySize: number;
  readonly querySize: number;
  /** Size of the keys: A (Bahdanau), the query size (general), C (dot). */
  readonly keySize: number;
  readonly keyLayer: Linear | null;
  readonly queryLayer: Linear | null;
  readonly energy: Param | null;

  constructor(
    prefix: string,
    kind: AttentionKind,
    memorySize: number,
    querySize: number,
    attentionSize: number,
    rng: Rng | null,
  ) {
    this.kind = kind;
    this.memorySize = memorySize;
    this.querySize = querySize;
    if (kind === 'bahdanau') {
      this.keySize = attentionSize;
      this.keyLayer = new Linear(`${prefix}.key_layer`, memorySize, attentionSize, rng, false);
      this.queryLayer = new Linear(`${prefix}.query_layer`, querySize, attentionSize, rng, true);
      this.energy = new Param(`${prefix}.energy_layer.weight`, [1, attentionSize]);
      if (rng) initUniform(this.energy, rng, 1 / Math.sqrt(attentionSize));
    } else if (kind === 'luong-general') {
      this.keySize = querySize;
      this.keyLayer = new Linear(`${prefix}.key_layer`, memorySize, querySize, rng, false);
      this.queryLayer = null;
      this.energy = null;
    } else {
      if (querySize !== memorySize) {
        throw new Error(`Attention luong-dot: query size ${querySize} ≠ memory size ${memorySize}`);
      }
      this.keySize = memorySize;
      this.keyLayer = null;
      this.queryLayer = null;
      this.energy = null;
    }
  }

  get params(): Param[] {
    const p: Param[] = [];
    if (this.keyLayer) p.push(...this.keyLayer.params);
    if (this.queryLayer) p.push(...this.queryLayer.params);
    if (this.energy) p.push(this.energy);
    return p;
  }

  /**
   * The keys [S×B×keySize]: K = M W_kᵀ at the real positions (`source`, the memory's packing;
   * one GEMM over its rows: Mp = the packed memory, Kp its keys) and 0 at padding; dot attention:
   * K = M itself (returned as is).
   */
  computeKeys(M: F32, source: PackedSteps, Mp: F32, Kp: F32, out: F32): F32 {
    if (!this.keyLayer) return M;
    source.pack(M, this.memorySize, Mp);
    this.keyLayer.forward(source.rows, Mp, Kp);
    return source.unpack(Kp, this.keySize, out);
  }
}

/** What attention reads: the memory of B sentences, and its keys or how to compute them. */
export interface AttentionMemory {
  /** M [S×B×C], time-major (rows at padded positions are never weighted). */
  M: F32;
  S: number;
  lengths: Int32Array;
  /** The real source positions, packed (the encoder's PackedSteps): keys and their gradients cover these. */
  source: PackedSteps | null;
  /** Keys computed before (the step API), or null to compute them from M over `source`. */
  keys: F32 | null;
}

/**
 * The gradient dOut of an extraContext output over the memory V of width `width` (its share of the score
 * gradient; the share of ∂L/∂V is the caller's).
 */
export interface ExtraContextGrad {
  V: F32;
  width: number;
  dOut: F32;
}

/** The caches of one attention pass over the steps of a packed batch of queries. */
export class AttentionRun {
  readonly att: Attention;
  S = 0;
  private steps!: PackedSteps;
  private memory!: AttentionMemory;
  private keys!: F32;
  /** Attention weights, packed [Σn × S]: step t's rows are the weights of its queries. */
  alphas!: F32;
  /** ∂L/∂M [S×B×C], filled by the backward steps and finishBackward. */
  dMemory!: F32;
  /** The queries, packed [Σn × Hq]. */
  private Q!: F32;
  /** Bahdanau's tanh energies of each step, [T × S×B×A] (rows b < n_t of step t's block). */
  private U!: F32;
  private dK!: F32;
  /** Bahdanau: ∂L/∂(W_q q + b_q), packed [Σn × A]. */
  private dQP!: F32;
  /** Scores of the current step [S×B], their gradient, and the extra context's share of it. */
  private scores!: F32;
  private dscores!: F32;
  private readonly wKeys = new Workspace();
  private readonly wMemoryPacked = new Workspace();
  private readonly wKeysPacked = new Workspace();
  private readonly wAlphas = new Workspace();
  private readonly wQ = new Workspace();
  private readonly wU = new Workspace();
  private readonly wScores = new Workspace();
  private readonly wQueryProj = new Workspace();

  private readonly wExtraAlpha = new Workspace();
  private readonly wdMemory = new Workspace();
  private readonly wdK = new Workspace();
  private readonly wdQP = new Workspace();
  private readonly wdScores = new Workspace();
  private readonly wdKPacked = new Workspace();
  private readonly wdMPacked = new Workspace();
  /** The real memory rows, packed [Σ_s n_s × C] (when this pass computed the keys), for dW_k. */
  private memoryPacked: F32 | null = null;
  /** Rows computed by the last forwardStep. */
  private stepRows = 0;
  /** W_q in the per-step products q·W_qᵀ and dqp·W_q (Bahdanau), or null. */
  private readonly query: StepWeights | null;

  constructor(att: Attention) {
    this.att = att;
    this.query = att.queryLayer ? new StepWeights(att.queryLayer.weight) : null;
  }

  /** The memory (keys computed over its real rows unless given) and the steps of the queries. */
  begin(memory: AttentionMemory, steps: PackedSteps): void {
    const a = this.att;
    const { S } = memory;
    const B = steps.batch;
    this.memory = memory;
    this.steps = steps;
    this.S = S;
    this.memoryPacked = null;
    if (memory.keys) this.keys = memory.keys;
    else {
      if (!memory.source) throw new Error('AttentionRun.begin: no keys and no source packing to compute them');
      const n = memory.source.rows;
      const Mp = this.wMemoryPacked.get(n * a.memorySize);
      const Kp = this.wKeysPacked.get(n * a.keySize);
      this.keys = a.computeKeys(memory.M, memory.source, Mp, Kp, this.wKeys.get(S * B * a.keySize));
      if (a.keyLayer) this.memoryPacked = Mp;
    }
    this.alphas = this.wAlphas.get(steps.rows * S);
    this.Q = this.wQ.get(steps.rows * a.querySize);
    if (a.kind === 'bahdanau') this.U = this.wU.get(steps.steps * S * B * a.keySize);
    this.scores = this.wScores.get(S * B);
    this.query?.begin(steps.steps);
  }

  /** The memory's real rows, packed [Σ_s n_s × C] (after begin computed the keys), else null. */
  packedMemory(): F32 | null {
    return this.memoryPacked;
  }

  /** qp = q W_qᵀ + b_q (n×A). */
  private projectQuery(n: number, q: F32, qp: F32): void {
    const ql = this.att.queryLayer!;
    this.query!.timesTransposed(n, q, 0, qp);
    getBackend().addRowVector(n, ql.outFeatures, qp, ql.bias!.value);
  }

  /** Attention at step t for the queries q (n_t × Hq): writes the contexts ctx (n_t × C) and alphas[t]. */
  forwardStep(t: number, q: F32, ctx: F32): void {
    const k = getBackend();
    const a = this.att;
    const { S } = this;
    const B = this.steps.batch;
    const A = a.keySize;
    const n = this.steps.count[t];
    this.stepRows = n;
    if (n === 0) return;
    this.steps.at(this.Q, t, a.querySize).set(q);
    if (a.kind === 'bahdanau') {
      // u = tanh(K_s + W_q q + b_q); score = v · u
      const qp = this.wQueryProj.get(n * A);
      this.projectQuery(n, q, qp);
      const U = rows(this.U, t * S * B, S * B, A);
      k.additiveAttentionForward(S, B, A, this.keys, qp, a.energy!.value, U, this.scores, n, this.memory.lengths);
    } else k.dotAttentionScores(S, B, A, this.keys, q, this.scores, n);
    // masked softmax over s < length[b], c_b = Σ_s α_bs m_sb
    const alpha = this.steps.at(this.alphas, t, S);
    k.attentionContext(S, B, a.memorySize, this.scores, this.memory.lengths, this.memory.M, alpha, ctx, n);
  }

  /**
   * Right after forwardStep(t): out (n_t × width) = Σ_s α[t,b,s] V[s,b,:] for another memory V
   * [S×B×width] under the same attention weights (e.g. V = M W_cᵀ, so that W_c c_t is this
   * weighted sum instead of a product per step). The weights are recomputed from step t's scores.
   */
  extraContext(V: F32, width: number, out: F32): void {
    const n = this.stepRows;
    if (n === 0) return;
    const { S } = this;
    const alpha = this.wExtraAlpha.get(n * S);
    getBackend().attentionContext(S, this.steps.batch, width, this.scores, this.memory.lengths, V, alpha, out, n);
  }

  /** Clears the gradient buffers before the backward steps. */
  beginBackward(): void {
    const a = this.att;
    const SB = this.S * this.steps.batch;
    this.dMemory = this.wdMemory.zeros(SB * a.memorySize);
    if (a.kind !== 'luong-dot') this.dK = this.wdK.zeros(SB * a.keySize);
    if (a.kind === 'bahdanau') this.dQP = this.wdQP.get(this.steps.rows * a.keySize);
    this.dscores = this.wdScores.get(SB);
  }

  /**
   * Backward of step t: given dctx (n_t × C), accumulates into dq (n_t × Hq) and the key gradient
   * (dMemory's share of dctx waits for finishBackward). extra: the gradient dOut (n_t × width) of an
   * extraContext output of step t — its share of the score gradient is added.
   */
  backwardStep(t: number, dctx: F32, dq: F32, extra: ExtraContextGrad | null = null): void {
    const k = getBackend();
    const a = this.att;
    const { S } = this;
    const B = this.steps.batch;
    const { M, lengths } = this.memory;
    const A = a.keySize;
    const ds = this.dscores; // [S×B]
    const n = this.steps.count[t];
    if (n === 0) return;
    const alpha = this.steps.at(this.alphas, t, S);
    // the score gradient is linear in dα: the two contexts' shares add up
    k.attentionScoreGrad(S, B, a.memorySize, alpha, lengths, M, dctx, ds, n, extra?.width, extra?.V, extra?.dOut);
    if (a.kind === 'bahdanau') {
      const dqp = this.steps.at(this.dQP, t, A);
      const U = rows(this.U, t * S * B, S * B, A);
      k.additiveAttentionBackward(S, B, A, U, a.energy!.value, ds, this.dK, dqp, a.energy!.grad, n);
      this.query!.times(n, dqp, 1, dq); // dq += dqp W_q
    } else {
      const q = this.steps.at(this.Q, t, a.querySize);
      k.dotAttentionBackward(S, B, A, this.keys, q, ds, dq, a.kind === 'luong-dot' ? this.dMemory : this.dK, n);
    }
  }

  /**
   * After all steps, given every step's dctx (packed [Σn × C], as backwardStep saw it, plus anything else
   * the same weights multiply): dMemory += Σ_t α_t ⊗ dCTX_t; the batched weight gradients (dW_q += dQPᵀ Q,
   * db_q += Σ dQP over the Σn query rows) and the keys' share of dMemory (dW_k += dKᵀ M, dM += dK W_k over
   * the real source rows).
   */
  finishBackward(dCTX: F32): void {
    const a = this.att;
    const k = getBackend();
    const { count, offset, batch } = this.steps;
    k.attentionMemoryGrad(
      this.S,
      batch,
      a.memorySize,
      count,
      offset,
      this.memory.lengths,
      this.alphas,
      dCTX,
      this.dMemory,
    );
    if (a.kind === 'bahdanau') {
      const ql = a.queryLayer!;
      const N = this.steps.rows;
      k.gemm(true, false, a.keySize, a.querySize, N, 1, this.dQP, this.Q, 1, ql.weight.grad);
      k.sumRowsInto(N, a.keySize, this.dQP, ql.bias!.grad);
    }
    if (!a.keyLayer) return;
    const source = this.memory.source;
    if (!this.memoryPacked || !source) throw new Error('AttentionRun.finishBackward: the keys came from outside');
    const n = source.rows;
    const dKp = source.pack(this.dK, a.keySize, this.wdKPacked.get(n * a.keySize));
    const dMp = this.wdMPacked.get(n * a.memorySize);
    a.keyLayer.backward(n, this.memoryPacked, dKp, dMp, false);
    source.unpack(dMp, a.memorySize, this.dMemory, true);
  }
}
