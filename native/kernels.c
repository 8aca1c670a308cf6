/* Fused elementwise, recurrent-cell, softmax, embedding and optimiser kernels.
 * Each is a plain loop the compiler vectorises (-O3 -march=native, reassociation allowed for the
 * sums); large calls are split over the thread pool by rows or ranges (rows are independent). */
#include "kernels.h"
#include "pool.h"
#include "vmath.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef __AVX512F__
#include <immintrin.h>
#endif

/* ---- range splitting over the pool ----------------------------------------------------------- */
/* fn(ctx, start, end, chunk): chunk numbers are deterministic (partial sums are kept per chunk) */
typedef void (*range_fn)(void *ctx, long start, long end, long chunk);
typedef struct { range_fn fn; void *ctx; long total, chunks; } range_job;

#define MAX_CHUNKS 64

static void range_task(void *p, long c, int tid) {
  (void)tid;
  range_job *j = (range_job *)p;
  long per = j->total / j->chunks, extra = j->total % j->chunks;
  long s = c * per + (c < extra ? c : extra);
  long e = s + per + (c < extra ? 1 : 0);
  if (e > s) j->fn(j->ctx, s, e, c);
}

/* Runs fn over [0, total) — cut into chunks over the pool when total·cost (≈ element operations)
 * is large enough to repay a hand-off; returns the number of chunks used. */
static long parallel_range(range_fn fn, void *ctx, long total, double cost) {
  int nt = pool_threads();
  if (total <= 1 || total * cost < (double)(1 << 20) || nt <= 1) { fn(ctx, 0, total, 0); return 1; }
  long chunks = (long)nt * 4;
  if (chunks > MAX_CHUNKS) chunks = MAX_CHUNKS;
  if (chunks > total) chunks = total;
  range_job j = {fn, ctx, total, chunks};
  pool_run(range_task, &j, chunks);
  return chunks;
}

/* ---- transpose: dst (cols×rows) = srcᵀ, 16×16 tiles, tile rows split over the pool ------------ */
typedef struct { int rows, cols; const float *src; float *dst; } transpose_ctx;

static void transpose_range(void *p, long start, long end, long chunk) {
  (void)chunk;
  transpose_ctx *t = (transpose_ctx *)p;
  const long R = t->rows, Cn = t->cols;
  for (long i0 = start * 16; i0 < end * 16 && i0 < R; i0 += 16) {
    long i1 = i0 + 16 < R ? i0 + 16 : R;
    for (long j0 = 0; j0 < Cn; j0 += 16) {
      long j1 = j0 + 16 < Cn ? j0 + 16 : Cn;
      for (long j = j0; j < j1; j++) {
        float *restrict d = t->dst + j * R;
        const float *restrict s = t->src + j;
        for (long i = i0; i < i1; i++) d[i] = s[i * Cn];
      }
    }
  }
}

void k_transpose(int rows, int cols, const float *src, float *dst) {
  transpose_ctx t = {rows, cols, src, dst};
  /* memory-bound: a read and a strided write per element, worth 2 threads from ~0.5 M elements */
  parallel_range(transpose_range, &t, (rows + 15) / 16, 2.0 * 16.0 * cols);
}

/* ---- bias and reductions --------------------------------------------------------------------- */
typedef struct { int M, N; float *X; const float *cX; const float *bias; float *out; } rowvec_ctx;

static void add_row_vector_rows(void *p, long i0, long i1, long chunk) {
  (void)chunk;
  rowvec_ctx *c = (rowvec_ctx *)p;
  const float *restrict bias = c->bias;
  for (long i = i0; i < i1; i++) {
    float *restrict x = c->X + i * c->N;
    for (long j = 0; j < c->N; j++) x[j] += bias[j];
  }
}

void k_add_row_vector(int M, int N, float *X, const float *bias) {
  rowvec_ctx c = {M, N, X, NULL, bias, NULL};
  parallel_range(add_row_vector_rows, &c, M, N);
}

/* split by columns (blocks of 64): each chunk sums every row of its columns, in row order */
static void sum_rows_cols(void *p, long b0, long b1, long chunk) {
  (void)chunk;
  rowvec_ctx *c = (rowvec_ctx *)p;
  long j0 = b0 * 64, j1 = b1 * 64 < c->N ? b1 * 64 : c->N;
  float *restrict out = c->out;
  for (long i = 0; i < c->M; i++) {
    const float *restrict x = c->cX + i * c->N;
    for (long j = j0; j < j1; j++) out[j] += x[j];
  }
}

void k_sum_rows_into(int M, int N, const float *X, float *out) {
  rowvec_ctx c = {M, N, NULL, X, NULL, out};
  parallel_range(sum_rows_cols, &c, (N + 63) / 64, 64.0 * M);
}

/* Σ x² (double) of blocks of SUMSQ_BLOCK elements, added in block order: the same value on any number of threads
 * (a large x — the gradients of a 15 M-parameter model — is summed block by block over the pool); with `scale`,
 * x ← a·x first (the gradient's per-token scaling in the same pass) */
#define SUMSQ_BLOCK 65536
typedef struct { float *x; long n; float a; int scale; double *part; } sumsq_ctx;

static void sumsq_blocks(void *p, long b0, long b1, long chunk) {
  (void)chunk;
  sumsq_ctx *c = (sumsq_ctx *)p;
  for (long b = b0; b < b1; b++) {
    long i0 = b * SUMSQ_BLOCK, i1 = i0 + SUMSQ_BLOCK < c->n ? i0 + SUMSQ_BLOCK : c->n;
    float *restrict x = c->x;
    double s = 0;
    if (c->scale)
      for (long i = i0; i < i1; i++) {
        x[i] *= c->a;
        s += (double)x[i] * (double)x[i];
      }
    else
      for (long i = i0; i < i1; i++) s += (double)x[i] * (double)x[i];
    c->part[b] = s;
  }
}

