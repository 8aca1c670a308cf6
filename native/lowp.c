/* Low-precision output-layer products (C = X·Wᵀ + bias), for an opt-in fast decoding mode.
 *
 * int8 (CTranslate2's scheme): weights quantized once per row (output unit) with a symmetric scale, each
 * row of X quantized on the fly the same way; the integer dot products are exact, then scaled back:
 *   C[i,j] = sx_i · s_j · Σ_k xq[i,k] q[j,k] + b_j.
 * With AVX512-VNNI, vpdpbusd multiplies unsigned by signed bytes: X goes in as xq + 128 (xq XOR 0x80) and
 * 128 · Σ_k q[j,k] is subtracted afterwards, so the sums are the very integers of the portable loop.
 * bf16: W and X rounded to bfloat16 (nearest even); vdpbf16ps multiplies pairs exactly and adds in float32.
 *
 * W is packed once in the layout the instructions want (as oneDNN and CTranslate2 do): panels of 64
 * columns, each read front to back, holding per group of 4 k's (int8) or pair (bf16) the 64 columns' values,
 * so that one 512-bit load covers 16 columns; a register tile is 4 rows of C × 64 columns, per group one
 * broadcast of each row's 4 bytes (2 bf16) — no horizontal sums. The panels are split over the thread pool.
 * Runtime dispatch: the VNNI / BF16 code is compiled for those instruction sets whatever -march says
 * (target attributes) and runs only when the CPU reports them (a Zen 4 or 5 has both, no AMX needed);
 * elsewhere the portable loops run. */
#include "lowp.h"
#include "pool.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) && (defined(__clang__) || __GNUC__ >= 10)
#include <immintrin.h>
#define LOWP_X86 1
#endif

#define TILE_ROWS 4                 /* rows of X per register tile */
#define NV 4                        /* 16-lane vectors of columns per register tile */
#define TILE_COLS (16 * NV)         /* 64 = LOWP_COL_ALIGN */
#define CHUNK_COLS (4 * TILE_COLS)  /* columns of C per thread-pool chunk */

static int forcePortable;
static int haveVnni = -1, haveBf16 = -1;

static void detect(void) {
  if (haveVnni >= 0) return;
#ifdef LOWP_X86
  __builtin_cpu_init();
  int avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw");
  haveVnni = avx512 && __builtin_cpu_supports("avx512vnni");
  haveBf16 = avx512 && __builtin_cpu_supports("avx512bf16");
#else
  haveVnni = haveBf16 = 0;
#endif
}

void lowp_force_portable(int on) { forcePortable = on; }

const char *lowp_paths(void) {
  detect();
  if (forcePortable) return "int8 portable, bf16 portable (forced)";
  if (haveVnni && haveBf16) return "int8 avx512-vnni, bf16 avx512-bf16";
  if (haveVnni) return "int8 avx512-vnni, bf16 portable";
  if (haveBf16) return "int8 portable, bf16 avx512-bf16";
  return "int8 portable, bf16 portable";
}

static size_t roundup(size_t n, size_t a) { return (n + a - 1) / a * a; }

/* scratch for the quantized / converted X (grown, never shrunk; called from the JS thread only) */
static void *scratch;
static size_t scratchBytes;
static void *scratch_buf(size_t bytes) {
  if (bytes > scratchBytes) {
    free(scratch);
    scratch = aligned_alloc(64, roundup(bytes, 64));
    scratchBytes = scratch ? bytes : 0;
  }
  return scratch;
}

/* ---- int8 ------------------------------------------------------------------------------------ */
static float row_absmax(const float *x, int K) {
  float m = 0;
  for (int k = 0; k < K; k++) {
    float a = fabsf(x[k]);
    m = a > m ? a : m;
  }
  return m;
}

static int8_t quantize(float x, float s) {
  long v = lrintf(x / s);
  return (int8_t)(v > 127 ? 127 : v < -127 ? -127 : v);
}

