/**
 * The TypeScript reference backend: plain loops over Float32Arrays, written for clarity first and
 * reasonable speed second (cache-friendly loop orders, no allocation). Every kernel's semantics are
 * documented in ./backend.ts; the native backend is tested against this one.
 */
import type { Backend, F32, I32 } from './backend.js';
import { jsIndexedAttention } from './js-indexed-attention.js';
import { jsLowPrecision } from './js-low-precision.js';
import { maskedSoftmaxColumn } from './js-masked-softmax.js';

/**
 * C = alpha · op(A) · op(B) + beta · C (row-major; see Backend.gemm).
 * Loop orders keep the innermost loop on contiguous rows: for op(B) = B (not transposed) each row
 * of C is updated by 4 rows of B at a time (i-k-j, k unrolled by 4: a quarter of the loads and
 * stores of C); for op(B) = Bᵀ each element is a dot product of rows, 4 columns of C at a time
 * sharing the loads of A. About 3–4× the naive triple loop.
 */
function gemm(
  transA: boolean,
  transB: boolean,
  M: number,
  N: number,
  K: number,
  alpha: number,
  A: F32,
  B: F32,
  beta: number,
  C: F32,
): void {
  // C ← beta · C first (beta = 0 overwrites, even NaN)
  const mn = M * N;
  if (beta === 0) C.fill(0, 0, mn);
  else if (beta !== 1) for (let i = 0; i < mn; i++) C[i] *= beta;
  if (alpha === 0 || K === 0 || M === 0 || N === 0) return;
  if (!transB) {
    // C[i,:] += Σ_k alpha · op(A)[i,k] · B[k,:]; op(A)[i,k] = A[i·K + k] or A[k·M + i]
    const sI = transA ? 1 : K; // stride of i in A
    const sK = transA ? M : 1; // stride of k in A
    const K4 = K - (K % 4);
    for (let i = 0; i < M; i++) {
      const ci = i * N;
      const ai = i * sI;
      let k = 0;
      for (; k < K4; k += 4) {
        const a0 = alpha * A[ai + k * sK];
        const a1 = alpha * A[ai + (k + 1) * sK];
        const a2 = alpha * A[ai + (k + 2) * sK];
        const a3 = alpha * A[ai + (k + 3) * sK];
        const b0 = k * N;
        const b1 = b0 + N;
        const b2 = b1 + N;
        const b3 = b2 + N;
        for (let j = 0; j < N; j++) C[ci + j] += a0 * B[b0 + j] + a1 * B[b1 + j] + a2 * B[b2 + j] + a3 * B[b3 + j];
      }
      for (; k < K; k++) {
        const a = alpha * A[ai + k * sK];
        const bk = k * N;
        for (let j = 0; j < N; j++) C[ci + j] += a * B[bk + j];
      }
    }
  } else if (!transA) {
    // C[i,j] += alpha · Σ_k A[i,k] · B[j,k]   (dot products of rows, 4 columns at a time)
    const N4 = N - (N % 4);
    for (let i = 0; i < M; i++) {
      const ai = i * K;
      const ci = i * N;
      let j = 0;
      for (; j < N4; j += 4) {
        const b0 = j * K;
        const b1 = b0 + K;
        const b2 = b1 + K;
        const b3 = b2 + K;
        let s0 = 0,
          s1 = 0,
          s2 = 0,
          s3 = 0;
        for (let k = 0; k < K; k++) {
          const a = A[ai + k];
          s0 += a * B[b0 + k];
          s1 += a * B[b1 + k];
          s2 += a * B[b2 + k];
          s3 += a * B[b3 + k];
        }
        C[ci + j] += alpha * s0;
        C[ci + j + 1] += alpha * s1;
        C[ci + j + 2] += alpha * s2;
        C[ci + j + 3] += alpha * s3;
      }
      for (; j < N; j++) {
        const bj = j * K;
        let s = 0;
        for (let k = 0; k < K; k++) s += A[ai + k] * B[bj + k];
        C[ci + j] += alpha * s;
      }
    }
  } else {
    // A stored K×M, B stored N×K: C[i,j] += alpha · Σ_k A[k,i] · B[j,k]
    for (let i = 0; i < M; i++) {
      const ci = i * N;
      for (let j = 0; j < N; j++) {
        const bj = j * K;
        let s = 0;
        for (let k = 0; k < K; k++) s += A[k * M + i] * B[bj + k];
        C[ci + j] += alpha * s;
      }
    }
  }
}

