/* Single-precision GEMM, BLIS-style.
 *
 * Loops (per thread):  jc over N by NC → pc over K by KC → pack B panel (KC×NC, in micro-panels
 * of NR columns) → ic over M by MC → pack A block (MC×KC, micro-panels of MR rows, alpha folded
 * in) → jr over NR → ir over MR → micro-kernel: an MR×NR tile of C held in registers, updated by
 * KC rank-1 products (one NR-wide row of B, MR broadcasts of A).
 *
 * The micro-kernel is written with GCC vector extensions (16 floats = one AVX-512 register): with
 * -march=native on an AVX-512 machine it compiles to 24 zmm accumulators and FMAs; elsewhere the
 * compiler lowers it to whatever the target has.
 *
 * Threads: the C matrix is cut into as many column slabs (multiples of NR) as threads — or row
 * slabs (multiples of MR) when N is narrow — and each thread runs the serial algorithm on its slab
 * with its own packing buffers (allocated once, kept). Small products (M ≤ 4, e.g. decoding one
 * sentence) skip packing: each C row is computed straight from B rows.
 */
#include "gemm.h"
#include "pool.h"
#include <stdlib.h>
#include <string.h>
#include <immintrin.h>

#define MR 8
#define NV 3                 /* vectors of 16 floats per micro-tile row */
#define NR (16 * NV)         /* 48 */
#ifndef KC
#define KC 256
#endif
#ifndef MC
#define MC 128
#endif
/* a packed B block (KC × NC floats, 528 KB) stays in L2 while the row blocks of A pass over it: 3072 columns
 * (3 MB) did not, and the output layer's NT product ran 10 % slower (11 micro-panels; Zen 4/5 have 1 MB of L2) */
#ifndef NC
#define NC 528
#endif
/* up to this many rows of C, a non-transposed B is read in place by the micro-kernel (no packing) */
#ifndef DIRECT_B_MAX_M
#define DIRECT_B_MAX_M 256
#endif

typedef float v16 __attribute__((vector_size(64)));
typedef float v16u __attribute__((vector_size(64), aligned(4), may_alias));

/* ---- per-thread packing buffers ------------------------------------------------------------- */
static float *packA[POOL_MAX_THREADS];
static float *packB[POOL_MAX_THREADS];

static float *thread_buf(float **slot, size_t floats) {
  if (!*slot) *slot = (float *)aligned_alloc(64, floats * sizeof(float));
  return *slot;
}

/* ---- packing ---------------------------------------------------------------------------------
 * Packing only moves floats (and multiplies by alpha): every variant below writes the same packed
 * panels, so the products do not depend on which one ran. The transposing cases go through 8×16 register
 * transposes (AVX-512) and read their source in long contiguous runs; the scalar loops are the fallback
 * and handle the ragged edges. */
#ifdef __AVX512F__
/* dst[16·8] ← the 8×16 block at src (row stride ld), transposed and scaled: dst[k·8 + i] = alpha·src[i·ld + k].
 * Three rounds of two-source permutes: pairs of rows by float, then by pairs, then by 128-bit lanes. */