/* W (N×K) → q in panels of 64 columns, each panel k-group after k-group (4 k's × 64 columns, 256 bytes):
 * q(j,k) at [((j/64 · Kq/4 + k/4) · 64 + j%64) · 4 + k%4], Kq = roundup(K, 4); zero padding */
void k_quantize_int8(int N, int K, const float *W, int8_t *q, float *scale, int32_t *rowSum) {
  size_t Kq = roundup((size_t)K, 4);
  memset(q, 0, Kq * roundup((size_t)N, LOWP_COL_ALIGN));
  for (int j = 0; j < N; j++) {
    const float *w = W + (size_t)j * K;
    float m = row_absmax(w, K);
    float s = m > 0 ? m / 127.0f : 1.0f;
    int32_t sum = 0;
    for (int k = 0; k < K; k++) {
      int8_t v = quantize(w[k], s);
      q[(((size_t)(j >> 6) * (Kq >> 2) + (k >> 2)) * 64 + (j & 63)) * 4 + (k & 3)] = v;
      sum += v;
    }
    scale[j] = s;
    rowSum[j] = sum;
  }
}

typedef struct {
  int M, N, Kq;
  const int8_t *xq;     /* M × Kq, each row quantized */
  const float *sx;      /* M */
  const int8_t *q;      /* Np/64 panels × Kq/4 groups × 64 columns × 4 */
  const float *scale, *bias;
  const int32_t *rowSum;
  float *C;
  int vnni;
} int8_job;

/* C[i, j0..j0+n) from the exact integer sums; shared by both paths, so they agree to the bit */
static __attribute__((noinline)) void int8_epilogue(const int32_t *dot, int n, float sxi, const float *scale,
                                                    const float *bias, float *c) {
  for (int j = 0; j < n; j++) c[j] = (float)dot[j] * (sxi * scale[j]) + (bias ? bias[j] : 0.0f);
}

/* dot[j] = Σ_k x[k] q(j0 + j, k) for the 64 columns of the panel from j0 */
static void dots_i8(const int8_t *x, const int8_t *q, int Kq, int j0, int32_t *dot) {
  for (int j = 0; j < TILE_COLS; j++) dot[j] = 0;
  const int8_t *panel = q + (size_t)(j0 / TILE_COLS) * Kq * TILE_COLS;
  for (int g = 0; g < Kq / 4; g++) {
    const int8_t *qg = panel + (size_t)g * TILE_COLS * 4;
    const int8_t *xg = x + 4 * g;
    for (int j = 0; j < TILE_COLS; j++)
      dot[j] += xg[0] * qg[4 * j] + xg[1] * qg[4 * j + 1] + xg[2] * qg[4 * j + 2] + xg[3] * qg[4 * j + 3];
  }
}

#ifdef LOWP_X86
/* dot[a][j] = Σ_k (x_a[k] + 128) · q[k, j0 + j] for R rows and TILE_COLS columns: per group of 4 k's, one
 * broadcast of each row's 4 bytes and TILE_COLS/16 loads of q, R·TILE_COLS/16 vpdpbusd. */
#define VNNI_TILE(R)                                                                                     \
  __attribute__((target("avx512f,avx512bw,avx512vnni"))) static void vnni_tile_##R(                   \
      const int8_t *x, int Kq, const int8_t *q, int j0, int32_t dot[TILE_ROWS][TILE_COLS]) {            \
    __m512i acc[R][NV];                                                                                \
    for (int a = 0; a < R; a++)                                                                        \
      for (int v = 0; v < NV; v++) acc[a][v] = _mm512_setzero_si512();                                 \
    const int8_t *qg = q + (size_t)(j0 / TILE_COLS) * Kq * TILE_COLS;                                  \
    for (int g = 0; g < Kq / 4; g++, qg += TILE_COLS * 4) {                                           \
      __m512i w[NV];                                                                                   \
      for (int v = 0; v < NV; v++) w[v] = _mm512_loadu_si512((const void *)(qg + 64 * v));             \
      for (int a = 0; a < R; a++) {                                                                    \
        int32_t four;                                                                                  \
        memcpy(&four, x + (size_t)a * Kq + 4 * g, 4);                                                  \
        __m512i xb = _mm512_set1_epi32(four ^ (int32_t)0x80808080u);                                   \
        for (int v = 0; v < NV; v++) acc[a][v] = _mm512_dpbusd_epi32(acc[a][v], xb, w[v]);           \
      }                                                                                                \
    }                                                                                                  \
    for (int a = 0; a < R; a++)                                                                        \
      for (int v = 0; v < NV; v++) _mm512_storeu_si512((void *)(dot[a] + 16 * v), acc[a][v]);         \
  }