function sigmoidScalar(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

let threadCount = 1;

export const jsBackend: Backend = {
  name: 'js',
  threads: () => threadCount,
  setThreads(n: number) {
    // The TypeScript backend is single-threaded; the setting is remembered for reporting only.
    threadCount = Math.max(1, Math.floor(n));
  },

  gemm,

  transpose(rows, cols, src, dst) {
    // 32×32 tiles: both the reads and the writes stay within a few cache lines per tile
    for (let i0 = 0; i0 < rows; i0 += 32)
      for (let j0 = 0; j0 < cols; j0 += 32) {
        const i1 = Math.min(rows, i0 + 32);
        const j1 = Math.min(cols, j0 + 32);
        for (let i = i0; i < i1; i++) for (let j = j0; j < j1; j++) dst[j * rows + i] = src[i * cols + j];
      }
  },

  addRowVector(M, N, X, bias) {
    for (let i = 0; i < M; i++) {
      const o = i * N;
      for (let j = 0; j < N; j++) X[o + j] += bias[j];
    }
  },

  sumRowsInto(M, N, X, out) {
    for (let i = 0; i < M; i++) {
      const o = i * N;
      for (let j = 0; j < N; j++) out[j] += X[o + j];
    }
  },

  sumSquares(x) {
    let s = 0;
    for (let i = 0; i < x.length; i++) s += x[i] * x[i];
    return s;
  },

  axpy(a, x, y) {
    for (let i = 0; i < x.length; i++) y[i] += a * x[i];
  },

  scale(a, x) {
    for (let i = 0; i < x.length; i++) x[i] *= a;
  },

  scaleSumSquares(a, x) {
    let s = 0;
    for (let i = 0; i < x.length; i++) {
      x[i] *= a;
      s += x[i] * x[i];
    }
    return s;
  },

  fill(x, v) {
    x.fill(v);
  },

  tanh(x, y) {
    for (let i = 0; i < x.length; i++) y[i] = Math.tanh(x[i]);
  },

  sigmoid(x, y) {
    for (let i = 0; i < x.length; i++) y[i] = sigmoidScalar(x[i]);
  },

  // dx = dy ⊙ (1 − y²)
  tanhBackward(y, dy, dx, accumulate) {
    if (accumulate) for (let i = 0; i < y.length; i++) dx[i] += dy[i] * (1 - y[i] * y[i]);
    else for (let i = 0; i < y.length; i++) dx[i] = dy[i] * (1 - y[i] * y[i]);
  },

  // r = σ(gi_r + gh_r), z = σ(gi_z + gh_z), n = tanh(gi_n + r ⊙ gh_n), h' = (1 − z) ⊙ n + z ⊙ h
  gruForward(B, H, gi, gh, hPrev, hNew, gates, bhh) {
    const G = 3 * H;
    for (let b = 0; b < B; b++) {
      if (bhh) for (let j = 0; j < G; j++) gh[b * G + j] += bhh[j];
      const go = b * G;
      const ho = b * H;
      for (let j = 0; j < H; j++) {
        const r = sigmoidScalar(gi[go + j] + gh[go + j]);
        const z = sigmoidScalar(gi[go + H + j] + gh[go + H + j]);
        const n = Math.tanh(gi[go + 2 * H + j] + r * gh[go + 2 * H + j]);
        gates[go + j] = r;
        gates[go + H + j] = z;
        gates[go + 2 * H + j] = n;
        hNew[ho + j] = (1 - z) * n + z * hPrev[ho + j];
      }
    }
  },

  // dn = dh'(1 − z); dz = dh'(h − n); da_n = dn(1 − n²) → dgi_n = da_n, dgh_n = da_n · r;
  // dr = da_n · gh_n; da_r = dr · r(1 − r); da_z = dz · z(1 − z); dgi_{r,z} = dgh_{r,z} = da_{r,z};
  // dhPrev += dh' · z
  gruBackward(B, H, gates, gh, hPrev, dhNew, dgi, dgh, dhPrev) {
    const G = 3 * H;
    for (let b = 0; b < B; b++) {
      const go = b * G;
      const ho = b * H;
      for (let j = 0; j < H; j++) {
        const r = gates[go + j];
        const z = gates[go + H + j];
        const n = gates[go + 2 * H + j];
        const dh = dhNew[ho + j];
        const dn = dh * (1 - z);
        const dz = dh * (hPrev[ho + j] - n);
        const dan = dn * (1 - n * n);
        const dr = dan * gh[go + 2 * H + j];
        const dar = dr * r * (1 - r);
        const daz = dz * z * (1 - z);
        dgi[go + j] = dar;
        dgi[go + H + j] = daz;
        dgi[go + 2 * H + j] = dan;
        dgh[go + j] = dar;
        dgh[go + H + j] = daz;
        dgh[go + 2 * H + j] = dan * r;
        dhPrev[ho + j] += dh * z;
      }
    }
  },

  // i = σ(g_i), f = σ(g_f), gg = tanh(g_g), o = σ(g_o); c' = f ⊙ c + i ⊙ gg; h' = o ⊙ tanh(c')
  lstmForward(B, H, g, cPrev, hNew, cNew, gates, tanhC) {
    const G = 4 * H;
    for (let b = 0; b < B; b++) {
      const go = b * G;
      const ho = b * H;
      for (let j = 0; j < H; j++) {
        const i = sigmoidScalar(g[go + j]);
        const f = sigmoidScalar(g[go + H + j]);
        const gg = Math.tanh(g[go + 2 * H + j]);
        const o = sigmoidScalar(g[go + 3 * H + j]);
        const c = f * cPrev[ho + j] + i * gg;
        const tc = Math.tanh(c);
        gates[go + j] = i;
        gates[go + H + j] = f;
        gates[go + 2 * H + j] = gg;
        gates[go + 3 * H + j] = o;
        cNew[ho + j] = c;
        tanhC[ho + j] = tc;
        hNew[ho + j] = o * tc;
      }
    }
  },

  // dc = dc' + dh' · o · (1 − tanh²c'); do = dh' · tanh c'; di = dc · gg; df = dc · c; dgg = dc · i;
  // dg_{i,f,o} = d· σ(1 − σ); dg_g = dgg (1 − gg²); dcPrev = dc · f
  lstmBackward(B, H, gates, tanhC, cPrev, dhNew, dcNew, dg, dcPrev) {
    const G = 4 * H;
    for (let b = 0; b < B; b++) {
      const go = b * G;
      const ho = b * H;
      for (let j = 0; j < H; j++) {
        const i = gates[go + j];
        const f = gates[go + H + j];
        const gg = gates[go + 2 * H + j];
        const o = gates[go + 3 * H + j];
        const tc = tanhC[ho + j];
        const dh = dhNew[ho + j];
        const dc = dcNew[ho + j] + dh * o * (1 - tc * tc);
        dg[go + j] = dc * gg * i * (1 - i);
        dg[go + H + j] = dc * cPrev[ho + j] * f * (1 - f);
        dg[go + 2 * H + j] = dc * i * (1 - gg * gg);
        dg[go + 3 * H + j] = dh * tc * o * (1 - o);
        dcPrev[ho + j] = dc * f;
      }
    }
  },

  selectRows(B, H, mask, a, b, out) {
    for (let r = 0; r < B; r++) {
      const src = mask[r] !== 0 ? a : b;
      const o = r * H;
      if (src !== out) for (let j = 0; j < H; j++) out[o + j] = src[o + j];
    }
  },

  // U = tanh(K + qp); scores = U · v
  additiveAttentionForward(S, B, A, K, qp, v, U, scores, rows = B, lengths) {
    for (let s = 0; s < S; s++)
      for (let b = 0; b < rows; b++) {
        if (lengths && s >= lengths[b]) continue;
        const o = (s * B + b) * A;
        const qo = b * A;
        let e = 0;
        for (let j = 0; j < A; j++) {
          const u = Math.tanh(K[o + j] + qp[qo + j]);
          U[o + j] = u;
          e += u * v[j];
        }
        scores[s * B + b] = e;
      }
  },

  // du = ds · v ⊙ (1 − U²); dK += du; dqp = Σ_s du; dv += Σ ds · U
  additiveAttentionBackward(S, B, A, U, v, dscores, dK, dqp, dv, rows = B) {
    dqp.fill(0, 0, rows * A);
    for (let s = 0; s < S; s++)
      for (let b = 0; b < rows; b++) {
        const g = dscores[s * B + b];
        if (g === 0) continue;
        const o = (s * B + b) * A;
        const qo = b * A;
        for (let j = 0; j < A; j++) {
          const u = U[o + j];
          const du = g * v[j] * (1 - u * u);
          dK[o + j] += du;
          dqp[qo + j] += du;
          dv[j] += g * u;
        }
      }
  },

  // scores[s, b] = q_b · K_sb
  dotAttentionScores(S, B, D, K, q, scores, rows = B) {
    for (let s = 0; s < S; s++)
      for (let b = 0; b < rows; b++) {
        const o = (s * B + b) * D;
        const qo = b * D;
        let e = 0;
        for (let j = 0; j < D; j++) e += q[qo + j] * K[o + j];
        scores[s * B + b] = e;
      }
  },

  // dq_b += Σ_s ds K_sb; dK_sb += ds q_b
  dotAttentionBackward(S, B, D, K, q, dscores, dq, dK, rows = B) {
    for (let s = 0; s < S; s++)
      for (let b = 0; b < rows; b++) {
        const g = dscores[s * B + b];
        if (g === 0) continue;
        const o = (s * B + b) * D;
        const qo = b * D;
        for (let j = 0; j < D; j++) {
          dq[qo + j] += g * K[o + j];
          dK[o + j] += g * q[qo + j];
        }
      }
  },

  // α_b = softmax(scores[:, b]) over s < len_b; ctx_b = Σ_s α_bs M_sb
  attentionContext(S, B, C, scores, lengths, M, alpha, ctx, rows = B) {
    ctx.fill(0, 0, rows * C);
    for (let b = 0; b < rows; b++) {
      const len = Math.min(lengths[b], S);
      const ao = b * S;
      maskedSoftmaxColumn(scores, B, b, len, S, alpha, ao);
      const co = b * C;
      for (let s = 0; s < len; s++) {
        const w = alpha[ao + s];
        const mo = (s * B + b) * C;
        for (let j = 0; j < C; j++) ctx[co + j] += w * M[mo + j];
      }
    }
  },

  // dα_bs = dctx_b · M_sb; dscore = α (dα − Σ α dα); dM_sb += α_bs dctx_b
  attentionContextBackward(S, B, C, alpha, lengths, M, dctx, dM, dscores, rows = B) {
    for (let b = 0; b < rows; b++) {
      const len = Math.min(lengths[b], S);
      const co = b * C;
      let dot = 0;
      for (let s = 0; s < len; s++) {
        const mo = (s * B + b) * C;
        const w = alpha[b * S + s];
        let da = 0;
        for (let j = 0; j < C; j++) {
          da += dctx[co + j] * M[mo + j];
          dM[mo + j] += w * dctx[co + j];
        }
        dscores[s * B + b] = da;
        dot += w * da;
      }
      for (let s = 0; s < len; s++) dscores[s * B + b] = alpha[b * S + s] * (dscores[s * B + b] - dot);
      for (let s = len; s < S; s++) dscores[s * B + b] = 0;
    }
  },

  // dα = dctx · M[s,b] (+ dOut · V[s,b]); dscores = α (dα − Σ α dα)
  attentionScoreGrad(S, B, C, alpha, lengths, M, dctx, dscores, rows = B, W = 0, V, dOut) {
    for (let b = 0; b < rows; b++) {
      const len = Math.min(lengths[b], S);
      let dot = 0;
      for (let s = 0; s < len; s++) {
        const r = s * B + b;
        let da = 0;
        for (let j = 0; j < C; j++) da += dctx[b * C + j] * M[r * C + j];
        if (W > 0 && V && dOut) for (let j = 0; j < W; j++) da += dOut[b * W + j] * V[r * W + j];
        dscores[r] = da;
        dot += alpha[b * S + s] * da;
      }
      for (let s = 0; s < len; s++) dscores[s * B + b] = alpha[b * S + s] * (dscores[s * B + b] - dot);
      for (let s = len; s < S; s++) dscores[s * B + b] = 0;
    }
  },

  // dM[s,b] += Σ_t α[off_t + b, s] · X[off_t + b] over the steps that rank b runs
  attentionMemoryGrad(S, B, C, count, offset, lengths, alphas, X, dM) {
    for (let t = 0; t < count.length; t++)
      for (let b = 0; b < count[t]; b++) {
        const r = offset[t] + b;
        for (let s = 0; s < Math.min(lengths[b], S); s++) {
          const w = alphas[r * S + s];
          for (let j = 0; j < C; j++) dM[(s * B + b) * C + j] += w * X[r * C + j];
        }
      }
  },

  // out[i, :] = x[i, :] − max − log Σ exp(x[i, :] − max)
  logSoftmax(M, V, logits, out) {
    for (let i = 0; i < M; i++) {
      const o = i * V;
      let max = -Infinity;
      for (let j = 0; j < V; j++) if (logits[o + j] > max) max = logits[o + j];
      let sum = 0;
      for (let j = 0; j < V; j++) sum += Math.exp(logits[o + j] - max);
      const lse = max + Math.log(sum);
      for (let j = 0; j < V; j++) out[o + j] = logits[o + j] - lse;
    }
  },

  // the TypeScript GEMM packs nothing: its "packed" weights are a copy of W, and the product reads W itself
  packedWeightsSize: (N, K) => N * K,
  packWeights(N, K, W, packed) {
    packed.set(W.subarray(0, N * K));
  },
  gemmPackedWeights(M, N, K, alpha, A, W, _packed, beta, C) {
    gemm(false, true, M, N, K, alpha, A, W, beta, C);
  },
  packMatrix(K, N, B, packed) {
    packed.set(B.subarray(0, K * N));
  },
  gemmPackedMatrix(M, N, K, alpha, A, B, _packed, beta, C) {
    gemm(false, false, M, N, K, alpha, A, B, beta, C);
  },
  gemmFewRows(transB, M, N, K, alpha, A, B, beta, C) {
    gemm(false, transB, M, N, K, alpha, A, B, beta, C);
  },

  // per row: the k best base[r] + x[r, j] (float64), ties → lower j — the insertion of src/decode/top-k.ts
  rowTopK(M, V, x, k, base, values, ids) {
    for (let r = 0; r < M; r++) {
      const b = base ? base[r] : 0;
      const o = r * k;
      let size = 0;
      for (let j = 0; j < V; j++) {
        const s = b + x[r * V + j];
        if (size === k && !(s > values[o + k - 1])) continue;
        let i = size < k ? size++ : k - 1;
        for (; i > 0 && s > values[o + i - 1]; i--) {
          values[o + i] = values[o + i - 1];
          ids[o + i] = ids[o + i - 1];
        }
        values[o + i] = s;
        ids[o + i] = j;
      }
      for (let i = size; i < k; i++) {
        values[o + i] = -Infinity;
        ids[o + i] = -1;
      }
    }
  },

  logSoftmaxTopK(M, V, logits, out, k, base, values, ids) {
    jsBackend.logSoftmax(M, V, logits, out);
    jsBackend.rowTopK(M, V, out, k, base, values, ids);
  },

  ...jsLowPrecision,
  ...jsIndexedAttention,

  // loss_i = −Σ_j q_j log p_j with q = (1 − ε)·onehot(y) + ε/V; dlogits = p − q
  softmaxCrossEntropy(M, V, logits, targets, ignoreId, smoothing, dLogits, nll) {
    let total = 0;
    let nllSum = 0;
    const eps = smoothing;
    const uniform = eps / V;
    for (let i = 0; i < M; i++) {
      const o = i * V;
      const y = targets[i];
      if (y === ignoreId) {
        dLogits.fill(0, o, o + V);
        continue;
      }
      let max = -Infinity;
      for (let j = 0; j < V; j++) if (logits[o + j] > max) max = logits[o + j];
      let sum = 0;
      let sumLogits = 0;
      for (let j = 0; j < V; j++) {
        sum += Math.exp(logits[o + j] - max);
        sumLogits += logits[o + j];
      }
      const lse = max + Math.log(sum);
      const logPy = logits[o + y] - lse;
      // Σ_j log p_j = Σ_j logits_j − V · lse
      const sumLogP = sumLogits - V * lse;
      total += -(1 - eps) * logPy - uniform * sumLogP;
      nllSum -= logPy;
      for (let j = 0; j < V; j++) dLogits[o + j] = Math.exp(logits[o + j] - lse) - uniform;
      dLogits[o + y] -= 1 - eps;
    }
    if (nll) nll[0] = nllSum;
    return total;
  },

  dropoutMask(mask, p, seed0, seed1, first = 0) {
    if (!(p >= 0 && p < 1)) throw new RangeError(`dropoutMask: p must be in [0, 1), got ${p}`);
    if (!(Number.isInteger(first) && first >= 0 && first + mask.length <= 2 ** 32)) {
      throw new RangeError(`dropoutMask: first must be an integer with first + mask length ≤ 2³², got ${first}`);
    }
    const threshold = Math.floor(p * 4294967296);
    const keep = 1 / (1 - p);
    const s0 = seed0 >>> 0;
    const s1 = seed1 >>> 0;
    for (let i = 0; i < mask.length; i++) {
      const u = fmix32((fmix32((Math.imul(first + i, 0x9e3779b9) + s0) >>> 0) ^ s1) >>> 0);
      mask[i] = u >= threshold ? keep : 0;
    }
  },

  gatherRows(ids, D, table, out) {
    for (let r = 0; r < ids.length; r++) {
      const s = ids[r] * D;
      out.set(table.subarray(s, s + D), r * D);
    }
  },

  scatterAddRows(ids, D, dOut, dTable, skipId) {
    for (let r = 0; r < ids.length; r++) {
      const id = ids[r];
      if (id === skipId) continue;
      const t = id * D;
      const o = r * D;
      for (let j = 0; j < D; j++) dTable[t + j] += dOut[o + j];
    }
  },

  // m = β1 m + (1 − β1) g; v = β2 v + (1 − β2) g²; p −= lr (m/bc1) / (√(v/bc2) + ε) + lr · wd · p
  adamStep(p, g, m, v, lr, beta1, beta2, eps, bc1, bc2, weightDecay, gradScale = 1) {
    for (let i = 0; i < p.length; i++) {
      const gi = gradScale === 1 ? g[i] : Math.fround(g[i] * gradScale);
      const mi = beta1 * m[i] + (1 - beta1) * gi;
      const vi = beta2 * v[i] + (1 - beta2) * gi * gi;
      m[i] = mi;
      v[i] = vi;
      p[i] -= (lr * (mi / bc1)) / (Math.sqrt(vi / bc2) + eps) + lr * weightDecay * p[i];
    }
  },
};

/** MurmurHash3's 32-bit finaliser (avalanche: every input bit flips each output bit with p ≈ ½). */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export type { F32, I32 };