static double sum_squares_blocked(float *x, long n, float a, int scale) {
  long blocks = (n + SUMSQ_BLOCK - 1) / SUMSQ_BLOCK;
  double stackPart[256];
  double *part = blocks <= 256 ? stackPart : (double *)malloc((size_t)blocks * sizeof(double));
  sumsq_ctx c = {x, n, a, scale, part};
  if (!part) { /* no memory for the partial sums: one block after the other on this thread */
    double s = 0, one;
    c.part = &one;
    for (long b = 0; b < blocks; b++) {
      c.x = x + b * SUMSQ_BLOCK;
      c.n = n - b * SUMSQ_BLOCK < SUMSQ_BLOCK ? n - b * SUMSQ_BLOCK : SUMSQ_BLOCK;
      sumsq_blocks(&c, 0, 1, 0);
      s += one;
    }
    return s;
  }
  parallel_range(sumsq_blocks, &c, blocks, 2.0 * SUMSQ_BLOCK);
  double s = 0;
  for (long b = 0; b < blocks; b++) s += part[b];
  if (part != stackPart) free(part);
  return s;
}

double k_sum_squares(const float *x, long n) { return sum_squares_blocked((float *)x, n, 1.0f, 0); }

void k_axpy(long n, float a, const float *x, float *y) { for (long i = 0; i < n; i++) y[i] += a * x[i]; }
/* x ← a·x and Σ x² of the result: k_scale then k_sum_squares in one pass over x (the same blocks, the same value) */
double k_scale_sum_squares(long n, float a, float *x) { return sum_squares_blocked(x, n, a, 1); }

/* scale and fill: memory-bound passes, split over the pool when large (the gradients of every parameter) */
typedef struct { float *x; float v; } fill_ctx;
static void scale_range(void *p, long s, long e, long chunk) {
  (void)chunk;
  fill_ctx *c = (fill_ctx *)p;
  for (long i = s; i < e; i++) c->x[i] *= c->v;
}
static void fill_range(void *p, long s, long e, long chunk) {
  (void)chunk;
  fill_ctx *c = (fill_ctx *)p;
  if (c->v == 0.0f) memset(c->x + s, 0, (size_t)(e - s) * sizeof(float));
  else for (long i = s; i < e; i++) c->x[i] = c->v;
}
void k_scale(long n, float a, float *x) { fill_ctx c = {x, a}; parallel_range(scale_range, &c, n, 0.5); }
void k_fill(long n, float *x, float v) { fill_ctx c = {x, v}; parallel_range(fill_range, &c, n, 0.5); }

/* ---- activations ----------------------------------------------------------------------------- */
typedef struct { const float *x; float *y; } unary_ctx;
static void tanh_range(void *c, long s, long e, long chunk) {
  (void)chunk;
  const float *x = ((unary_ctx *)c)->x;
  float *y = ((unary_ctx *)c)->y;
  for (long i = s; i < e; i++) y[i] = vm_tanh(x[i]);
}
static void sigmoid_range(void *c, long s, long e, long chunk) {
  (void)chunk;
  const float *x = ((unary_ctx *)c)->x;
  float *y = ((unary_ctx *)c)->y;
  for (long i = s; i < e; i++) y[i] = vm_sigmoid(x[i]);
}
void k_tanh(long n, const float *x, float *y) { unary_ctx c = {x, y}; parallel_range(tanh_range, &c, n, 1); }
void k_sigmoid(long n, const float *x, float *y) { unary_ctx c = {x, y}; parallel_range(sigmoid_range, &c, n, 1); }

/* dx = dy ⊙ (1 − y²), accumulated or overwritten */
void k_tanh_backward(long n, const float *y, const float *dy, float *dx, int accumulate) {
  if (accumulate) for (long i = 0; i < n; i++) dx[i] += dy[i] * (1.0f - y[i] * y[i]);
  else for (long i = 0; i < n; i++) dx[i] = dy[i] * (1.0f - y[i] * y[i]);
}

/* ---- GRU ------------------------------------------------------------------------------------- */
typedef struct { int H; const float *gi, *gh, *hPrev, *dhNew; float *hNew, *gates, *dgi, *dgh, *dhPrev; const float *cgates; float *ghb; const float *bhh; } gru_ctx;

/* One row (restrict parameters: the form GCC vectorises).
 * r = σ(gi_r + gh_r), z = σ(gi_z + gh_z), n = tanh(gi_n + r ⊙ gh_n), h' = (1 − z) ⊙ n + z ⊙ h */
static void gru_fwd_row(long H, const float *restrict gir, const float *restrict giz, const float *restrict gin,
                        const float *restrict ghr, const float *restrict ghz, const float *restrict ghn, const float *restrict h,
                        float *restrict gr, float *restrict gz, float *restrict gn, float *restrict hn) {
  for (long j = 0; j < H; j++) {
    float r = vm_sigmoid(gir[j] + ghr[j]);
    float z = vm_sigmoid(giz[j] + ghz[j]);
    float n = vm_tanh(gin[j] + r * ghn[j]);
    gr[j] = r;
    gz[j] = z;
    gn[j] = n;
    hn[j] = (1.0f - z) * n + z * h[j];
  }
}
/* gh given as W_hh h alone: gh ← gh + b_hh first (the backward reads it), the same sums as adding it before */
static void gh_bias_row(long G, float *restrict gh, const float *restrict b) {
  for (long j = 0; j < G; j++) gh[j] += b[j];
}
static void gru_fwd_rows(void *p, long b0, long b1, long chunk) {
  (void)chunk;
  gru_ctx *c = (gru_ctx *)p;
  long H = c->H;
  for (long b = b0; b < b1; b++) {
    if (c->bhh) gh_bias_row(3 * H, c->ghb + b * 3 * H, c->bhh);
    const float *gi = c->gi + b * 3 * H, *gh = c->gh + b * 3 * H;
    float *g = c->gates + b * 3 * H;
    gru_fwd_row(H, gi, gi + H, gi + 2 * H, gh, gh + H, gh + 2 * H, c->hPrev + b * H, g, g + H, g + 2 * H, c->hNew + b * H);
  }
}
void k_gru_forward(int B, int H, const float *gi, float *gh, const float *hPrev, float *hNew, float *gates, const float *bhh) {
  gru_ctx c = {H, gi, gh, hPrev, 0, hNew, gates, 0, 0, 0, 0, gh, bhh};
  parallel_range(gru_fwd_rows, &c, B, 40.0 * H); /* ≈ 3 exps per element: 2 threads pay from B ≈ 52 at H = 512 */
}