VNNI_TILE(1)
VNNI_TILE(2)
VNNI_TILE(3)
VNNI_TILE(4)
typedef void (*vnni_tile_fn)(const int8_t *, int, const int8_t *, int, int32_t[TILE_ROWS][TILE_COLS]);
static const vnni_tile_fn vnni_tile[TILE_ROWS + 1] = {
    NULL, vnni_tile_1, vnni_tile_2, vnni_tile_3, vnni_tile_4};
#endif

static void int8_chunk(void *p, long chunk, int tid) {
  (void)tid;
  int8_job *J = (int8_job *)p;
  int j0 = (int)chunk * CHUNK_COLS, j1 = j0 + CHUNK_COLS < J->N ? j0 + CHUNK_COLS : J->N;
  int32_t dot[TILE_ROWS][TILE_COLS];
  for (int jb = j0; jb < j1; jb += TILE_COLS) {
    int n = j1 - jb < TILE_COLS ? j1 - jb : TILE_COLS;
    for (int i0 = 0; i0 < J->M; i0 += TILE_ROWS) {
      int R = J->M - i0 < TILE_ROWS ? J->M - i0 : TILE_ROWS;
      const int8_t *x = J->xq + (size_t)i0 * J->Kq;
#ifdef LOWP_X86
      if (J->vnni) {
        vnni_tile[R](x, J->Kq, J->q, jb, dot);
        for (int a = 0; a < R; a++)
          for (int j = 0; j < n; j++) dot[a][j] -= 128 * J->rowSum[jb + j];
      } else
#endif
        for (int a = 0; a < R; a++) dots_i8(x + (size_t)a * J->Kq, J->q, J->Kq, jb, dot[a]);
      for (int a = 0; a < R; a++) {
        float *c = J->C + (size_t)(i0 + a) * J->N + jb;
        int8_epilogue(dot[a], n, J->sx[i0 + a], J->scale + jb, J->bias ? J->bias + jb : NULL, c);
      }
    }
  }
}

/* below this many multiply-adds a product stays on the calling thread */
#define PARALLEL_MIN_MACS 1e6

void k_gemm_int8(int M, int N, int K, const float *X, const int8_t *q, const float *scale, const int32_t *rowSum,
                 const float *bias, float *C) {
  if (M <= 0 || N <= 0) return;
  if (K <= 0) {
    for (size_t i = 0; i < (size_t)M * N; i++) C[i] = bias ? bias[i % N] : 0.0f;
    return;
  }
  detect();
  int Kq = (int)roundup((size_t)K, 4);
  int8_t *xq = (int8_t *)scratch_buf(roundup((size_t)M * Kq, 64) + (size_t)M * sizeof(float));
  if (!xq) return;
  float *sx = (float *)(xq + roundup((size_t)M * Kq, 64));
  for (int i = 0; i < M; i++) {
    const float *x = X + (size_t)i * K;
    float m = row_absmax(x, K);
    float s = m > 0 ? m / 127.0f : 1.0f;
    int8_t *xi = xq + (size_t)i * Kq;
    for (int k = 0; k < K; k++) xi[k] = quantize(x[k], s);
    for (int k = K; k < Kq; k++) xi[k] = 0;
    sx[i] = s;
  }
  int8_job J = {M, N, Kq, xq, sx, q, scale, bias, rowSum, C, haveVnni && !forcePortable};
  long chunks = (N + CHUNK_COLS - 1) / CHUNK_COLS;
  if ((double)M * N * K < PARALLEL_MIN_MACS || pool_threads() <= 1)
    for (long c = 0; c < chunks; c++) int8_chunk(&J, c, 0);
  else pool_run(int8_chunk, &J, chunks);
}

