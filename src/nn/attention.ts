/**
 * Attention over the encoder states M = (m_1 … m_S) of each sentence (time-major [S×B×C]),
 * masked over source padding (positions s ≥ srcLength[b] get weight 0).
 *
 *   Bahdanau (additive):  K = M W_kᵀ (no bias, once per batch);  u_s = tanh(K_s + W_q q + b_q)
 *                         score_s = v · u_s
 *   Luong dot:            score_s = q · m_s                        (query size = C)
 *   Luong general:        K = M W_aᵀ (once per batch);  score_s = q · K_s
 *   α = softmax_s(score) over the real positions;   context c = Σ_s α_s m_s
 *
 * Backward (given dc):  dα_s = dc · m_s;  dscore_s = α_s (dα_s − Σ_s' α_s' dα_s');  dm_s += α_s dc
 *   Bahdanau: du_s = dscore_s v ⊙ (1 − u_s²); dv += Σ dscore_s u_s; dK_s += du_s; dq' = Σ_s du_s;
 *             dq += dq' W_q; dW_q += dq'ᵀ q; db_q += dq'
 *   Luong:    dq += Σ_s dscore_s K_s;  dK_s += dscore_s q
 *   keys:     dW_k += dKᵀ M; dM += dK W_k (general/Bahdanau), dM += dK (dot) — once per batch.
 * Parameter names follow Joey NMT: attention.key_layer.weight, query_layer.{weight,bias},
 * energy_layer.weight ([1, A]).
 */
import type { F32 } from '../tensor/backend.js';
import { getBackend } from '../tensor/index.js';
import type { Rng } from '../util/rng.js';
import { Workspace, rows } from './alloc.js';
import { initUniform } from './init.js';
import { Linear } from './linear.js';
import { Param } from './param.js';

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

  constructor(prefix: string, kind: AttentionKind, memorySize: number, querySize: number, attentionSize: number, rng: Rng | null) {
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
      if (querySize !== memorySize) throw new Error(`Attention luong-dot: query size ${querySize} ≠ memory size ${memorySize}`);
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

  /** K = M W_kᵀ for S·B rows (or M itself for dot attention, returned as is). */
  computeKeys(M: F32, rowsSB: number, out: F32): F32 {
    if (!this.keyLayer) return M;
    this.keyLayer.forward(rowsSB, M, out);
    return out;
  }
}

/** The caches of one attention pass over T decoder steps of a B-row batch. */
export class AttentionRun {
  readonly att: Attention;
  S = 0;
  B = 0;
  T = 0;
  memory!: F32;
  keys!: F32;
  lengths!: Int32Array;
  /** [T×B×S] attention weights. */
  alphas!: F32;
  /** ∂L/∂M [S×B×C], filled by the backward steps and finishBackward. */
  dMemory!: F32;
  private Q!: F32;
  private U!: F32;
  private dK!: F32;
  private dQP!: F32;
  private scoreSB!: F32;
  private dscore!: F32;
  private readonly w = Array.from({ length: 18 }, () => new Workspace());
  /**
   * The memory rows s·B + b with s < lengths[b] (`rows`), and for every row its index among them
   * (`inv`, 0 for padding rows) — when padding is worth skipping in the batched products over the
   * memory (keys, and the decoder's M W_cᵀ); null otherwise. Mp: those rows of M, packed.
   */
  valid: { rows: Int32Array; inv: Int32Array; Mp: F32 } | null = null;
  private keysPacked = false;
  /** Bahdanau: at step t only the query rows [0, active[t]) are computed (the rest is padding). */
  private active: Int32Array | null = null;
  /** Rows computed by the last forwardStep. */
  private stepRows = 0;
  /** W_qᵀ of this pass (made on first use when T ≥ 2: one transpose instead of one per step). */
  private wqT: F32 | null = null;

  constructor(att: Attention) {
    this.att = att;
  }