/* dn = dh'(1 − z); dz = dh'(h − n); da_n = dn(1 − n²); dr = da_n gh_n; da_r = dr r(1 − r);
 * da_z = dz z(1 − z); dgi = [da_r, da_z, da_n]; dgh = [da_r, da_z, da_n r]; dhPrev += dh' z */
static void gru_bwd_row(long H, const float *restrict gr, const float *restrict gz, const float *restrict gn,
                        const float *restrict ghn, const float *restrict h, const float *restrict dhn,
                        float *restrict dgir, float *restrict dgiz, float *restrict dgin,
                        float *restrict dghr, float *restrict dghz, float *restrict dghn, float *restrict dhp) {
  for (long j = 0; j < H; j++) {
    float r = gr[j], z = gz[j], n = gn[j], dh = dhn[j];
    float dn = dh * (1.0f - z);
    float dz = dh * (h[j] - n);
    float dan = dn * (1.0f - n * n);
    float dar = dan * ghn[j] * r * (1.0f - r);
    float daz = dz * z * (1.0f - z);
    dgir[j] = dar;
    dgiz[j] = daz;
    dgin[j] = dan;
    dghr[j] = dar;
    dghz[j] = daz;
    dghn[j] = dan * r;
    dhp[j] += dh * z;
  }
}
static void gru_bwd_rows(void *p, long b0, long b1, long chunk) {
  (void)chunk;
  gru_ctx *c = (gru_ctx *)p;
  long H = c->H;
  for (long b = b0; b < b1; b++) {
    const float *g = c->cgates + b * 3 * H;
    float *dgi = c->dgi + b * 3 * H, *dgh = c->dgh + b * 3 * H;
    gru_bwd_row(H, g, g + H, g + 2 * H, c->gh + b * 3 * H + 2 * H, c->hPrev + b * H, c->dhNew + b * H,
                dgi, dgi + H, dgi + 2 * H, dgh, dgh + H, dgh + 2 * H, c->dhPrev + b * H);
  }
}
void k_gru_backward(int B, int H, const float *gates, const float *gh, const float *hPrev, const float *dhNew, float *dgi, float *dgh, float *dhPrev) {
  gru_ctx c = {H, 0, gh, hPrev, dhNew, 0, 0, dgi, dgh, dhPrev, gates, 0, 0};
  parallel_range(gru_bwd_rows, &c, B, 40.0 * H);
}

/* ---- LSTM ------------------------------------------------------------------------------------ */
typedef struct { int H; const float *g, *cPrev, *dhNew, *dcNew, *cgates, *ctanhC; float *hNew, *cNew, *gates, *tanhC, *dg, *dcPrev; } lstm_ctx;

/* i = σ(g_i), f = σ(g_f), gg = tanh(g_g), o = σ(g_o); c' = f ⊙ c + i ⊙ gg; h' = o ⊙ tanh(c') */
static void lstm_fwd_row(long H, const float *restrict g0, const float *restrict g1, const float *restrict g2, const float *restrict g3,
                         const float *restrict cp, float *restrict a0, float *restrict a1, float *restrict a2, float *restrict a3,
                         float *restrict cn, float *restrict tc, float *restrict hn) {
  for (long j = 0; j < H; j++) {
    float i = vm_sigmoid(g0[j]), f = vm_sigmoid(g1[j]), gg = vm_tanh(g2[j]), o = vm_sigmoid(g3[j]);
    float cc = f * cp[j] + i * gg;
    float t = vm_tanh(cc);
    a0[j] = i;
    a1[j] = f;
    a2[j] = gg;
    a3[j] = o;
    cn[j] = cc;
    tc[j] = t;
    hn[j] = o * t;
  }
}
static void lstm_fwd_rows(void *p, long b0, long b1, long chunk) {
  (void)chunk;
  lstm_ctx *c = (lstm_ctx *)p;
  long H = c->H;
  for (long b = b0; b < b1; b++) {
    const float *g = c->g + b * 4 * H;
    float *ga = c->gates + b * 4 * H;
    lstm_fwd_row(H, g, g + H, g + 2 * H, g + 3 * H, c->cPrev + b * H, ga, ga + H, ga + 2 * H, ga + 3 * H,
                 c->cNew + b * H, c->tanhC + b * H, c->hNew + b * H);
  }
}
void k_lstm_forward(int B, int H, const float *g, const float *cPrev, float *hNew, float *cNew, float *gates, float *tanhC) {
  lstm_ctx c = {H, g, cPrev, 0, 0, 0, 0, hNew, cNew, gates, tanhC, 0, 0};
  parallel_range(lstm_fwd_rows, &c, B, 48.0 * H);
}

/* dc = dc' + dh' o (1 − tanh²c'); dg_i = dc gg i(1 − i); dg_f = dc c f(1 − f);
 * dg_g = dc i (1 − gg²); dg_o = dh' tanh(c') o(1 − o); dcPrev = dc f */