/* ---- bf16 ------------------------------------------------------------------------------------ */
static uint16_t to_bf16(float f) {
  uint32_t u;
  memcpy(&u, &f, 4);
  if ((u & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((u >> 16) | 0x40); /* NaN stays a (quiet) NaN */
  u += 0x7fffu + ((u >> 16) & 1u);                                        /* round to nearest even */
  return (uint16_t)(u >> 16);
}

static float from_bf16(uint16_t h) {
  uint32_t u = (uint32_t)h << 16;
  float f;
  memcpy(&f, &u, 4);
  return f;
}

/* W (N×K) → panels of 64 columns, pair of k's after pair (2 × 64 bf16, 256 bytes):
 * w(j,k) at [((j/64 · Kb/2 + k/2) · 64 + j%64) · 2 + k%2], Kb = roundup(K, 2); zero padding */
void k_pack_bf16(int N, int K, const float *W, uint16_t *out) {
  size_t Kb = roundup((size_t)K, 2);
  memset(out, 0, Kb * roundup((size_t)N, LOWP_COL_ALIGN) * sizeof(uint16_t));
  for (int j = 0; j < N; j++)
    for (int k = 0; k < K; k++)
      out[(((size_t)(j >> 6) * (Kb >> 1) + (k >> 1)) * 64 + (j & 63)) * 2 + (k & 1)] = to_bf16(W[(size_t)j * K + k]);
}

typedef struct {
  int M, N, Kb;
  const uint16_t *xb, *wb;
  const float *bias;
  float *C;
  int native;
} bf16_job;

/* dot[j] = Σ_k x[k] w(j0 + j, k) in float32, k ascending, for the 64 columns of the panel from j0 */
static void dots_bf16(const uint16_t *x, const uint16_t *w, int Kb, int j0, float *dot) {
  for (int j = 0; j < TILE_COLS; j++) dot[j] = 0;
  const uint16_t *panel = w + (size_t)(j0 / TILE_COLS) * Kb * TILE_COLS;
  for (int g = 0; g < Kb / 2; g++) {
    const uint16_t *wg = panel + (size_t)g * TILE_COLS * 2;
    float x0 = from_bf16(x[2 * g]), x1 = from_bf16(x[2 * g + 1]);
    for (int j = 0; j < TILE_COLS; j++) dot[j] += x0 * from_bf16(wg[2 * j]) + x1 * from_bf16(wg[2 * j + 1]);
  }
}

#ifdef LOWP_X86
/* per pair of k's: one broadcast of each row's pair, TILE_COLS/16 loads of W, R·TILE_COLS/16 vdpbf16ps */
#define BF16_TILE(R)                                                                                     \
  __attribute__((target("avx512f,avx512bw,avx512bf16"))) static void bf16_tile_##R(                    \
      const uint16_t *x, int Kb, const uint16_t *w, int j0, float dot[TILE_ROWS][TILE_COLS]) {           \
    __m512 acc[R][NV];                                                                                 \
    for (int a = 0; a < R; a++)                                                                        \
      for (int v = 0; v < NV; v++) acc[a][v] = _mm512_setzero_ps();                                    \
    const uint16_t *wg = w + (size_t)(j0 / TILE_COLS) * Kb * TILE_COLS;                                \
    for (int g = 0; g < Kb / 2; g++, wg += TILE_COLS * 2) {                                           \
      __m512bh wv[NV];                                                                                 \
      for (int v = 0; v < NV; v++) wv[v] = (__m512bh)_mm512_loadu_si512((const void *)(wg + 32 * v));  \
      for (int a = 0; a < R; a++) {                                                                    \
        int32_t pair;                                                                                  \
        memcpy(&pair, x + (size_t)a * Kb + 2 * g, 4);                                                  \
        __m512bh xb = (__m512bh)_mm512_set1_epi32(pair);                                               \
        for (int v = 0; v < NV; v++) acc[a][v] = _mm512_dpbf16_ps(acc[a][v], xb, wv[v]);              \
      }                                                                                                \
    }                                                                                                  \
    for (int a = 0; a < R; a++)                                                                        \
      for (int v = 0; v < NV; v++) _mm512_storeu_ps(dot[a] + 16 * v, acc[a][v]);                       \
  }
BF16_TILE(1)
BF16_TILE(2)
BF16_TILE(3)
BF16_TILE(4)
typedef void (*bf16_tile_fn)(const uint16_t *, int, const uint16_t *, int, float[TILE_ROWS][TILE_COLS]);
static const bf16_tile_fn bf16_tile[TILE_ROWS + 1] = {
    NULL, bf16_tile_1, bf16_tile_2, bf16_tile_3, bf16_tile_4};
#endif

static void bf16_chunk(void *p, long chunk, int tid) {
  (void)tid;
  bf16_job *J = (bf16_job *)p;
  int j0 = (int)chunk * CHUNK_COLS, j1 = j0 + CHUNK_COLS < J->N ? j0 + CHUNK_COLS : J->N;
  float dot[TILE_ROWS][TILE_COLS];
  for (int jb = j0; jb < j1; jb += TILE_COLS) {
    int n = j1 - jb < TILE_COLS ? j1 - jb : TILE_COLS;
    for (int i0 = 0; i0 < J->M; i0 += TILE_ROWS) {
      int R = J->M - i0 < TILE_ROWS ? J->M - i0 : TILE_ROWS;
      const uint16_t *x = J->xb + (size_t)i0 * J->Kb;
#ifdef LOWP_X86
      if (J->native) bf16_tile[R](x, J->Kb, J->wb, jb, dot);
      else
#endif
        for (int a = 0; a < R; a++) dots_bf16(x + (size_t)a * J->Kb, J->wb, J->Kb, jb, dot[a]);
      for (int a = 0; a < R; a++) {
        float *c = J->C + (size_t)(i0 + a) * J->N + jb;
        for (int j = 0; j < n; j++) c[j] = dot[a][j] + (J->bias ? J->bias[jb + j] : 0.0f);
      }
    }
  }
}

void k_gemm_bf16(int M, int N, int K, const float *X, const uint16_t *Wb, const float *bias, float *C) {
  if (M <= 0 || N <= 0) return;
  if (K <= 0) {
    for (size_t i = 0; i < (size_t)M * N; i++) C[i] = bias ? bias[i % N] : 0.0f;
    return;
  }
  detect();
  int Kb = (int)roundup((size_t)K, 2);
  uint16_t *xb = (uint16_t *)scratch_buf((size_t)M * Kb * sizeof(uint16_t));
  if (!xb) return;
  for (int i = 0; i < M; i++) {
    for (int k = 0; k < K; k++) xb[(size_t)i * Kb + k] = to_bf16(X[(size_t)i * K + k]);
    if (Kb > K) xb[(size_t)i * Kb + K] = 0;
  }
  bf16_job J = {M, N, Kb, xb, Wb, bias, C, haveBf16 && !forcePortable};
  long chunks = (N + CHUNK_COLS - 1) / CHUNK_COLS;
  if ((double)M * N * K < PARALLEL_MIN_MACS || pool_threads() <= 1)
    for (long c = 0; c < chunks; c++) bf16_chunk(&J, c, 0);
  else pool_run(bf16_chunk, &J, chunks);
}