static inline void transpose_8x16(const float *src, size_t ld, float alpha, float *dst) {
  const __m512 a = _mm512_set1_ps(alpha);
  __m512 r[8], s[8];
  for (int i = 0; i < 8; i++) r[i] = _mm512_mul_ps(a, _mm512_loadu_ps(src + i * ld));
  const __m512i lo1 = _mm512_setr_epi32(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
  const __m512i hi1 = _mm512_setr_epi32(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
  for (int i = 0; i < 8; i += 2) {
    s[i] = _mm512_permutex2var_ps(r[i], lo1, r[i + 1]);     /* columns 0–7 of rows i, i+1 interleaved */
    s[i + 1] = _mm512_permutex2var_ps(r[i], hi1, r[i + 1]); /* columns 8–15 */
  }
  const __m512i lo2 = _mm512_setr_epi64(0, 8, 1, 9, 2, 10, 3, 11);
  const __m512i hi2 = _mm512_setr_epi64(4, 12, 5, 13, 6, 14, 7, 15);
  /* r[4h + q]: rows 4h … 4h+3, columns 4q … 4q+3 (each column's 4 values together) */
  for (int h = 0; h < 2; h++)
    for (int c = 0; c < 2; c++) {
      __m512d x = _mm512_castps_pd(s[4 * h + c]), y = _mm512_castps_pd(s[4 * h + 2 + c]);
      r[4 * h + 2 * c] = _mm512_castpd_ps(_mm512_permutex2var_pd(x, lo2, y));
      r[4 * h + 2 * c + 1] = _mm512_castpd_ps(_mm512_permutex2var_pd(x, hi2, y));
    }
  const __m512i lo3 = _mm512_setr_epi64(0, 1, 8, 9, 2, 3, 10, 11);
  const __m512i hi3 = _mm512_setr_epi64(4, 5, 12, 13, 6, 7, 14, 15);
  for (int q = 0; q < 4; q++) {
    __m512d x = _mm512_castps_pd(r[q]), y = _mm512_castps_pd(r[4 + q]);
    _mm512_storeu_ps(dst + 32 * q, _mm512_castpd_ps(_mm512_permutex2var_pd(x, lo3, y)));
    _mm512_storeu_ps(dst + 32 * q + 16, _mm512_castpd_ps(_mm512_permutex2var_pd(x, hi3, y)));
  }
}
#endif

/* op(A)(i,k) = transA ? A[k*lda + i] : A[i*lda + k]; packed block: for each MR-row micro-panel,
 * kc columns of MR values (zero-padded past mc). */
static void pack_a(int transA, const float *A, int lda, int i0, int k0, int mc, int kc, float alpha, float *dst) {
  if (transA) {
    /* row k of op(A)ᵀ is contiguous: read it once, across all the micro-panels */
    int full = mc / MR * MR;
    for (int k = 0; k < kc; k++) {
      const float *restrict src = A + (size_t)(k0 + k) * lda + i0;
      for (int ir = 0; ir < full; ir += MR) {
        float *restrict d = dst + (size_t)ir * kc + (size_t)k * MR;
        for (int i = 0; i < MR; i++) d[i] = alpha * src[ir + i];
      }
      if (full < mc) {
        float *d = dst + (size_t)full * kc + (size_t)k * MR;
        for (int i = 0; i < MR; i++) d[i] = full + i < mc ? alpha * src[full + i] : 0.0f;
      }
    }
    return;
  }
  for (int ir = 0; ir < mc; ir += MR) {
    int mr = mc - ir < MR ? mc - ir : MR;
    int k = 0;
#ifdef __AVX512F__
    if (mr == MR)
      for (; k + 16 <= kc; k += 16) transpose_8x16(A + (size_t)(i0 + ir) * lda + k0 + k, lda, alpha, dst + (size_t)k * MR);
#endif
    for (int i = 0; i < mr; i++) {
      const float *src = A + (size_t)(i0 + ir + i) * lda + k0;
      for (int kk = k; kk < kc; kk++) dst[kk * MR + i] = alpha * src[kk];
    }
    if (mr < MR)
      for (int kk = 0; kk < kc; kk++)
        for (int i = mr; i < MR; i++) dst[kk * MR + i] = 0.0f;
    dst += (size_t)MR * kc;
  }
}

/* op(B)(k,j) = transB ? B[j*ldb + k] : B[k*ldb + j]; packed: for each NR-column micro-panel, kc
 * rows of NR values (zero-padded past nc). */
static void pack_b(int transB, const float *B, int ldb, int k0, int j0, int kc, int nc, float *dst) {
  for (int jr = 0; jr < nc; jr += NR) {
    int nr = nc - jr < NR ? nc - jr : NR;
    if (!transB) {
      for (int k = 0; k < kc; k++) {
        const float *src = B + (size_t)(k0 + k) * ldb + j0 + jr;
        float *d = dst + (size_t)k * NR;
        if (nr == NR) memcpy(d, src, NR * sizeof(float));
        else {
          for (int j = 0; j < nr; j++) d[j] = src[j];
          for (int j = nr; j < NR; j++) d[j] = 0.0f;
        }
      }
    } else {
      int j = 0;
#ifdef __AVX512F__
      /* 16 rows of B (16 columns of the panel) at a time: two 8×16 transposes give, per k, the 8 values
       * of rows 0–7 and of rows 8–15; their halves are joined into the panel's 16-wide row */
      float t[2][16 * MR] __attribute__((aligned(64)));
      for (; j + 16 <= nr; j += 16) {
        const float *src = B + (size_t)(j0 + jr + j) * ldb + k0;
        int k = 0;
        for (; k + 16 <= kc; k += 16) {
          transpose_8x16(src + k, ldb, 1.0f, t[0]);
          transpose_8x16(src + (size_t)8 * ldb + k, ldb, 1.0f, t[1]);
          for (int kk = 0; kk < 16; kk++) {
            __m256 lo = _mm256_load_ps(t[0] + kk * MR), hi = _mm256_load_ps(t[1] + kk * MR);
            __m512 row = _mm512_shuffle_f32x4(_mm512_castps256_ps512(lo), _mm512_castps256_ps512(hi), 0x44);
            _mm512_storeu_ps(dst + (size_t)(k + kk) * NR + j, row);
          }
        }
        for (int jj = j; jj < j + 16; jj++) {
          const float *s = B + (size_t)(j0 + jr + jj) * ldb + k0;
          for (int kk = k; kk < kc; kk++) dst[(size_t)kk * NR + jj] = s[kk];
        }
      }
#endif
      for (; j < nr; j++) {
        const float *src = B + (size_t)(j0 + jr + j) * ldb + k0;
        for (int k = 0; k < kc; k++) dst[(size_t)k * NR + j] = src[k];
      }
      if (nr < NR)
        for (int k = 0; k < kc; k++)
          for (int j = nr; j < NR; j++) dst[(size_t)k * NR + j] = 0.0f;
    }
    dst += (size_t)NR * kc;
  }
}

/* ---- micro-kernel: C[0:mr, 0:nr] = acc + beta·C (beta = 0 overwrites) ------------------------- */
static __attribute__((noinline)) void micro_kernel(int kc, const float *restrict a, const float *restrict b, long ldbk, float *c, int ldc, float beta, int mr, int nr) {
  v16 acc[MR][NV];
  for (int i = 0; i < MR; i++)
    for (int v = 0; v < NV; v++) acc[i][v] = (v16){0};
  /* the C tile is read (beta ≠ 0) or written at the end: fetch its lines now, while the k loop runs (the large
   * products' C — the output layer's logits, dW_o — is not in cache: 8–10 % faster) */
  for (int i = 0; i < mr; i++) {
    __builtin_prefetch(c + (size_t)i * ldc, 1);
    __builtin_prefetch(c + (size_t)i * ldc + 16, 1);
    __builtin_prefetch(c + (size_t)i * ldc + 32, 1);
    __builtin_prefetch(c + (size_t)i * ldc + 47, 1);
  }
  for (int k = 0; k < kc; k++) {
    v16 bv[NV];
    for (int v = 0; v < NV; v++) bv[v] = *(const v16u *)(b + 16 * v);
    for (int i = 0; i < MR; i++) {
      float ai = a[i];
      for (int v = 0; v < NV; v++) acc[i][v] += ai * bv[v];
    }
    a += MR;
    b += ldbk;
  }
  if (mr == MR && nr == NR) {
    for (int i = 0; i < MR; i++) {
      float *ci = c + (size_t)i * ldc;
      for (int v = 0; v < NV; v++) {
        v16u *p = (v16u *)(ci + 16 * v);
        if (beta == 0.0f) *p = acc[i][v];
        else if (beta == 1.0f) *p = acc[i][v] + *p;
        else *p = acc[i][v] + beta * *p;
      }
    }
  } else {
    float tmp[MR][NR] __attribute__((aligned(64)));
    for (int i = 0; i < MR; i++)
      for (int v = 0; v < NV; v++) *(v16 *)(&tmp[i][16 * v]) = acc[i][v];
    for (int i = 0; i < mr; i++) {
      float *ci = c + (size_t)i * ldc;
      if (beta == 0.0f) for (int j = 0; j < nr; j++) ci[j] = tmp[i][j];
      else for (int j = 0; j < nr; j++) ci[j] = tmp[i][j] + beta * ci[j];
    }
  }
}

/* Serial blocked GEMM on the sub-matrix C[i0:i0+m, j0:j0+n] (K > 0). */
static void gemm_block(int tid, int transA, int transB, int M, int N, int K, float alpha, const float *A, const float *B,
                       float beta, float *C, int i0, int m, int j0, int n, const float *prepackedA) {
  float *pa = prepackedA ? NULL : thread_buf(&packA[tid], (size_t)MC * KC);
  float *pb = thread_buf(&packB[tid], (size_t)KC * (NC + NR));
  int lda = transA ? M : K;
  int ldb = transB ? K : N;
  /* small M, B not transposed: the micro-kernel reads B's rows in place (no packing, whose
   * traffic would rival the arithmetic); only a ragged last column panel is packed */
  int direct = !transB && m <= DIRECT_B_MAX_M;
  for (int jc = 0; jc < n; jc += NC) {
    int nc = n - jc < NC ? n - jc : NC;
    for (int pc = 0; pc < K; pc += KC) {
      int kc = K - pc < KC ? K - pc : KC;
      float bt = pc == 0 ? beta : 1.0f;
      if (!direct) pack_b(transB, B, ldb, pc, j0 + jc, kc, nc, pb);
      for (int ic = 0; ic < m; ic += MC) {
        int mc = m - ic < MC ? m - ic : MC;
        /* a shared pre-packed A (all of op(A), m ≤ MC rows): block pc starts at mpad·pc */
        if (prepackedA) pa = (float *)prepackedA + (size_t)((m + MR - 1) / MR * MR) * pc;
        else pack_a(transA, A, lda, i0 + ic, pc, mc, kc, alpha, pa);
        for (int jr = 0; jr < nc; jr += NR) {
          int nr = nc - jr < NR ? nc - jr : NR;
          const float *bp;
          long ldbk;
          if (!direct) { bp = pb + (size_t)jr * kc; ldbk = NR; }
          else if (nr == NR) { bp = B + (size_t)pc * ldb + j0 + jc + jr; ldbk = ldb; }
          else { pack_b(0, B, ldb, pc, j0 + jc + jr, kc, nr, pb); bp = pb; ldbk = NR; }
          for (int ir = 0; ir < mc; ir += MR) {
            int mr = mc - ir < MR ? mc - ir : MR;
            float *cp = C + (size_t)(i0 + ic + ir) * N + j0 + jc + jr;
            micro_kernel(kc, pa + (size_t)ir * kc, bp, ldbk, cp, N, bt, mr, nr);
          }
        }
      }
    }
  }
}

/* ---- small M: no packing. C[i,:] = alpha Σ_k op(A)(i,k) op(B)(k,:) + beta C[i,:] ----------------- */
static void gemm_small_m(int transA, int transB, int M, int N, int K, float alpha, const float *A, const float *B,
                         float beta, float *C, int j0, int n) {
  int lda = transA ? M : K;
  for (int i = 0; i < M; i++) {
    float *ci = C + (size_t)i * N;
    if (!transB) {
      /* 64-column strips held in 4 vector accumulators while k runs over rows of B */
      int j = j0;
      for (; j + 64 <= j0 + n; j += 64) {
        v16 s0 = {0}, s1 = {0}, s2 = {0}, s3 = {0};
        for (int k = 0; k < K; k++) {
          float a = transA ? A[(size_t)k * lda + i] : A[(size_t)i * lda + k];
          const float *bk = B + (size_t)k * N + j;
          s0 += a * *(const v16u *)(bk);
          s1 += a * *(const v16u *)(bk + 16);
          s2 += a * *(const v16u *)(bk + 32);
          s3 += a * *(const v16u *)(bk + 48);
        }
        v16 r[4] = {s0, s1, s2, s3};
        for (int v = 0; v < 4; v++) {
          v16u *p = (v16u *)(ci + j + 16 * v);
          *p = beta == 0.0f ? alpha * r[v] : alpha * r[v] + beta * *p;
        }
      }
      for (; j < j0 + n; j++) {
        float s = 0;
        for (int k = 0; k < K; k++) s += (transA ? A[(size_t)k * lda + i] : A[(size_t)i * lda + k]) * B[(size_t)k * N + j];
        ci[j] = beta == 0.0f ? alpha * s : alpha * s + beta * ci[j];
      }
    } else {
      /* C[i,j] = dot(op(A) row i, B row j): with A rows contiguous (no transA) vectorised over k */
      for (int j = j0; j < j0 + n; j++) {
        const float *bj = B + (size_t)j * K;
        float s = 0;
        if (!transA) {
          const float *ai = A + (size_t)i * K;
          for (int k = 0; k < K; k++) s += ai[k] * bj[k];
        } else {
          for (int k = 0; k < K; k++) s += A[(size_t)k * lda + i] * bj[k];
        }
        ci[j] = beta == 0.0f ? alpha * s : alpha * s + beta * ci[j];
      }
    }
  }
}

/* ---- the shared packed A of a column-split product with few rows (grown, never shrunk; gemm is
 * called from one thread — the JS thread — at a time) --------------------------------------------- */
#ifndef SHARED_A_PACK
#define SHARED_A_PACK 1
#endif
static float *sharedA;
static size_t sharedAFloats;

static float *shared_a_buf(size_t floats) {
  if (floats > sharedAFloats) {
    free(sharedA);
    sharedA = (float *)aligned_alloc(64, (floats * sizeof(float) + 63) / 64 * 64);
    sharedAFloats = sharedA ? floats : 0;
  }
  return sharedA;
}

/* ---- threading: C is cut into chunks (column slabs, or row slabs when N is narrow) --------- */
typedef struct {
  int transA, transB, M, N, K;
  float alpha, beta;
  const float *A, *B;
  float *C;
  int byRows, small;
  long chunks;
  const float *packedA; /* column split with M ≤ MC: A packed once for every chunk, or NULL */
} gemm_job;

/* [start, start+len) of chunk c when `total` is cut into `parts` runs of whole `unit`s */
static void split(int total, int unit, long c, long parts, int *start, int *len) {
  long units = (total + unit - 1) / unit;
  long per = units / parts, extra = units % parts;
  long u0 = c * per + (c < extra ? c : extra);
  long u1 = u0 + per + (c < extra ? 1 : 0);
  long s = u0 * unit, e = u1 * unit;
  if (e > total) e = total;
  if (s > total) s = total;
  *start = (int)s;
  *len = (int)(e - s);
}

static void gemm_chunk(void *p, long c, int tid) {
  gemm_job *j = (gemm_job *)p;
  int s, len;
  if (j->small) {
    split(j->N, 64, c, j->chunks, &s, &len);
    if (len > 0) gemm_small_m(j->transA, j->transB, j->M, j->N, j->K, j->alpha, j->A, j->B, j->beta, j->C, s, len);
  } else if (j->byRows) {
    split(j->M, MR, c, j->chunks, &s, &len);
    if (len > 0) gemm_block(tid, j->transA, j->transB, j->M, j->N, j->K, j->alpha, j->A, j->B, j->beta, j->C, s, len, 0, j->N, NULL);
  } else {
    split(j->N, NR, c, j->chunks, &s, &len);
    if (len > 0) gemm_block(tid, j->transA, j->transB, j->M, j->N, j->K, j->alpha, j->A, j->B, j->beta, j->C, 0, j->M, s, len, j->packedA);
  }
}

/* below this many flops a product runs on the calling thread (a hand-off costs ~2 µs) */
#define PARALLEL_MIN_FLOPS 4e6
/* chunks per thread: a few, so that a late or busy thread's share is picked up by the others */
#ifndef CHUNKS_PER_THREAD
#define CHUNKS_PER_THREAD 4
#endif

void gemm(int transA, int transB, int M, int N, int K, float alpha, const float *A, const float *B, float beta, float *C) {
  if (M <= 0 || N <= 0) return;
  if (K <= 0 || alpha == 0.0f) {
    size_t mn = (size_t)M * N;
    if (beta == 0.0f) memset(C, 0, mn * sizeof(float));
    else if (beta != 1.0f) for (size_t i = 0; i < mn; i++) C[i] *= beta;
    return;
  }
  gemm_job job = {transA, transB, M, N, K, alpha, beta, A, B, C, 0, M <= 4, 1, NULL};
  int nt = pool_threads();
  if (nt <= 1 || 2.0 * M * N * K < PARALLEL_MIN_FLOPS) {
    gemm_chunk(&job, 0, 0);
    return;
  }
  /* Split C by columns or by rows: every chunk packs its own A (column split: M·K floats again
   * per extra chunk) or its own B (row split: K·N again, or nothing when B is read in place).
   * Take the cheaper, and fewer chunks when the repeated packing would cost over ~10 % of the
   * arithmetic (a packed float ≈ 50 flops of time). */
  double flops = 2.0 * M * N * K;
  long maxChunks = (long)nt * CHUNKS_PER_THREAD;
  long units;
  double extra;
  if (job.small) {
    units = (N + 63) / 64;
    extra = 0;
  } else {
    int canN = N >= nt * 2 * NR, canM = M >= nt * 2 * MR;
    /* a column split with M ≤ MC packs A once, shared by every chunk (no repeated packing) */
    double packN = M <= MC && SHARED_A_PACK ? 0.0 : (double)M * K;
    double packM = (!transB && (M + maxChunks - 1) / maxChunks <= DIRECT_B_MAX_M) ? 0.0 : (double)K * N;
    job.byRows = canM && (!canN || packM < packN);
    units = job.byRows ? (M + MR - 1) / MR : (N + NR - 1) / NR;
    extra = job.byRows ? packM : packN;
  }
  long chunks = maxChunks;
  if (extra > 0) {
    double affordable = 1.0 + 0.002 * flops / extra;
    if (affordable < chunks) chunks = (long)affordable / nt * nt; /* whole rounds: balanced */
    if (chunks < nt) chunks = nt;
  }
  job.chunks = units < chunks ? units : chunks;
  if (!job.small && !job.byRows && M <= MC && SHARED_A_PACK && job.chunks > 1) {
    /* op(A) packed block after block (pc), each mpad×kc in MR-row micro-panels, alpha folded in */
    int mpad = (M + MR - 1) / MR * MR;
    float *pa = shared_a_buf((size_t)mpad * K);
    if (pa) {
      int lda = transA ? M : K;
      for (int pc = 0; pc < K; pc += KC) {
        int kc = K - pc < KC ? K - pc : KC;
        pack_a(transA, A, lda, 0, pc, M, kc, alpha, pa + (size_t)mpad * pc);
      }
      job.packedA = pa;
    }
  }
  pool_run(gemm_chunk, &job, job.chunks);
}

/* ---- op(B) = Wᵀ packed once (decoding's step weights): the panels pack_b would make on every call ---
 * Layout: for each block of NC columns jc, for each block of KC rows pc, the block's NR-column micro-panels
 * (kc × NR floats each, zero-padded), exactly what gemm_block packs for C = A·Wᵀ; the products below run
 * the same micro-kernel over the same panels in the same order, so they equal gemm(0, 1, …) to the bit. */
static size_t packed_block_cols(int nc) { return (size_t)(nc + NR - 1) / NR * NR; }

size_t gemm_packed_bt_size(int N, int K) {
  size_t total = 0;
  for (int jc = 0; jc < N; jc += NC) total += packed_block_cols(N - jc < NC ? N - jc : NC) * (size_t)K;
  return total;
}

/* offset of block (jc, pc): every block before column jc is full (NC is a multiple of NR) and holds K rows */
static size_t packed_offset(int N, int K, int jc, int pc) {
  int nc = N - jc < NC ? N - jc : NC;
  return (size_t)jc * K + packed_block_cols(nc) * (size_t)pc;
}

void gemm_pack_bt(int N, int K, const float *W, float *packed) {
  float *dst = packed;
  for (int jc = 0; jc < N; jc += NC) {
    int nc = N - jc < NC ? N - jc : NC;
    for (int pc = 0; pc < K; pc += KC) {
      int kc = K - pc < KC ? K - pc : KC;
      pack_b(1, W, K, pc, jc, kc, nc, dst);
      dst += packed_block_cols(nc) * kc;
    }
  }
}

typedef struct {
  int M, N, K;
  float alpha, beta;
  const float *A, *packed;
  float *C;
  long chunks;
  const float *packedA; /* M ≤ MC: A packed once for every chunk, or NULL */
} prepacked_job;

static void prepacked_chunk(void *p, long c, int tid) {
  prepacked_job *J = (prepacked_job *)p;
  int s, len;
  split(J->N, NR, c, J->chunks, &s, &len);
  if (len <= 0) return;
  float *pa = J->packedA ? NULL : thread_buf(&packA[tid], (size_t)MC * KC);
  int mpad = (J->M + MR - 1) / MR * MR;
  for (int jc = s / NC * NC; jc < s + len; jc += NC) {
    int j0 = s > jc ? s : jc;
    int j1 = s + len < jc + NC ? s + len : jc + NC;
    for (int pc = 0; pc < J->K; pc += KC) {
      int kc = J->K - pc < KC ? J->K - pc : KC;
      float bt = pc == 0 ? J->beta : 1.0f;
      const float *block = J->packed + packed_offset(J->N, J->K, jc, pc);
      for (int ic = 0; ic < J->M; ic += MC) {
        int mc = J->M - ic < MC ? J->M - ic : MC;
        if (J->packedA) pa = (float *)J->packedA + (size_t)mpad * pc;
        else pack_a(0, J->A, J->K, ic, pc, mc, kc, J->alpha, pa);
        for (int jr = j0; jr < j1; jr += NR) {
          int nr = j1 - jr < NR ? j1 - jr : NR;
          const float *bp = block + (size_t)(jr - jc) * kc;
          for (int ir = 0; ir < mc; ir += MR) {
            int mr = mc - ir < MR ? mc - ir : MR;
            micro_kernel(kc, pa + (size_t)ir * kc, bp, NR, J->C + (size_t)(ic + ir) * J->N + jr, J->N, bt, mr, nr);
          }
        }
      }
    }
  }
}

/* C = alpha·A·op(B) + beta·C over B's panels packed once (M > 4, N, K > 0, alpha ≠ 0) */
static void prepacked_product(int M, int N, int K, float alpha, const float *A, const float *packed, float beta,
                              float *C) {
  int nt = pool_threads();
  long units = (N + NR - 1) / NR;
  long chunks = nt <= 1 || 2.0 * M * N * K < PARALLEL_MIN_FLOPS ? 1 : (long)nt * CHUNKS_PER_THREAD;
  prepacked_job J = {M, N, K, alpha, beta, A, packed, C, units < chunks ? units : chunks, NULL};
  if (M <= MC && J.chunks > 1) {
    int mpad = (M + MR - 1) / MR * MR;
    float *pa = shared_a_buf((size_t)mpad * K);
    if (pa) {
      for (int pc = 0; pc < K; pc += KC)
        pack_a(0, A, K, 0, pc, M, K - pc < KC ? K - pc : KC, alpha, pa + (size_t)mpad * pc);
      J.packedA = pa;
    }
  }
  if (J.chunks == 1) prepacked_chunk(&J, 0, 0);
  else pool_run(prepacked_chunk, &J, J.chunks);
}

/* C = alpha·A·op(B) + beta·C with op(B) also given packed: few rows read B in place over the threads
 * (gemm_few_rows, which hands an empty product, K = 0 or alpha = 0 to gemm itself); the rest use the panels */
static void packed_or_few_rows(int transB, int M, int N, int K, float alpha, const float *A, const float *B,
                               const float *packed, float beta, float *C) {
  if (M <= 4 || N <= 0 || K <= 0 || alpha == 0.0f) gemm_few_rows(transB, M, N, K, alpha, A, B, beta, C);
  else prepacked_product(M, N, K, alpha, A, packed, beta, C);
}

void gemm_prepacked_bt(int M, int N, int K, float alpha, const float *A, const float *W, const float *packed,
                       float beta, float *C) {
  packed_or_few_rows(1, M, N, K, alpha, A, W, packed, beta, C);
}

/* ---- op(B) = B (K×N, not transposed) packed once: the panels pack_b makes of it on every call, in the layout
 * of gemm_pack_bt (which packs the transpose of an N×K matrix into the same panels). For training's products by
 * the same weights step after step (dh_{t−1} = dgh_t·W_hh): the micro-kernel reads contiguous panels instead of
 * 48-column slices of W at a stride of N floats, which the hardware prefetchers do not follow (1.1–1.4× at
 * 8–64 rows when W is not in cache). Equal to gemm(0, 0, …) to the bit. */
void gemm_pack_b(int K, int N, const float *B, float *packed) {
  float *dst = packed;
  for (int jc = 0; jc < N; jc += NC) {
    int nc = N - jc < NC ? N - jc : NC;
    for (int pc = 0; pc < K; pc += KC) {
      int kc = K - pc < KC ? K - pc : KC;
      pack_b(0, B, N, pc, jc, kc, nc, dst);
      dst += packed_block_cols(nc) * kc;
    }
  }
}

void gemm_prepacked_b(int M, int N, int K, float alpha, const float *A, const float *B, const float *packed,
                      float beta, float *C) {
  packed_or_few_rows(0, M, N, K, alpha, A, B, packed, beta, C);
}

/* ---- few rows (decoding): gemm's unpacked row kernel, split over the threads by the size of B ----------------
 * A product of M ≤ 4 rows takes the time of reading B (4·N·K bytes for 2·M·N·K flops), so its columns go to the
 * pool from FEW_ROWS_PARALLEL_FLOATS of B on, where gemm counts flops (4e6: a 1×1280×1536 product, 7.5 MB of B,
 * would run on one thread). Each column is computed by one thread the same way whatever the split: the result is
 * gemm's to the bit. More rows: gemm itself. */
#ifndef FEW_ROWS_PARALLEL_FLOATS
#define FEW_ROWS_PARALLEL_FLOATS 65536.0
#endif

void gemm_few_rows(int transB, int M, int N, int K, float alpha, const float *A, const float *B, float beta,
                   float *C) {
  if (M > 4 || M <= 0 || N <= 0 || K <= 0 || alpha == 0.0f) {
    gemm(0, transB, M, N, K, alpha, A, B, beta, C);
    return;
  }
  int nt = pool_threads();
  long units = (N + 63) / 64;
  long chunks = nt <= 1 || (double)N * K < FEW_ROWS_PARALLEL_FLOATS ? 1 : (long)nt * CHUNKS_PER_THREAD;
  gemm_job job = {0, transB, M, N, K, alpha, beta, A, B, C, 0, 1, units < chunks ? units : chunks, NULL};
  if (job.chunks == 1) gemm_chunk(&job, 0, 0);
  else pool_run(gemm_chunk, &job, job.chunks);
}