static void lstm_bwd_row(long H, const float *restrict a0, const float *restrict a1, const float *restrict a2, const float *restrict a3,
                         const float *restrict tc, const float *restrict cp, const float *restrict dhn, const float *restrict dcn,
                         float *restrict d0, float *restrict d1, float *restrict d2, float *restrict d3, float *restrict dcp) {
  for (long j = 0; j < H; j++) {
    float i = a0[j], f = a1[j], gg = a2[j], o = a3[j], t = tc[j], dh = dhn[j];
    float dc = dcn[j] + dh * o * (1.0f - t * t);
    d0[j] = dc * gg * i * (1.0f - i);
    d1[j] = dc * cp[j] * f * (1.0f - f);
    d2[j] = dc * i * (1.0f - gg * gg);
    d3[j] = dh * t * o * (1.0f - o);
    dcp[j] = dc * f;
  }
}
static void lstm_bwd_rows(void *p, long b0, long b1, long chunk) {
  (void)chunk;
  lstm_ctx *c = (lstm_ctx *)p;
  long H = c->H;
  for (long b = b0; b < b1; b++) {
    const float *ga = c->cgates + b * 4 * H;
    float *dg = c->dg + b * 4 * H;
    lstm_bwd_row(H, ga, ga + H, ga + 2 * H, ga + 3 * H, c->ctanhC + b * H, c->cPrev + b * H, c->dhNew + b * H, c->dcNew + b * H,
                 dg, dg + H, dg + 2 * H, dg + 3 * H, c->dcPrev + b * H);
  }
}
void k_lstm_backward(int B, int H, const float *gates, const float *tanhC, const float *cPrev, const float *dhNew, const float *dcNew, float *dg, float *dcPrev) {
  lstm_ctx c = {H, 0, cPrev, dhNew, dcNew, gates, tanhC, 0, 0, 0, 0, dg, dcPrev};
  parallel_range(lstm_bwd_rows, &c, B, 40.0 * H);
}

/* out[b, :] = mask[b] ? a[b, :] : b[b, :] */
void k_select_rows(int B, int H, const float *mask, const float *a, const float *b, float *out) {
  for (int r = 0; r < B; r++) {
    const float *src = (mask[r] != 0.0f ? a : b) + (size_t)r * H;
    float *dst = out + (size_t)r * H;
    if (src != dst) memmove(dst, src, H * sizeof(float));
  }
}

/* ---- softmax --------------------------------------------------------------------------------- */
typedef struct { int V; const float *logits; float *out; const int *targets; int ignoreId; float smoothing; double partial[MAX_CHUNKS]; double partialNll[MAX_CHUNKS]; } softmax_ctx;

/* max of x[0..V), NaN ignored (−∞ if there is nothing else). The scalar loop is a chain of dependent maxss
 * (GCC keeps it serial for NaN's sake); 16 lanes at a time with NaN masked to −∞ give the very same value. */
static float row_max(const float *x, int V) {
  float m = -INFINITY;
  int j = 0;
#ifdef __AVX512F__
  __m512 acc = _mm512_set1_ps(-INFINITY);
  for (; j + 16 <= V; j += 16) {
    __m512 v = _mm512_loadu_ps(x + j);
    acc = _mm512_max_ps(acc, _mm512_mask_mov_ps(v, _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q), acc));
  }
  m = _mm512_reduce_max_ps(acc);
#endif
  for (; j < V; j++) m = x[j] > m ? x[j] : m;
  return m;
}

/* o = x − max − log Σ exp(x − max), one row. Not inlined: logSoftmax and logSoftmaxTopK run the very same
 * machine code, so their log-probabilities are equal to the bit. */
static __attribute__((noinline)) void log_softmax_row(const float *x, float *o, int V) {
  float mx = row_max(x, V);
  float s = 0;
  for (int j = 0; j < V; j++) s += vm_exp(x[j] - mx);
  float lse = mx + logf(s);
  for (int j = 0; j < V; j++) o[j] = x[j] - lse;
}

static void log_softmax_rows(void *p, long r0, long r1, long chunk) {
  (void)chunk;
  softmax_ctx *c = (softmax_ctx *)p;
  int V = c->V;
  for (long r = r0; r < r1; r++) log_softmax_row(c->logits + r * V, c->out + r * V, V);
}
void k_log_softmax(int M, int V, const float *logits, float *out) {
  softmax_ctx c;
  c.V = V; c.logits = logits; c.out = out;
  parallel_range(log_softmax_rows, &c, M, 3.0 * V);
}

/* ---- row top-k: the k best of s_j = base + x_j (float64), ties → lower j, in descending order ----
 * The insertion of beam search's candidate buffer (src/decode/top-k.ts): a candidate enters while the
 * buffer is not full, or when s beats its last entry strictly; so among equal s the earlier j stays ahead.
 * Once full, a block of 16 is skipped when base + (its largest x) does not beat the last entry (adding
 * base in float64 is monotone, so no s of the block could). */
/* max of 16 floats, NaN ignored (−∞ if all are NaN): one vector reduction, not 16 dependent maxss */
static inline float block_max16(const float *x) {
#ifdef __AVX512F__
  __m512 v = _mm512_loadu_ps(x);
  v = _mm512_mask_mov_ps(v, _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q), _mm512_set1_ps(-INFINITY));
  return _mm512_reduce_max_ps(v);
#else
  float m = -INFINITY;
  for (int j = 0; j < 16; j++) m = x[j] > m ? x[j] : m;
  return m;
#endif
}

static int top_k_row(const float *x, int V, double base, int k, double *val, int *idx) {
  int size = 0;
  for (int j0 = 0; j0 < V; j0 += 16) {
    int j1 = j0 + 16 < V ? j0 + 16 : V;
    if (size == k && j1 - j0 == 16 && !(base + (double)block_max16(x + j0) > val[k - 1])) continue;
    for (int j = j0; j < j1; j++) {
      double s = base + (double)x[j];
      if (size == k && !(s > val[k - 1])) continue;
      int i = size < k ? size++ : k - 1;
      while (i > 0 && s > val[i - 1]) {
        val[i] = val[i - 1];
        idx[i] = idx[i - 1];
        i--;
      }
      val[i] = s;
      idx[i] = j;
    }
  }
  return size;
}

typedef struct { int V, k; const float *x; float *out; const double *base; double *val; int *idx; } topk_ctx;