  /**
   * Memory M [S×B×C] and lengths; keys are computed unless given (the step API keeps them).
   * active (optional, [T]): at step t only rows [0, active[t]) are queried — the others are
   * padding, get a zero context and weights, and no gradient (Bahdanau; other kinds use all rows).
   */
  begin(M: F32, S: number, B: number, lengths: Int32Array, T: number, keys?: F32, active: Int32Array | null = null): void {
    const a = this.att;
    this.active = a.kind === 'bahdanau' ? active : null;
    this.S = S;
    this.B = B;
    this.T = T;
    this.memory = M;
    this.lengths = lengths;
    this.valid = null;
    this.keysPacked = false;
    let n = 0;
    for (let b = 0; b < B; b++) n += Math.min(S, lengths[b]);
    if (a.keyLayer && T >= 2 && n < 0.95 * S * B) {
      const rowsV = new Int32Array(n);
      const inv = new Int32Array(S * B);
      for (let s = 0, i = 0; s < S; s++)
        for (let b = 0; b < B; b++)
          if (s < lengths[b]) {
            inv[s * B + b] = i;
            rowsV[i++] = s * B + b;
          }
      const Mp = this.w[14].get(n * a.memorySize);
      getBackend().gatherRows(rowsV, a.memorySize, M, Mp);
      this.valid = { rows: rowsV, inv, Mp };
    }
    if (keys) this.keys = keys;
    else if (this.valid && a.keyLayer) {
      // keys of the real positions only (padding positions get a copy of a real row's key: masked)
      const k = getBackend();
      const v = this.valid;
      const Kp = this.w[15].get(v.rows.length * a.keySize);
      a.keyLayer.forward(v.rows.length, v.Mp, Kp);
      this.keys = this.w[0].get(S * B * a.keySize);
      k.gatherRows(v.inv, a.keySize, Kp, this.keys);
      this.keysPacked = true;
    } else this.keys = a.computeKeys(M, S * B, this.w[0].get(S * B * a.keySize));
    this.alphas = this.w[1].get(T * B * S);
    this.Q = this.w[2].get(T * B * a.querySize);
    if (a.kind === 'bahdanau') this.U = this.w[3].get(T * S * B * a.keySize);
    this.scoreSB = this.w[4].get(S * B);
    this.wqT = null;
  }

  /** Rows computed at step t. */
  private rowsAt(t: number): number {
    return this.active ? Math.min(this.B, this.active[t]) : this.B;
  }

  /** qp = q W_qᵀ + b_q (n×A); over a pass of T ≥ 2 steps through W_qᵀ, transposed once. */
  private projectQuery(n: number, q: F32, qp: F32): void {
    const ql = this.att.queryLayer!;
    if (this.T < 2) {
      ql.forward(n, q, qp);
      return;
    }
    const k = getBackend();
    if (!this.wqT) {
      this.wqT = this.w[10].get(ql.outFeatures * ql.inFeatures);
      k.transpose(ql.outFeatures, ql.inFeatures, ql.weight.value, this.wqT);
    }
    k.gemm(false, false, n, ql.outFeatures, ql.inFeatures, 1, q, this.wqT, 0, qp);
    k.addRowVector(n, ql.outFeatures, qp, ql.bias!.value);
  }

  /** Attention at step t for the query q (B×Hq): writes the context (B×C) and alphas[t]. */
  forwardStep(t: number, q: F32, ctx: F32): void {
    const k = getBackend();
    const a = this.att;
    const { S, B } = this;
    const A = a.keySize;
    rows(this.Q, t * B, B, a.querySize).set(q);
    const sc = this.scoreSB; // [S×B]
    const n = this.rowsAt(t);
    this.stepRows = n;
    const alpha = rows(this.alphas, t * B, B, S);
    if (n < B) {
      // padding rows: zero weights and context (nothing reads them but the backward's zeros)
      alpha.fill(0, n * S);
      ctx.fill(0, n * a.memorySize, B * a.memorySize);
      if (n === 0) return;
    }
    if (a.kind === 'bahdanau') {
      // u = tanh(K_s + W_q q + b_q); score = v · u
      const qp = this.w[5].get(B * A);
      this.projectQuery(n, rows(q, 0, n, a.querySize), rows(qp, 0, n, A));
      k.additiveAttentionForward(S, B, A, this.keys, qp, a.energy!.value, rows(this.U, t * S * B, S * B, A), sc, n);
    } else k.dotAttentionScores(S, B, A, this.keys, q, sc);
    // masked softmax over s < length[b], c_b = Σ_s α_bs m_sb
    k.attentionContext(S, B, a.memorySize, sc, this.lengths, this.memory, alpha, ctx, n);
  }