static void top_k_rows(void *p, long r0, long r1, long chunk) {
  (void)chunk;
  topk_ctx *c = (topk_ctx *)p;
  for (long r = r0; r < r1; r++) {
    const float *x = c->x + r * c->V;
    if (c->out) {
      log_softmax_row(x, c->out + r * c->V, c->V);
      x = c->out + r * c->V;
    }
    int n = top_k_row(x, c->V, c->base ? c->base[r] : 0.0, c->k, c->val + r * c->k, c->idx + r * c->k);
    for (int i = n; i < c->k; i++) {
      c->val[r * c->k + i] = -INFINITY;
      c->idx[r * c->k + i] = -1;
    }
  }
}
void k_row_top_k(int M, int V, const float *x, int k, const double *base, double *val, int *idx) {
  topk_ctx c = {V, k, x, NULL, base, val, idx};
  parallel_range(top_k_rows, &c, M, 1.5 * V);
}
void k_log_softmax_top_k(int M, int V, const float *logits, float *out, int k, const double *base, double *val,
                         int *idx) {
  topk_ctx c = {V, k, logits, out, base, val, idx};
  parallel_range(top_k_rows, &c, M, 4.5 * V);
}

/* loss_r = −(1 − ε) log p_y − (ε/V) Σ_j log p_j; dlogits = p − q, q = (1 − ε) onehot(y) + ε/V;
 * nll_r = −log p_y (the unsmoothed loss, for perplexity).
 * One exp per element: e_j = exp(x_j − max) is stored in dLogits, then normalised (works in place). */
static void xent_rows(void *p, long r0, long r1, long chunk) {
  softmax_ctx *c = (softmax_ctx *)p;
  int V = c->V;
  float eps = c->smoothing, uniform = eps / V;
  double total = 0, nll = 0;
  for (long r = r0; r < r1; r++) {
    const float *x = c->logits + r * V;
    float *d = c->out + r * V;
    int y = c->targets[r];
    if (y == c->ignoreId) { memset(d, 0, V * sizeof(float)); continue; }
    float mx = row_max(x, V);
    float xy = x[y];
    float s = 0, sx = 0;
    for (int j = 0; j < V; j++) {
      float xj = x[j];
      float e = vm_exp(xj - mx);
      sx += xj;
      s += e;
      d[j] = e;
    }
    double lse = (double)mx + log((double)s);
    double logPy = (double)xy - lse;
    double sumLogP = (double)sx - (double)V * lse;
    total += -(1.0 - eps) * logPy - uniform * sumLogP;
    nll -= logPy;
    float inv = 1.0f / s;
    for (int j = 0; j < V; j++) d[j] = d[j] * inv - uniform;
    d[y] -= 1.0f - eps;
  }
  c->partial[chunk] = total;
  c->partialNll[chunk] = nll;
}
double k_softmax_xent(int M, int V, const float *logits, const int *targets, int ignoreId, float smoothing, float *dLogits, double *nllOut) {
  softmax_ctx c;
  c.V = V; c.logits = logits; c.out = dLogits; c.targets = targets; c.ignoreId = ignoreId; c.smoothing = smoothing;
  for (int t = 0; t < MAX_CHUNKS; t++) c.partial[t] = c.partialNll[t] = 0;
  long chunks = parallel_range(xent_rows, &c, M, 3.0 * V);
  double total = 0, nll = 0;
  for (long t = 0; t < chunks; t++) { total += c.partial[t]; nll += c.partialNll[t]; } /* fixed order: deterministic */
  if (nllOut) *nllOut = nll;
  return total;
}

/* ---- dropout masks ----------------------------------------------------------------------------
 * A counter-based generator: u_i = fmix32(fmix32(i·φ + s0) ⊕ s1) (MurmurHash3's finaliser, φ =
 * 0x9E3779B9), so element i's draw depends only on (s0, s1, i): no sequential state, the same
 * mask from any thread split and from the TypeScript kernel. mask[j] = u_{first + j} ≥ ⌊p·2³²⌋ ? keep : 0
 * (first > 0: a part of a longer mask, drawn on its own). */
static inline uint32_t fmix32(uint32_t h) {
  h ^= h >> 16; h *= 0x85ebca6bu;
  h ^= h >> 13; h *= 0xc2b2ae35u;
  h ^= h >> 16;
  return h;
}
typedef struct { float *mask; uint32_t threshold, s0, s1, first; float keep; } dropout_ctx;
static void dropout_range(void *p, long s, long e, long chunk) {
  (void)chunk;
  dropout_ctx *c = (dropout_ctx *)p;
  const uint32_t th = c->threshold, s0 = c->s0, s1 = c->s1, first = c->first;
  const float keep = c->keep;
  float *m = c->mask;
  for (long i = s; i < e; i++) {
    uint32_t u = fmix32(fmix32((first + (uint32_t)i) * 0x9E3779B9u + s0) ^ s1);
    m[i] = u >= th ? keep : 0.0f;
  }
}
void k_dropout_mask(long n, float *mask, uint32_t threshold, float keep, uint32_t s0, uint32_t s1, uint32_t first) {
  dropout_ctx c = {mask, threshold, s0, s1, first, keep};
  parallel_range(dropout_range, &c, n, 4.0);
}

/* ---- embeddings ------------------------------------------------------------------------------ */
void k_gather_rows(int n, const int *ids, int D, const float *table, float *out) {
  for (int r = 0; r < n; r++) memcpy(out + (size_t)r * D, table + (size_t)ids[r] * D, D * sizeof(float));
}

void k_scatter_add_rows(int n, const int *ids, int D, const float *dOut, float *dTable, int skipId) {
  for (int r = 0; r < n; r++) {
    if (ids[r] == skipId) continue;
    float *t = dTable + (size_t)ids[r] * D;
    const float *o = dOut + (size_t)r * D;
    for (int j = 0; j < D; j++) t[j] += o[j];
  }
}

/* ---- Adam ------------------------------------------------------------------------------------ */
typedef struct { float *p; const float *g; float *m, *v; float lr, b1, b2, eps, bc1, bc2, wd, gs; } adam_ctx;

/* g = gs·grad (the clipping factor: the product k_scale would have stored);
 * m = β1 m + (1 − β1) g; v = β2 v + (1 − β2) g²; p −= lr (m/bc1) / (√(v/bc2) + ε) + lr wd p */
static void adam_range(void *p, long s, long e, long chunk) {
  (void)chunk;
  adam_ctx *c = (adam_ctx *)p;
  float b1 = c->b1, b2 = c->b2, lr = c->lr, eps = c->eps, ibc1 = 1.0f / c->bc1, ibc2 = 1.0f / c->bc2, lrwd = c->lr * c->wd;
  float gs = c->gs;
  for (long i = s; i < e; i++) {
    float g = c->g[i] * gs;
    float m = b1 * c->m[i] + (1.0f - b1) * g;
    float v = b2 * c->v[i] + (1.0f - b2) * g * g;
    c->m[i] = m;
    c->v[i] = v;
    c->p[i] -= lr * (m * ibc1) / (sqrtf(v * ibc2) + eps) + lrwd * c->p[i];
  }
}
void k_adam_step(long n, float *p, const float *g, float *m, float *v, float lr, float beta1, float beta2, float eps, float bc1, float bc2, float wd,
                 float gs) {
  adam_ctx c = {p, g, m, v, lr, beta1, beta2, eps, bc1, bc2, wd, gs};
  parallel_range(adam_range, &c, n, 2.0);
}

/* ---- attention (layouts in kernels.h) -------------------------------------------------------- */
static float dot_row(long n, const float *restrict a, const float *restrict b) {
  float s = 0;
  for (long j = 0; j < n; j++) s += a[j] * b[j];
  return s;
}
static void axpy_row(long n, float a, const float *restrict x, float *restrict y) {
  for (long j = 0; j < n; j++) y[j] += a * x[j];
}
/* u = tanh(k + q) into U, returns v · u */
static float additive_row(long A, const float *restrict k, const float *restrict q, const float *restrict v, float *restrict u) {
  float e = 0;
  for (long j = 0; j < A; j++) {
    float t = vm_tanh(k[j] + q[j]);
    u[j] = t;
    e += t * v[j];
  }
  return e;
}
/* du = g v ⊙ (1 − u²); dK += du; dqp += du; dv += g u */
static void additive_back_row(long A, float g, const float *restrict u, const float *restrict v, float *restrict dk, float *restrict dq, float *restrict dv) {
  for (long j = 0; j < A; j++) {
    float du = g * v[j] * (1.0f - u[j] * u[j]);
    dk[j] += du;
    dq[j] += du;
    dv[j] += g * u[j];
  }
}

typedef struct { int S, B, A, nb; const float *K, *qp, *v; float *U, *scores; const int *lengths; } additive_ctx;
static void additive_rows(void *p, long i0, long i1, long chunk) {
  (void)chunk;
  additive_ctx *c = (additive_ctx *)p;
  long A = c->A;
  for (long i = i0; i < i1; i++) { /* i = s·nb + b, row r = s·B + b */
    long s = i / c->nb, b = i % c->nb, r = s * c->B + b;
    if (c->lengths && s >= c->lengths[b]) continue;
    c->scores[r] = additive_row(A, c->K + r * A, c->qp + b * A, c->v, c->U + r * A);
  }
}
/* U[s,b] = tanh(K[s,b] + qp[b]); scores[s·B + b] = v · U[s,b]  (b < nb; with lengths, s < lengths[b] only) */
void k_additive_attention_forward(int S, int B, int A, const float *K, const float *qp, const float *v, float *U, float *scores, int nb,
                                  const int *lengths) {
  if (nb <= 0) return;
  additive_ctx c = {S, B, A, nb, K, qp, v, U, scores, lengths};
  parallel_range(additive_rows, &c, (long)S * nb, 12.0 * A);
}

/* Split over rows b (each chunk: dK and dqp of its rows, and its own partial Σ g·u for dv, added
 * to dv in chunk order afterwards, so the result does not depend on which thread ran what). */
typedef struct { int S, B, A; const float *U, *v, *dscores; float *dK, *dqp, *dvPart; } additive_back_ctx;
static float *dvParts;
static size_t dvPartsFloats;

static void additive_back_rows(void *p, long b0, long b1, long chunk) {
  additive_back_ctx *c = (additive_back_ctx *)p;
  const long S = c->S, B = c->B, A = c->A;
  float *dv = c->dvPart + chunk * A;
  memset(dv, 0, (size_t)A * sizeof(float));
  for (long b = b0; b < b1; b++) {
    memset(c->dqp + b * A, 0, (size_t)A * sizeof(float));
    for (long s = 0; s < S; s++) {
      long r = s * B + b;
      float g = c->dscores[r];
      if (g == 0.0f) continue;
      additive_back_row(A, g, c->U + r * A, c->v, c->dK + r * A, c->dqp + b * A, dv);
    }
  }
}

void k_additive_attention_backward(int S, int B, int A, const float *U, const float *v, const float *dscores, float *dK, float *dqp, float *dv, int nb) {
  if (nb <= 0) return;
  size_t need = (size_t)MAX_CHUNKS * A;
  if (need > dvPartsFloats) {
    free(dvParts);
    dvParts = (float *)malloc(need * sizeof(float));
    dvPartsFloats = dvParts ? need : 0;
  }
  if (!dvParts) { /* no memory for the partial sums: the serial loop, straight into dv */
    memset(dqp, 0, (size_t)nb * A * sizeof(float));
    for (long s = 0; s < S; s++)
      for (long b = 0; b < nb; b++) {
        long r = s * B + b;
        float g = dscores[r];
        if (g != 0.0f) additive_back_row(A, g, U + r * A, v, dK + r * A, dqp + b * A, dv);
      }
    return;
  }
  additive_back_ctx c = {S, B, A, U, v, dscores, dK, dqp, dvParts};
  long chunks = parallel_range(additive_back_rows, &c, nb, 6.0 * S * A);
  for (long ch = 0; ch < chunks; ch++) k_axpy(A, 1.0f, dvParts + ch * A, dv);
}