  /**
   * Right after forwardStep(t): out (B×width) = Σ_s α[t,b,s] V[s,b,:] for another memory V
   * [S×B×width] under the same attention weights (e.g. V = M W_cᵀ, so that W_c c_t is this
   * weighted sum instead of a product per step). The weights are recomputed from step t's scores.
   */
  extraContext(V: F32, width: number, out: F32): void {
    const { S, B } = this;
    if (this.stepRows === 0) return;
    getBackend().attentionContext(S, B, width, this.scoreSB, this.lengths, V, this.w[11].get(B * S), out, this.stepRows);
  }

  /** Clears the gradient buffers before the backward steps. */
  beginBackward(): void {
    const a = this.att;
    const { S, B, T } = this;
    this.dMemory = this.w[6].zeros(S * B * a.memorySize);
    if (a.kind !== 'luong-dot') this.dK = this.w[7].zeros(S * B * a.keySize);
    if (a.kind === 'bahdanau') this.dQP = this.w[8].get(T * B * a.keySize);
    this.dscore = this.w[9].get(S * B);
  }

  /**
   * Backward of step t: given dctx (B×C), accumulates into dq (B×Hq), dMemory and the key gradient.
   * extra: the gradient dOut (B×width) of an extraContext output of step t — its share of the
   * score gradient is added, and dV += α dOut.
   */
  backwardStep(t: number, dctx: F32, dq: F32, extra: { V: F32; width: number; dOut: F32; dV: F32 } | null = null): void {
    const k = getBackend();
    const a = this.att;
    const { S, B } = this;
    const A = a.keySize;
    const Hq = a.querySize;
    const ds = this.dscore; // [S×B]
    const alpha = rows(this.alphas, t * B, B, S);
    const n = this.rowsAt(t);
    if (n < B && a.kind === 'bahdanau') rows(this.dQP, t * B + n, B - n, A).fill(0); // padding rows: no gradient
    if (n === 0) return;
    k.attentionContextBackward(S, B, a.memorySize, alpha, this.lengths, this.memory, dctx, this.dMemory, ds, n);
    if (extra) {
      // the score gradient is linear in dα: the two contexts' shares add up (rows b < n)
      const ds2 = this.w[12].get(S * B);
      k.attentionContextBackward(S, B, extra.width, alpha, this.lengths, extra.V, extra.dOut, extra.dV, ds2, n);
      if (n === B) k.axpy(1, ds2, ds);
      else for (let s = 0; s < S; s++) for (let b = s * B; b < s * B + n; b++) ds[b] += ds2[b];
    }
    if (a.kind === 'bahdanau') {
      const dqp = rows(this.dQP, t * B, B, A);
      k.additiveAttentionBackward(S, B, A, rows(this.U, t * S * B, S * B, A), a.energy!.value, ds, this.dK, dqp, a.energy!.grad, n);
      k.gemm(false, false, n, Hq, A, 1, rows(dqp, 0, n, A), a.queryLayer!.weight.value, 1, rows(dq, 0, n, Hq));
    } else {
      k.dotAttentionBackward(S, B, A, this.keys, rows(this.Q, t * B, B, Hq), ds, dq, a.kind === 'luong-dot' ? this.dMemory : this.dK);
    }
  }

  /** After all steps: the batched weight gradients, and the keys' share of dMemory. */
  finishBackward(): void {
    const a = this.att;
    const { S, B, T } = this;
    if (a.kind === 'bahdanau') {
      const ql = a.queryLayer!;
      const k = getBackend();
      k.gemm(true, false, a.keySize, a.querySize, T * B, 1, this.dQP, this.Q, 1, ql.weight.grad);
      k.sumRowsInto(T * B, a.keySize, this.dQP, ql.bias!.grad);
    }
    if (a.keyLayer && this.keysPacked) {
      // padding positions have dK = 0: only the real rows
      const k = getBackend();
      const v = this.valid!;
      const n = v.rows.length;
      const dKp = this.w[16].get(n * a.keySize);
      k.gatherRows(v.rows, a.keySize, this.dK, dKp);
      const dMp = this.w[17].get(n * a.memorySize);
      a.keyLayer.backward(n, v.Mp, dKp, dMp, false);
      k.scatterAddRows(v.rows, a.memorySize, dMp, this.dMemory, -1);
    } else if (a.keyLayer) a.keyLayer.backward(S * B, this.memory, this.dK, this.dMemory, true);
  }
}