/* scores[s·B + b] = q[b] · K[s,b] for b < nb */
void k_dot_attention_scores(int S, int B, int D, const float *K, const float *q, float *scores, int nb) {
  for (long s = 0; s < S; s++)
    for (long b = 0; b < nb; b++) scores[s * B + b] = dot_row(D, q + b * D, K + (s * B + b) * D);
}

/* dq[b] += Σ_s ds K[s,b]; dK[s,b] += ds q[b] for b < nb */
void k_dot_attention_backward(int S, int B, int D, const float *K, const float *q, const float *dscores, float *dq,
                              float *dK, int nb) {
  for (long s = 0; s < S; s++)
    for (long b = 0; b < nb; b++) {
      long r = s * B + b;
      float g = dscores[r];
      if (g == 0.0f) continue;
      axpy_row(D, g, K + r * D, dq + b * D);
      axpy_row(D, g, q + b * D, dK + r * D);
    }
}

/* α_b = softmax over s < len_b of scores[s·B + b] (0 beyond); ctx_b = Σ_s α_bs M[s,b]
 * (rows b are independent: split over the pool) */
typedef struct { int S, B, C; const float *scores; const int *lengths; const float *M; float *alpha, *ctx; const float *dctx; float *dM, *dscores; } context_ctx;

/* One row of both: α_s = softmax over s < len of sc[s·ss] (0 for len ≤ s < S); ctx = Σ_{s<len} α_s M_s,
 * where M_s = M + s·ms is a row of C floats */
static inline void softmax_context_row(long S, long len, long C, const float *sc, long ss, const float *M, long ms,
                                       float *al, float *cx) {
  float mx = -INFINITY;
  for (long s = 0; s < len; s++) mx = sc[s * ss] > mx ? sc[s * ss] : mx;
  double sum = 0;
  for (long s = 0; s < len; s++) {
    float e = expf(sc[s * ss] - mx);
    al[s] = e;
    sum += e;
  }
  float inv = (float)(1.0 / sum);
  for (long s = 0; s < len; s++) al[s] *= inv;
  for (long s = len; s < S; s++) al[s] = 0.0f;
  memset(cx, 0, (size_t)C * sizeof(float));
  for (long s = 0; s < len; s++) axpy_row(C, al[s], M + s * ms, cx);
}

static void context_rows(void *p, long b0, long b1, long chunk) {
  (void)chunk;
  context_ctx *c = (context_ctx *)p;
  const long S = c->S, B = c->B, C = c->C;
  for (long b = b0; b < b1; b++) {
    long len = c->lengths[b] < S ? c->lengths[b] : S;
    softmax_context_row(S, len, C, c->scores + b, B, c->M + b * C, B * C, c->alpha + b * S, c->ctx + b * C);
  }
}

void k_attention_context(int S, int B, int C, const float *scores, const int *lengths, const float *M, float *alpha, float *ctx, int nb) {
  if (nb <= 0) return;
  context_ctx c = {S, B, C, scores, lengths, M, alpha, ctx, NULL, NULL, NULL};
  parallel_range(context_rows, &c, nb, 2.0 * S * C);
}

/* dα_bs = dctx_b · M[s,b]; dscores = α (dα − Σ_s α dα) (0 at padding); dM[s,b] += α_bs dctx_b */
static void context_back_rows(void *p, long b0, long b1, long chunk) {
  (void)chunk;
  context_ctx *c = (context_ctx *)p;
  const long S = c->S, B = c->B, C = c->C;
  float *dscores = c->dscores;
  for (long b = b0; b < b1; b++) {
    long len = c->lengths[b] < S ? c->lengths[b] : S;
    const float *al = c->alpha + b * S, *dc = c->dctx + b * C;
    double dot = 0;
    for (long s = 0; s < len; s++) {
      long r = s * B + b;
      float da = dot_row(C, dc, c->M + r * C);
      axpy_row(C, al[s], dc, c->dM + r * C);
      dscores[r] = da;
      dot += (double)al[s] * da;
    }
    for (long s = 0; s < len; s++) dscores[s * B + b] = al[s] * (dscores[s * B + b] - (float)dot);
    for (long s = len; s < S; s++) dscores[s * B + b] = 0.0f;
  }
}

void k_attention_context_backward(int S, int B, int C, const float *alpha, const int *lengths, const float *M, const float *dctx, float *dM, float *dscores, int nb) {
  if (nb <= 0) return;
  context_ctx c = {S, B, C, NULL, lengths, M, (float *)alpha, NULL, dctx, dM, dscores};
  parallel_range(context_back_rows, &c, nb, 4.0 * S * C);
}

/* ---- attention backward in two parts (training): the score gradient per step, the memory gradient once ------
 * attentionContextBackward does both per step, re-reading and re-writing all of dM on every step; BPTT needs only
 * the score gradient inside the recurrence (it feeds ∂L/∂q), so dM can wait until every step's dctx is known. */

/* dα_bs = dctx_b · M[s,b] (+ dOut_b · V[s,b] with a second memory V of width W: the same weights' other context);
 * dscores[s·B + b] = α_bs (dα_bs − Σ_s' α_bs' dα_bs') for s < len_b, 0 beyond (rows b < nb) */
typedef struct {
  int S, B, C, W;
  const float *alpha, *M, *dctx, *V, *dOut;
  const int *lengths;
  float *dscores;
} score_grad_ctx;

static void score_grad_rows(void *p, long b0, long b1, long chunk) {
  (void)chunk;
  score_grad_ctx *c = (score_grad_ctx *)p;
  const long S = c->S, B = c->B, C = c->C, W = c->W;
  float *dscores = c->dscores;
  for (long b = b0; b < b1; b++) {
    long len = c->lengths[b] < S ? c->lengths[b] : S;
    const float *al = c->alpha + b * S;
    double dot = 0;
    for (long s = 0; s < len; s++) {
      long r = s * B + b;
      float da = dot_row(C, c->dctx + b * C, c->M + r * C);
      if (W > 0) da += dot_row(W, c->dOut + b * W, c->V + r * W);
      dscores[r] = da;
      dot += (double)al[s] * da;
    }
    for (long s = 0; s < len; s++) dscores[s * B + b] = al[s] * (dscores[s * B + b] - (float)dot);
    for (long s = len; s < S; s++) dscores[s * B + b] = 0.0f;
  }
}

void k_attention_score_grad(int S, int B, int C, const float *alpha, const int *lengths, const float *M, const float *dctx,
                            float *dscores, int nb, int W, const float *V, const float *dOut) {
  if (nb <= 0) return;
  score_grad_ctx c = {S, B, C, V && dOut ? W : 0, alpha, M, dctx, V, dOut, lengths, dscores};
  parallel_range(score_grad_rows, &c, nb, 2.0 * S * (C + c.W));
}

/* dM[s,b,:] += Σ_t α[off_t + b, s] · X[off_t + b, :] over the steps t with b < count_t (the rank's own steps), for
 * s < len_b: every step's share of ∂L/∂M at once, each rank's S rows of dM kept in cache while its steps add to them
 * (in step order). Split over ranks b. */
typedef struct {
  int S, B, C, T;
  const int *count, *offset, *lengths;
  const float *alphas, *X;
  float *dM;
} memory_grad_ctx;

static void memory_grad_rows(void *p, long b0, long b1, long chunk) {
  (void)chunk;
  memory_grad_ctx *c = (memory_grad_ctx *)p;
  const long S = c->S, B = c->B, C = c->C;
  for (long b = b0; b < b1; b++) {
    long len = c->lengths[b] < S ? c->lengths[b] : S;
    for (long t = 0; t < c->T && c->count[t] > b; t++) {
      long r = c->offset[t] + b;
      const float *al = c->alphas + r * S, *x = c->X + r * C;
      for (long s = 0; s < len; s++) axpy_row(C, al[s], x, c->dM + (s * B + b) * C);
    }
  }
}

void k_attention_memory_grad(int S, int B, int C, int T, const int *count, const int *offset, const int *lengths,
                             const float *alphas, const float *X, float *dM) {
  if (T <= 0 || B <= 0) return;
  memory_grad_ctx c = {S, B, C, T, count, offset, lengths, alphas, X, dM};
  parallel_range(memory_grad_rows, &c, count[0] < B ? count[0] : B, 2.0 * T * S * C);
}

/* ---- decoding: attention of rows over the memory of the sentences they decode ------------------
 * The memory K / M holds B0 sentences ([S×B0×D]); row b (of nb) reads sentence src[b], so rows that
 * decode the same sentence (the hypotheses of a beam) share one copy and dropping a row copies nothing.
 * Each row's arithmetic is the row code of the kernels above, so a row's scores, weights and context
 * equal those of k_additive_attention_forward / k_dot_attention_scores / k_attention_context run on the
 * memory gathered row by row, to the bit (test/native/indexed-attention.test.ts). */
typedef struct {
  int S, B0, D, nb;
  const int *src, *lengths;
  const float *K, *q, *v, *scores, *M;
  float *out, *alpha, *ctx;
} indexed_ctx;

static long indexed_len(const indexed_ctx *c, long b) {
  long len = c->lengths[c->src[b]];
  return len < 0 ? 0 : len < c->S ? len : c->S;
}

/* scores[s·nb + b] = v · tanh(K[s, src[b]] + qp[b]) for s < len[src[b]] (the row code of
 * additive_rows; its tanh values go to a scratch row, as no backward reads them) */
static void additive_at_rows(void *p, long b0, long b1, long chunk) {
  (void)chunk;
  indexed_ctx *c = (indexed_ctx *)p;
  const long A = c->D, B0 = c->B0, nb = c->nb;
  float u[A];
  for (long b = b0; b < b1; b++) {
    long len = indexed_len(c, b), col = c->src[b];
    for (long s = 0; s < len; s++)
      c->out[s * nb + b] = additive_row(A, c->K + (s * B0 + col) * A, c->q + b * A, c->v, u);
  }
}

void k_additive_scores_at(int S, int B0, int A, const float *K, const int *src, const int *lengths, int nb,
                          const float *qp, const float *v, float *scores) {
  if (nb <= 0) return;
  indexed_ctx c = {S, B0, A, nb, src, lengths, K, qp, v, NULL, NULL, scores, NULL, NULL};
  parallel_range(additive_at_rows, &c, nb, 12.0 * A * S);
}

/* scores[s·nb + b] = q[b] · K[s, src[b]] for s < len[src[b]] */
void k_dot_scores_at(int S, int B0, int D, const float *K, const int *src, const int *lengths, int nb,
                     const float *q, float *scores) {
  indexed_ctx c = {S, B0, D, nb, src, lengths, K, q, NULL, NULL, NULL, scores, NULL, NULL};
  for (long b = 0; b < nb; b++) {
    long len = indexed_len(&c, b), col = src[b];
    for (long s = 0; s < len; s++) scores[s * nb + b] = dot_row(D, q + b * D, K + (s * (long)B0 + col) * D);
  }
}

/* α_b = softmax over s < len[src[b]] of scores[s·nb + b] (0 beyond); ctx_b = Σ_s α_bs M[s, src[b]]
 * (softmax_context_row, as in context_rows) */
static void context_at_rows(void *p, long b0, long b1, long chunk) {
  (void)chunk;
  indexed_ctx *c = (indexed_ctx *)p;
  const long S = c->S, B0 = c->B0, C = c->D, nb = c->nb;
  for (long b = b0; b < b1; b++) {
    long len = indexed_len(c, b), col = c->src[b];
    softmax_context_row(S, len, C, c->scores + b, nb, c->M + col * C, B0 * C, c->alpha + b * S, c->ctx + b * C);
  }
}

void k_attention_context_at(int S, int B0, int C, const float *M, const int *src, const int *lengths, int nb,
                            const float *scores, float *alpha, float *ctx) {
  if (nb <= 0) return;
  indexed_ctx c = {S, B0, C, nb, src, lengths, NULL, NULL, NULL, scores, M, NULL, alpha, ctx};
  parallel_range(context_at_rows, &c, nb, 2.0 * S * C);
}
