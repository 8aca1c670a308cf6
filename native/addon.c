/* N-API bindings: every kernel takes JS-owned typed arrays (views included: N-API hands us the
 * data pointer already offset by byteOffset), checks their lengths, and works in place — no copy,
 * no allocation. Argument order matches src/tensor/backend.ts. */
#include <node_api.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "gemm.h"
#include "kernels.h"
#include "lowp.h"
#include "pool.h"

#define MAX_ARGS 12

typedef struct { napi_env env; napi_value *argv; size_t argc; const char *fn; int failed; } args_t;

static void fail(args_t *a, const char *what) {
  if (a->failed) return;
  char msg[256];
  snprintf(msg, sizeof msg, "native %s: %s", a->fn, what);
  napi_throw_range_error(a->env, NULL, msg);
  a->failed = 1;
}

static float *f32(args_t *a, size_t i, size_t need, const char *name) {
  if (a->failed) return NULL;
  napi_typedarray_type type;
  size_t len;
  void *data;
  if (i >= a->argc || napi_get_typedarray_info(a->env, a->argv[i], &type, &len, &data, NULL, NULL) != napi_ok || type != napi_float32_array) {
    char m[128]; snprintf(m, sizeof m, "%s must be a Float32Array", name); fail(a, m); return NULL;
  }
  if (len < need) {
    char m[160]; snprintf(m, sizeof m, "%s has %zu elements, needs %zu", name, len, need); fail(a, m); return NULL;
  }
  return (float *)data;
}

static size_t f32_len(args_t *a, size_t i) {
  napi_typedarray_type type;
  size_t len = 0;
  void *data;
  if (i < a->argc && napi_get_typedarray_info(a->env, a->argv[i], &type, &len, &data, NULL, NULL) == napi_ok) return len;
  return 0;
}

static int *i32(args_t *a, size_t i, size_t *len, const char *name) {
  if (a->failed) return NULL;
  napi_typedarray_type type;
  void *data;
  if (i >= a->argc || napi_get_typedarray_info(a->env, a->argv[i], &type, len, &data, NULL, NULL) != napi_ok || type != napi_int32_array) {
    char m[128]; snprintf(m, sizeof m, "%s must be an Int32Array", name); fail(a, m); return NULL;
  }
  return (int *)data;
}

/* a typed array of the given type with at least `need` elements; with `optional`, null/undefined → NULL */
static void *typed(args_t *a, size_t i, napi_typedarray_type want, size_t need, const char *name, const char *typeName,
                   int optional) {
  if (a->failed) return NULL;
  if (optional) {
    napi_valuetype t;
    if (i >= a->argc) return NULL;
    if (napi_typeof(a->env, a->argv[i], &t) == napi_ok && (t == napi_null || t == napi_undefined)) return NULL;
  }
  napi_typedarray_type type;
  size_t len;
  void *data;
  if (i >= a->argc || napi_get_typedarray_info(a->env, a->argv[i], &type, &len, &data, NULL, NULL) != napi_ok ||
      type != want) {
    char m[128];
    snprintf(m, sizeof m, "%s must be %s %s", name, optional ? "null or a" : "a", typeName);
    fail(a, m);
    return NULL;
  }
  if (len < need) {
    char m[160]; snprintf(m, sizeof m, "%s has %zu elements, needs %zu", name, len, need); fail(a, m); return NULL;
  }
  return data;
}

static double num(args_t *a, size_t i, const char *name) {
  double v = 0;
  if (a->failed) return 0;
  if (i >= a->argc || napi_get_value_double(a->env, a->argv[i], &v) != napi_ok) {
    char m[128]; snprintf(m, sizeof m, "%s must be a number", name); fail(a, m);
  }
  return v;
}

static int dim(args_t *a, size_t i, const char *name) {
  double v = num(a, i, name);
  if (!a->failed && (v < 0 || v > 2147483647.0 || v != (double)(int)v)) {
    char m[128]; snprintf(m, sizeof m, "%s must be a non-negative integer", name); fail(a, m);
  }
  return (int)v;
}

static int flag(args_t *a, size_t i) {
  bool b = false;
  if (a->failed) return 0;
  if (i >= a->argc || napi_get_value_bool(a->env, a->argv[i], &b) != napi_ok) fail(a, "expected a boolean");
  return b;
}

/* an optional number argument: absent/undefined → dflt */
static double opt_num(args_t *a, size_t i, double dflt, const char *name) {
  if (a->failed || i >= a->argc) return dflt;
  napi_valuetype t;
  if (napi_typeof(a->env, a->argv[i], &t) != napi_ok || t == napi_undefined) return dflt;
  return num(a, i, name);
}

/* optional trailing `rows` argument of the attention kernels: absent/undefined → B */
static int opt_rows(args_t *a, size_t i, int B) {
  if (a->failed || i >= a->argc) return B;
  napi_valuetype t;
  if (napi_typeof(a->env, a->argv[i], &t) != napi_ok || t == napi_undefined) return B;
  int n = dim(a, i, "rows");
  if (!a->failed && n > B) fail(a, "rows must be at most B");
  return n;
}

#define BEGIN(name)                                                   \
  napi_value argv[MAX_ARGS];                                          \
  size_t argc = MAX_ARGS;                                             \
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);               \
  args_t A_ = {env, argv, argc, name, 0};                             \
  args_t *a = &A_;

static napi_value undef(napi_env env) { napi_value u; napi_get_undefined(env, &u); return u; }
static napi_value number(napi_env env, double d) { napi_value v; napi_create_double(env, d, &v); return v; }

/* gemm(transA, transB, M, N, K, alpha, A, B, beta, C) */
static napi_value js_gemm(napi_env env, napi_callback_info info) {
  BEGIN("gemm");
  int tA = flag(a, 0), tB = flag(a, 1), M = dim(a, 2, "M"), N = dim(a, 3, "N"), K = dim(a, 4, "K");
  double alpha = num(a, 5, "alpha");
  const float *Am = f32(a, 6, (size_t)M * K, "A"), *Bm = f32(a, 7, (size_t)K * N, "B");
  double beta = num(a, 8, "beta");
  float *C = f32(a, 9, (size_t)M * N, "C");
  if (a->failed) return NULL;
  gemm(tA, tB, M, N, K, (float)alpha, Am, Bm, (float)beta, C);
  return undef(env);
}

static napi_value js_transpose(napi_env env, napi_callback_info info) {
  BEGIN("transpose");
  int R = dim(a, 0, "rows"), Cn = dim(a, 1, "cols");
  const float *src = f32(a, 2, (size_t)R * Cn, "src");
  float *dst = f32(a, 3, (size_t)R * Cn, "dst");
  if (a->failed) return NULL;
  if (src == dst && (size_t)R * Cn > 1 && R != 1 && Cn != 1) { fail(a, "dst must not be src"); return NULL; }
  k_transpose(R, Cn, src, dst);
  return undef(env);
}

static napi_value js_add_row_vector(napi_env env, napi_callback_info info) {
  BEGIN("addRowVector");
  int M = dim(a, 0, "M"), N = dim(a, 1, "N");
  float *X = f32(a, 2, (size_t)M * N, "X"), *bias = f32(a, 3, N, "bias");
  if (a->failed) return NULL;
  k_add_row_vector(M, N, X, bias);
  return undef(env);
}

static napi_value js_sum_rows_into(napi_env env, napi_callback_info info) {
  BEGIN("sumRowsInto");
  int M = dim(a, 0, "M"), N = dim(a, 1, "N");
  float *X = f32(a, 2, (size_t)M * N, "X"), *out = f32(a, 3, N, "out");
  if (a->failed) return NULL;
  k_sum_rows_into(M, N, X, out);
  return undef(env);
}

static napi_value js_sum_squares(napi_env env, napi_callback_info info) {
  BEGIN("sumSquares");
  float *x = f32(a, 0, 0, "x");
  if (a->failed) return NULL;
  return number(env, k_sum_squares(x, (long)f32_len(a, 0)));
}

static napi_value js_axpy(napi_env env, napi_callback_info info) {
  BEGIN("axpy");
  double al = num(a, 0, "a");
  float *x = f32(a, 1, 0, "x");
  size_t n = f32_len(a, 1);
  float *y = f32(a, 2, n, "y");
  if (a->failed) return NULL;
  k_axpy((long)n, (float)al, x, y);
  return undef(env);
}

static napi_value js_scale(napi_env env, napi_callback_info info) {
  BEGIN("scale");
  double al = num(a, 0, "a");
  float *x = f32(a, 1, 0, "x");
  if (a->failed) return NULL;
  k_scale((long)f32_len(a, 1), (float)al, x);
  return undef(env);
}

/* scaleSumSquares(a, x): x ← a·x, returns Σ x² */
static napi_value js_scale_sum_squares(napi_env env, napi_callback_info info) {
  BEGIN("scaleSumSquares");
  double al = num(a, 0, "a");
  float *x = f32(a, 1, 0, "x");
  if (a->failed) return NULL;
  return number(env, k_scale_sum_squares((long)f32_len(a, 1), (float)al, x));
}

static napi_value js_fill(napi_env env, napi_callback_info info) {
  BEGIN("fill");
  float *x = f32(a, 0, 0, "x");
  double v = num(a, 1, "v");
  if (a->failed) return NULL;
  k_fill((long)f32_len(a, 0), x, (float)v);
  return undef(env);
}

static napi_value js_tanh(napi_env env, napi_callback_info info) {
  BEGIN("tanh");
  float *x = f32(a, 0, 0, "x");
  size_t n = f32_len(a, 0);
  float *y = f32(a, 1, n, "y");
  if (a->failed) return NULL;
  k_tanh((long)n, x, y);
  return undef(env);
}

static napi_value js_sigmoid(napi_env env, napi_callback_info info) {
  BEGIN("sigmoid");
  float *x = f32(a, 0, 0, "x");
  size_t n = f32_len(a, 0);
  float *y = f32(a, 1, n, "y");
  if (a->failed) return NULL;
  k_sigmoid((long)n, x, y);
  return undef(env);
}

static napi_value js_tanh_backward(napi_env env, napi_callback_info info) {
  BEGIN("tanhBackward");
  float *y = f32(a, 0, 0, "y");
  size_t n = f32_len(a, 0);
  float *dy = f32(a, 1, n, "dy"), *dx = f32(a, 2, n, "dx");
  int acc = flag(a, 3);
  if (a->failed) return NULL;
  k_tanh_backward((long)n, y, dy, dx, acc);
  return undef(env);
}

static napi_value js_gru_forward(napi_env env, napi_callback_info info) {
  BEGIN("gruForward");
  int B = dim(a, 0, "B"), H = dim(a, 1, "H");
  size_t bh = (size_t)B * H;
  float *gi = f32(a, 2, 3 * bh, "gi"), *gh = f32(a, 3, 3 * bh, "gh"), *hp = f32(a, 4, bh, "hPrev");
  float *hn = f32(a, 5, bh, "hNew"), *g = f32(a, 6, 3 * bh, "gates");
  const float *bhh = (const float *)typed(a, 7, napi_float32_array, 3 * (size_t)H, "bhh", "Float32Array", 1);
  if (a->failed) return NULL;
  k_gru_forward(B, H, gi, gh, hp, hn, g, bhh);
  return undef(env);
}

static napi_value js_gru_backward(napi_env env, napi_callback_info info) {
  BEGIN("gruBackward");
  int B = dim(a, 0, "B"), H = dim(a, 1, "H");
  size_t bh = (size_t)B * H;
  float *g = f32(a, 2, 3 * bh, "gates"), *gh = f32(a, 3, 3 * bh, "gh"), *hp = f32(a, 4, bh, "hPrev");
  float *dhn = f32(a, 5, bh, "dhNew"), *dgi = f32(a, 6, 3 * bh, "dgi"), *dgh = f32(a, 7, 3 * bh, "dgh"), *dhp = f32(a, 8, bh, "dhPrev");
  if (a->failed) return NULL;
  k_gru_backward(B, H, g, gh, hp, dhn, dgi, dgh, dhp);
  return undef(env);
}

static napi_value js_lstm_forward(napi_env env, napi_callback_info info) {
  BEGIN("lstmForward");
  int B = dim(a, 0, "B"), H = dim(a, 1, "H");
  size_t bh = (size_t)B * H;
  float *g = f32(a, 2, 4 * bh, "g"), *cp = f32(a, 3, bh, "cPrev"), *hn = f32(a, 4, bh, "hNew"), *cn = f32(a, 5, bh, "cNew");
  float *ga = f32(a, 6, 4 * bh, "gates"), *tc = f32(a, 7, bh, "tanhC");
  if (a->failed) return NULL;
  k_lstm_forward(B, H, g, cp, hn, cn, ga, tc);
  return undef(env);
}

static napi_value js_lstm_backward(napi_env env, napi_callback_info info) {
  BEGIN("lstmBackward");
  int B = dim(a, 0, "B"), H = dim(a, 1, "H");
  size_t bh = (size_t)B * H;
  float *ga = f32(a, 2, 4 * bh, "gates"), *tc = f32(a, 3, bh, "tanhC"), *cp = f32(a, 4, bh, "cPrev");
  float *dhn = f32(a, 5, bh, "dhNew"), *dcn = f32(a, 6, bh, "dcNew"), *dg = f32(a, 7, 4 * bh, "dg"), *dcp = f32(a, 8, bh, "dcPrev");
  if (a->failed) return NULL;
  k_lstm_backward(B, H, ga, tc, cp, dhn, dcn, dg, dcp);
  return undef(env);
}

static napi_value js_select_rows(napi_env env, napi_callback_info info) {
  BEGIN("selectRows");
  int B = dim(a, 0, "B"), H = dim(a, 1, "H");
  size_t bh = (size_t)B * H;
  float *mask = f32(a, 2, B, "mask"), *x = f32(a, 3, bh, "a"), *y = f32(a, 4, bh, "b"), *out = f32(a, 5, bh, "out");
  if (a->failed) return NULL;
  k_select_rows(B, H, mask, x, y, out);
  return undef(env);
}

static napi_value js_log_softmax(napi_env env, napi_callback_info info) {
  BEGIN("logSoftmax");
  int M = dim(a, 0, "M"), V = dim(a, 1, "V");
  float *x = f32(a, 2, (size_t)M * V, "logits"), *out = f32(a, 3, (size_t)M * V, "out");
  if (a->failed) return NULL;
  k_log_softmax(M, V, x, out);
  return undef(env);
}

static napi_value js_softmax_xent(napi_env env, napi_callback_info info) {
  BEGIN("softmaxCrossEntropy");
  int M = dim(a, 0, "M"), V = dim(a, 1, "V");
  float *x = f32(a, 2, (size_t)M * V, "logits");
  size_t nt = 0;
  int *t = i32(a, 3, &nt, "targets");
  int ignore = (int)num(a, 4, "ignoreId");
  double eps = num(a, 5, "smoothing");
  float *d = f32(a, 6, (size_t)M * V, "dLogits");
  if (a->failed) return NULL;
  if (nt < (size_t)M) { fail(a, "targets is shorter than M"); return NULL; }
  for (int r = 0; r < M; r++)
    if (t[r] != ignore && (t[r] < 0 || t[r] >= V)) { fail(a, "target id out of range"); return NULL; }
  /* optional 8th argument: a Float64Array whose [0] receives Σ −log p_y (the unsmoothed NLL) */
  double *nllOut = NULL;
  if (a->argc > 7) {
    napi_valuetype vt;
    napi_typeof(env, a->argv[7], &vt);
    if (vt != napi_undefined) {
      napi_typedarray_type type;
      size_t len = 0;
      void *data;
      if (napi_get_typedarray_info(env, a->argv[7], &type, &len, &data, NULL, NULL) != napi_ok || type != napi_float64_array || len < 1) {
        fail(a, "nll must be a Float64Array of at least 1 element");
        return NULL;
      }
      nllOut = (double *)data;
    }
  }
  return number(env, k_softmax_xent(M, V, x, t, ignore, (float)eps, d, nllOut));
}

static napi_value js_dropout_mask(napi_env env, napi_callback_info info) {
  BEGIN("dropoutMask");
  size_t n = f32_len(a, 0);
  float *mask = f32(a, 0, 0, "mask");
  double p = num(a, 1, "p");
  double s0 = num(a, 2, "seed0"), s1 = num(a, 3, "seed1");
  double first = opt_num(a, 4, 0, "first");
  if (a->failed) return NULL;
  if (!(first >= 0 && first + (double)n <= 4294967296.0 && first == floor(first))) {
    fail(a, "first must be an integer with first + mask length ≤ 2³²");
    return NULL;
  }
  if (!(p >= 0 && p < 1)) { fail(a, "p must be in [0, 1)"); return NULL; }
  if (!(s0 >= 0 && s0 <= 4294967295.0 && s0 == (double)(uint32_t)s0) || !(s1 >= 0 && s1 <= 4294967295.0 && s1 == (double)(uint32_t)s1)) {
    fail(a, "seeds must be 32-bit unsigned integers");
    return NULL;
  }
  uint32_t threshold = (uint32_t)floor(p * 4294967296.0);
  k_dropout_mask((long)n, mask, threshold, (float)(1.0 / (1.0 - p)), (uint32_t)s0, (uint32_t)s1, (uint32_t)first);
  return undef(env);
}

static napi_value js_gather_rows(napi_env env, napi_callback_info info) {
  BEGIN("gatherRows");
  size_t n = 0;
  int *ids = i32(a, 0, &n, "ids");
  int D = dim(a, 1, "D");
  float *table = f32(a, 2, 0, "table");
  float *out = f32(a, 3, n * D, "out");
  if (a->failed) return NULL;
  size_t rows = D ? f32_len(a, 2) / D : 0;
  for (size_t r = 0; r < n; r++)
    if (ids[r] < 0 || (size_t)ids[r] >= rows) { fail(a, "id out of range of the table"); return NULL; }
  k_gather_rows((int)n, ids, D, table, out);
  return undef(env);
}

static napi_value js_scatter_add_rows(napi_env env, napi_callback_info info) {
  BEGIN("scatterAddRows");
  size_t n = 0;
  int *ids = i32(a, 0, &n, "ids");
  int D = dim(a, 1, "D");
  float *dOut = f32(a, 2, n * D, "dOut");
  float *dTable = f32(a, 3, 0, "dTable");
  int skip = (int)num(a, 4, "skipId");
  if (a->failed) return NULL;
  size_t rows = D ? f32_len(a, 3) / D : 0;
  for (size_t r = 0; r < n; r++)
    if (ids[r] != skip && (ids[r] < 0 || (size_t)ids[r] >= rows)) { fail(a, "id out of range of the table"); return NULL; }
  k_scatter_add_rows((int)n, ids, D, dOut, dTable, skip);
  return undef(env);
}

static napi_value js_adam_step(napi_env env, napi_callback_info info) {
  BEGIN("adamStep");
  float *p = f32(a, 0, 0, "p");
  size_t n = f32_len(a, 0);
  float *g = f32(a, 1, n, "g"), *m = f32(a, 2, n, "m"), *v = f32(a, 3, n, "v");
  double lr = num(a, 4, "lr"), b1 = num(a, 5, "beta1"), b2 = num(a, 6, "beta2"), eps = num(a, 7, "eps");
  double bc1 = num(a, 8, "bc1"), bc2 = num(a, 9, "bc2"), wd = num(a, 10, "weightDecay");
  double gs = opt_num(a, 11, 1.0, "gradScale");
  if (a->failed) return NULL;
  k_adam_step((long)n, p, g, m, v, (float)lr, (float)b1, (float)b2, (float)eps, (float)bc1, (float)bc2, (float)wd, (float)gs);
  return undef(env);
}

/* attention: sizes as in src/tensor/backend.ts (K, M: S·B·D; scores S·B; alpha B·S) */
static napi_value js_additive_fwd(napi_env env, napi_callback_info info) {
  BEGIN("additiveAttentionForward");
  int S = dim(a, 0, "S"), B = dim(a, 1, "B"), A = dim(a, 2, "A");
  int nb = opt_rows(a, 8, B);
  size_t sba = (size_t)S * B * A;
  float *K = f32(a, 3, sba, "K"), *qp = f32(a, 4, (size_t)nb * A, "qp"), *v = f32(a, 5, A, "v");
  float *U = f32(a, 6, sba, "U");
  float *sc = f32(a, 7, (size_t)S * B, "scores");
  const int *len = (const int *)typed(a, 9, napi_int32_array, (size_t)nb, "lengths", "Int32Array", 1);
  if (a->failed) return NULL;
  k_additive_attention_forward(S, B, A, K, qp, v, U, sc, nb, len);
  return undef(env);
}
static napi_value js_additive_bwd(napi_env env, napi_callback_info info) {
  BEGIN("additiveAttentionBackward");
  int S = dim(a, 0, "S"), B = dim(a, 1, "B"), A = dim(a, 2, "A");
  int nb = opt_rows(a, 9, B);
  size_t sba = (size_t)S * B * A;
  float *U = f32(a, 3, sba, "U"), *v = f32(a, 4, A, "v"), *ds = f32(a, 5, (size_t)S * B, "dscores"), *dK = f32(a, 6, sba, "dK");
  float *dqp = f32(a, 7, (size_t)nb * A, "dqp"), *dv = f32(a, 8, A, "dv");
  if (a->failed) return NULL;
  k_additive_attention_backward(S, B, A, U, v, ds, dK, dqp, dv, nb);
  return undef(env);
}
static napi_value js_dot_scores(napi_env env, napi_callback_info info) {
  BEGIN("dotAttentionScores");
  int S = dim(a, 0, "S"), B = dim(a, 1, "B"), D = dim(a, 2, "D");
  int nb = opt_rows(a, 6, B);
  float *K = f32(a, 3, (size_t)S * B * D, "K"), *q = f32(a, 4, (size_t)nb * D, "q");
  float *sc = f32(a, 5, (size_t)S * B, "scores");
  if (a->failed) return NULL;
  k_dot_attention_scores(S, B, D, K, q, sc, nb);
  return undef(env);
}
static napi_value js_dot_bwd(napi_env env, napi_callback_info info) {
  BEGIN("dotAttentionBackward");
  int S = dim(a, 0, "S"), B = dim(a, 1, "B"), D = dim(a, 2, "D");
  int nb = opt_rows(a, 8, B);
  size_t sbd = (size_t)S * B * D;
  float *K = f32(a, 3, sbd, "K"), *q = f32(a, 4, (size_t)nb * D, "q"), *ds = f32(a, 5, (size_t)S * B, "dscores");
  float *dq = f32(a, 6, (size_t)nb * D, "dq"), *dK = f32(a, 7, sbd, "dK");
  if (a->failed) return NULL;
  k_dot_attention_backward(S, B, D, K, q, ds, dq, dK, nb);
  return undef(env);
}
static napi_value js_att_context(napi_env env, napi_callback_info info) {
  BEGIN("attentionContext");
  int S = dim(a, 0, "S"), B = dim(a, 1, "B"), C = dim(a, 2, "C");
  int nb = opt_rows(a, 8, B);
  float *sc = f32(a, 3, (size_t)S * B, "scores");
  size_t nl = 0;
  int *len = i32(a, 4, &nl, "lengths");
  float *M = f32(a, 5, (size_t)S * B * C, "M"), *al = f32(a, 6, (size_t)nb * S, "alpha");
  float *ctx = f32(a, 7, (size_t)nb * C, "ctx");
  if (a->failed) return NULL;
  if (nl < (size_t)B) { fail(a, "lengths is shorter than B"); return NULL; }
  k_attention_context(S, B, C, sc, len, M, al, ctx, nb);
  return undef(env);
}
static napi_value js_att_context_bwd(napi_env env, napi_callback_info info) {
  BEGIN("attentionContextBackward");
  int S = dim(a, 0, "S"), B = dim(a, 1, "B"), C = dim(a, 2, "C");
  int nb = opt_rows(a, 9, B);
  float *al = f32(a, 3, (size_t)nb * S, "alpha");
  size_t nl = 0;
  int *len = i32(a, 4, &nl, "lengths");
  float *M = f32(a, 5, (size_t)S * B * C, "M"), *dctx = f32(a, 6, (size_t)nb * C, "dctx");
  float *dM = f32(a, 7, (size_t)S * B * C, "dM");
  float *ds = f32(a, 8, (size_t)S * B, "dscores");
  if (a->failed) return NULL;
  if (nl < (size_t)B) { fail(a, "lengths is shorter than B"); return NULL; }
  k_attention_context_backward(S, B, C, al, len, M, dctx, dM, ds, nb);
  return undef(env);
}

/* packedWeightsSize(N, K) */
static napi_value js_packed_weights_size(napi_env env, napi_callback_info info) {
  BEGIN("packedWeightsSize");
  int N = dim(a, 0, "N"), K = dim(a, 1, "K");
  if (a->failed) return NULL;
  return number(env, (double)gemm_packed_bt_size(N, K));
}

/* packWeights(N, K, W, packed) */
static napi_value js_pack_weights(napi_env env, napi_callback_info info) {
  BEGIN("packWeights");
  int N = dim(a, 0, "N"), K = dim(a, 1, "K");
  const float *W = f32(a, 2, (size_t)N * K, "W");
  float *packed = f32(a, 3, gemm_packed_bt_size(N, K), "packed");
  if (a->failed) return NULL;
  gemm_pack_bt(N, K, W, packed);
  return undef(env);
}

/* gemmPackedWeights(M, N, K, alpha, A, W, packed, beta, C) */
static napi_value js_gemm_packed_weights(napi_env env, napi_callback_info info) {
  BEGIN("gemmPackedWeights");
  int M = dim(a, 0, "M"), N = dim(a, 1, "N"), K = dim(a, 2, "K");
  double alpha = num(a, 3, "alpha");
  const float *A = f32(a, 4, (size_t)M * K, "A"), *W = f32(a, 5, (size_t)N * K, "W");
  const float *packed = f32(a, 6, gemm_packed_bt_size(N, K), "packed");
  double beta = num(a, 7, "beta");
  float *C = f32(a, 8, (size_t)M * N, "C");
  if (a->failed) return NULL;
  gemm_prepacked_bt(M, N, K, (float)alpha, A, W, packed, (float)beta, C);
  return undef(env);
}

/* packMatrix(K, N, B, packed): B (K×N) into the panels packWeights makes of Bᵀ */
static napi_value js_pack_matrix(napi_env env, napi_callback_info info) {
  BEGIN("packMatrix");
  int K = dim(a, 0, "K"), N = dim(a, 1, "N");
  const float *B = f32(a, 2, (size_t)K * N, "B");
  float *packed = f32(a, 3, gemm_packed_bt_size(N, K), "packed");
  if (a->failed) return NULL;
  gemm_pack_b(K, N, B, packed);
  return undef(env);
}

/* gemmPackedMatrix(M, N, K, alpha, A, B, packed, beta, C) */
static napi_value js_gemm_packed_matrix(napi_env env, napi_callback_info info) {
  BEGIN("gemmPackedMatrix");
  int M = dim(a, 0, "M"), N = dim(a, 1, "N"), K = dim(a, 2, "K");
  double alpha = num(a, 3, "alpha");
  const float *A = f32(a, 4, (size_t)M * K, "A"), *B = f32(a, 5, (size_t)K * N, "B");
  const float *packed = f32(a, 6, gemm_packed_bt_size(N, K), "packed");
  double beta = num(a, 7, "beta");
  float *C = f32(a, 8, (size_t)M * N, "C");
  if (a->failed) return NULL;
  gemm_prepacked_b(M, N, K, (float)alpha, A, B, packed, (float)beta, C);
  return undef(env);
}

/* attentionScoreGrad(S, B, C, alpha, lengths, M, dctx, dscores, rows, W?, V?, dOut?) */
static napi_value js_attention_score_grad(napi_env env, napi_callback_info info) {
  BEGIN("attentionScoreGrad");
  int S = dim(a, 0, "S"), B = dim(a, 1, "B"), C = dim(a, 2, "C");
  int nb = opt_rows(a, 8, B);
  int W = (int)opt_num(a, 9, 0, "W");
  if (!a->failed && W < 0) fail(a, "W must be a non-negative integer");
  size_t nl = 0;
  const float *al = f32(a, 3, (size_t)nb * S, "alpha");
  const int *len = i32(a, 4, &nl, "lengths");
  const float *M = f32(a, 5, (size_t)S * B * C, "M"), *dctx = f32(a, 6, (size_t)nb * C, "dctx");
  float *ds = f32(a, 7, (size_t)S * B, "dscores");
  const float *V = W > 0 ? f32(a, 10, (size_t)S * B * W, "V") : NULL;
  const float *dOut = W > 0 ? f32(a, 11, (size_t)nb * W, "dOut") : NULL;
  if (a->failed) return NULL;
  if (nl < (size_t)nb) { fail(a, "lengths is shorter than rows"); return NULL; }
  k_attention_score_grad(S, B, C, al, len, M, dctx, ds, nb, W, V, dOut);
  return undef(env);
}

/* attentionMemoryGrad(S, B, C, count, offset, lengths, alphas, X, dM) */
static napi_value js_attention_memory_grad(napi_env env, napi_callback_info info) {
  BEGIN("attentionMemoryGrad");
  int S = dim(a, 0, "S"), B = dim(a, 1, "B"), C = dim(a, 2, "C");
  size_t T = 0, no = 0, nl = 0;
  const int *count = i32(a, 3, &T, "count"), *offset = i32(a, 4, &no, "offset"), *len = i32(a, 5, &nl, "lengths");
  if (a->failed) return NULL;
  if (no < T + 1) { fail(a, "offset needs count.length + 1 entries"); return NULL; }
  if (nl < (size_t)B) { fail(a, "lengths is shorter than B"); return NULL; }
  for (size_t t = 0; t < T; t++)
    if (count[t] < 0 || count[t] > B || (t > 0 && count[t] > count[t - 1]) || offset[t] < 0 || offset[t + 1] != offset[t] + count[t]) {
      fail(a, "count must be non-increasing in 0..B and offset its running sum");
      return NULL;
    }
  size_t N = (size_t)offset[T];
  const float *al = f32(a, 6, N * S, "alphas"), *X = f32(a, 7, N * C, "X");
  float *dM = f32(a, 8, (size_t)S * B * C, "dM");
  if (a->failed) return NULL;
  k_attention_memory_grad(S, B, C, (int)T, count, offset, len, al, X, dM);
  return undef(env);
}

/* gemmFewRows(transB, M, N, K, alpha, A, B, beta, C) */
static napi_value js_gemm_few_rows(napi_env env, napi_callback_info info) {
  BEGIN("gemmFewRows");
  int tB = flag(a, 0), M = dim(a, 1, "M"), N = dim(a, 2, "N"), K = dim(a, 3, "K");
  double alpha = num(a, 4, "alpha");
  const float *Am = f32(a, 5, (size_t)M * K, "A"), *Bm = f32(a, 6, (size_t)K * N, "B");
  double beta = num(a, 7, "beta");
  float *C = f32(a, 8, (size_t)M * N, "C");
  if (a->failed) return NULL;
  gemm_few_rows(tB, M, N, K, (float)alpha, Am, Bm, (float)beta, C);
  return undef(env);
}

/* rowTopK(M, V, x, k, base | null, values, ids) */
static napi_value js_row_top_k(napi_env env, napi_callback_info info) {
  BEGIN("rowTopK");
  int M = dim(a, 0, "M"), V = dim(a, 1, "V");
  const float *x = f32(a, 2, (size_t)M * V, "x");
  int k = dim(a, 3, "k");
  const double *base = typed(a, 4, napi_float64_array, (size_t)M, "base", "Float64Array", 1);
  double *val = typed(a, 5, napi_float64_array, (size_t)M * k, "values", "Float64Array", 0);
  int *idx = typed(a, 6, napi_int32_array, (size_t)M * k, "ids", "Int32Array", 0);
  if (a->failed) return NULL;
  if (k < 1) { fail(a, "k must be at least 1"); return NULL; }
  k_row_top_k(M, V, x, k, base, val, idx);
  return undef(env);
}

/* logSoftmaxTopK(M, V, logits, out, k, base | null, values, ids) */
static napi_value js_log_softmax_top_k(napi_env env, napi_callback_info info) {
  BEGIN("logSoftmaxTopK");
  int M = dim(a, 0, "M"), V = dim(a, 1, "V");
  const float *x = f32(a, 2, (size_t)M * V, "logits");
  float *out = f32(a, 3, (size_t)M * V, "out");
  int k = dim(a, 4, "k");
  const double *base = typed(a, 5, napi_float64_array, (size_t)M, "base", "Float64Array", 1);
  double *val = typed(a, 6, napi_float64_array, (size_t)M * k, "values", "Float64Array", 0);
  int *idx = typed(a, 7, napi_int32_array, (size_t)M * k, "ids", "Int32Array", 0);
  if (a->failed) return NULL;
  if (k < 1) { fail(a, "k must be at least 1"); return NULL; }
  k_log_softmax_top_k(M, V, x, out, k, base, val, idx);
  return undef(env);
}

static size_t padded(int K, int align) { return ((size_t)K + align - 1) / align * align; }

/* quantizeInt8(N, K, W, q, scales, rowSums) */
static napi_value js_quantize_int8(napi_env env, napi_callback_info info) {
  BEGIN("quantizeInt8");
  int N = dim(a, 0, "N"), K = dim(a, 1, "K");
  const float *W = f32(a, 2, (size_t)N * K, "W");
  int8_t *q = typed(a, 3, napi_int8_array, padded(K, 4) * padded(N, LOWP_COL_ALIGN), "q", "Int8Array", 0);
  float *scale = f32(a, 4, (size_t)N, "scales");
  int32_t *rs = typed(a, 5, napi_int32_array, (size_t)N, "rowSums", "Int32Array", 0);
  if (a->failed) return NULL;
  k_quantize_int8(N, K, W, q, scale, rs);
  return undef(env);
}

/* gemmInt8(M, N, K, X, q, scales, rowSums, bias | null, C) */
static napi_value js_gemm_int8(napi_env env, napi_callback_info info) {
  BEGIN("gemmInt8");
  int M = dim(a, 0, "M"), N = dim(a, 1, "N"), K = dim(a, 2, "K");
  const float *X = f32(a, 3, (size_t)M * K, "X");
  const int8_t *q = typed(a, 4, napi_int8_array, padded(K, 4) * padded(N, LOWP_COL_ALIGN), "q", "Int8Array", 0);
  const float *scale = f32(a, 5, (size_t)N, "scales");
  const int32_t *rs = typed(a, 6, napi_int32_array, (size_t)N, "rowSums", "Int32Array", 0);
  const float *bias = typed(a, 7, napi_float32_array, (size_t)N, "bias", "Float32Array", 1);
  float *C = f32(a, 8, (size_t)M * N, "C");
  if (a->failed) return NULL;
  k_gemm_int8(M, N, K, X, q, scale, rs, bias, C);
  return undef(env);
}

/* packBf16(N, K, W, out) */
static napi_value js_pack_bf16(napi_env env, napi_callback_info info) {
  BEGIN("packBf16");
  int N = dim(a, 0, "N"), K = dim(a, 1, "K");
  const float *W = f32(a, 2, (size_t)N * K, "W");
  uint16_t *out = typed(a, 3, napi_uint16_array, padded(K, 2) * padded(N, LOWP_COL_ALIGN), "out", "Uint16Array", 0);
  if (a->failed) return NULL;
  k_pack_bf16(N, K, W, out);
  return undef(env);
}

/* gemmBf16(M, N, K, X, Wb, bias | null, C) */
static napi_value js_gemm_bf16(napi_env env, napi_callback_info info) {
  BEGIN("gemmBf16");
  int M = dim(a, 0, "M"), N = dim(a, 1, "N"), K = dim(a, 2, "K");
  const float *X = f32(a, 3, (size_t)M * K, "X");
  const uint16_t *Wb = typed(a, 4, napi_uint16_array, padded(K, 2) * padded(N, LOWP_COL_ALIGN), "Wb", "Uint16Array", 0);
  const float *bias = typed(a, 5, napi_float32_array, (size_t)N, "bias", "Float32Array", 1);
  float *C = f32(a, 6, (size_t)M * N, "C");
  if (a->failed) return NULL;
  k_gemm_bf16(M, N, K, X, Wb, bias, C);
  return undef(env);
}

/* ---- decoding: attention through each row's sentence (src[b] < B0); sizes as in src/tensor/backend.ts ---- */
static int check_sources(args_t *a, const int *src, size_t nsrc, int nb, int B0, const int *lengths, size_t nlen) {
  if (a->failed) return 0;
  if (nsrc < (size_t)nb) { fail(a, "src has fewer than rows entries"); return 0; }
  if (nlen < (size_t)B0) { fail(a, "lengths has fewer than B0 entries"); return 0; }
  for (int b = 0; b < nb; b++)
    if (src[b] < 0 || src[b] >= B0) { fail(a, "a source index is outside 0..B0-1"); return 0; }
  return 1;
}

/* additiveScoresAt(S, B0, A, K, src, lengths, rows, qp, v, scores) */
static napi_value js_additive_scores_at(napi_env env, napi_callback_info info) {
  BEGIN("additiveScoresAt");
  int S = dim(a, 0, "S"), B0 = dim(a, 1, "B0"), A = dim(a, 2, "A");
  const float *K = f32(a, 3, (size_t)S * B0 * A, "K");
  size_t nsrc = 0, nlen = 0;
  const int *src = i32(a, 4, &nsrc, "src"), *len = i32(a, 5, &nlen, "lengths");
  int nb = dim(a, 6, "rows");
  const float *qp = f32(a, 7, (size_t)nb * A, "qp"), *v = f32(a, 8, A, "v");
  float *sc = f32(a, 9, (size_t)S * nb, "scores");
  if (!check_sources(a, src, nsrc, nb, B0, len, nlen)) return NULL;
  k_additive_scores_at(S, B0, A, K, src, len, nb, qp, v, sc);
  return undef(env);
}

/* dotScoresAt(S, B0, D, K, src, lengths, rows, q, scores) */
static napi_value js_dot_scores_at(napi_env env, napi_callback_info info) {
  BEGIN("dotScoresAt");
  int S = dim(a, 0, "S"), B0 = dim(a, 1, "B0"), D = dim(a, 2, "D");
  const float *K = f32(a, 3, (size_t)S * B0 * D, "K");
  size_t nsrc = 0, nlen = 0;
  const int *src = i32(a, 4, &nsrc, "src"), *len = i32(a, 5, &nlen, "lengths");
  int nb = dim(a, 6, "rows");
  const float *q = f32(a, 7, (size_t)nb * D, "q");
  float *sc = f32(a, 8, (size_t)S * nb, "scores");
  if (!check_sources(a, src, nsrc, nb, B0, len, nlen)) return NULL;
  k_dot_scores_at(S, B0, D, K, src, len, nb, q, sc);
  return undef(env);
}

/* attentionContextAt(S, B0, C, M, src, lengths, rows, scores, alpha, ctx) */
static napi_value js_attention_context_at(napi_env env, napi_callback_info info) {
  BEGIN("attentionContextAt");
  int S = dim(a, 0, "S"), B0 = dim(a, 1, "B0"), C = dim(a, 2, "C");
  const float *M = f32(a, 3, (size_t)S * B0 * C, "M");
  size_t nsrc = 0, nlen = 0;
  const int *src = i32(a, 4, &nsrc, "src"), *len = i32(a, 5, &nlen, "lengths");
  int nb = dim(a, 6, "rows");
  const float *sc = f32(a, 7, (size_t)S * nb, "scores");
  float *al = f32(a, 8, (size_t)nb * S, "alpha"), *ctx = f32(a, 9, (size_t)nb * C, "ctx");
  if (!check_sources(a, src, nsrc, nb, B0, len, nlen)) return NULL;
  k_attention_context_at(S, B0, C, M, src, len, nb, sc, al, ctx);
  return undef(env);
}

static napi_value js_lowp_paths(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value v;
  napi_create_string_utf8(env, lowp_paths(), NAPI_AUTO_LENGTH, &v);
  return v;
}

static napi_value js_lowp_force_portable(napi_env env, napi_callback_info info) {
  BEGIN("forcePortableLowPrecision");
  int on = flag(a, 0);
  if (a->failed) return NULL;
  lowp_force_portable(on);
  return undef(env);
}

static napi_value js_threads(napi_env env, napi_callback_info info) {
  (void)info;
  return number(env, pool_threads());
}

static napi_value js_set_threads(napi_env env, napi_callback_info info) {
  BEGIN("setThreads");
  int n = dim(a, 0, "n");
  if (a->failed) return NULL;
  pool_set_threads(n);
  return undef(env);
}

static napi_value js_cpu_count(napi_env env, napi_callback_info info) {
  (void)info;
  return number(env, pool_cpu_count());
}

/* FMA peak of one core in GFLOP/s: 12 independent chains of 16-float multiply-adds, registers
 * only (what the GEMM micro-kernel could reach at best; bench:kernels prints it beside GEMM). */
typedef float fv16 __attribute__((vector_size(64)));
static __attribute__((noinline)) float fma_chains(long n, float seed) {
  fv16 a0 = (fv16){} + seed, a1 = a0 + 1, a2 = a0 + 2, a3 = a0 + 3, a4 = a0 + 4, a5 = a0 + 5;
  fv16 a6 = a0 + 6, a7 = a0 + 7, a8 = a0 + 8, a9 = a0 + 9, a10 = a0 + 10, a11 = a0 + 11;
  const fv16 m = (fv16){} + 0.999999f, c = (fv16){} + 1e-6f;
  for (long k = 0; k < n; k++) {
    a0 = a0 * m + c; a1 = a1 * m + c; a2 = a2 * m + c; a3 = a3 * m + c; a4 = a4 * m + c; a5 = a5 * m + c;
    a6 = a6 * m + c; a7 = a7 * m + c; a8 = a8 * m + c; a9 = a9 * m + c; a10 = a10 * m + c; a11 = a11 * m + c;
  }
  fv16 s = a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11;
  float r = 0;
  for (int i = 0; i < 16; i++) r += s[i];
  return r;
}

static napi_value js_fma_peak(napi_env env, napi_callback_info info) {
  (void)info;
  struct timespec t0, t1;
  const long n = 20000000;
  double best = 0;
  for (int rep = 0; rep < 3; rep++) {
    /* the thread's CPU time, not the wall clock: on a shared machine the loop is descheduled at times */
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
    volatile float sink = fma_chains(n, 0.5f + rep);
    (void)sink;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t1);
    double sec = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) * 1e-9;
    double g = n * 12.0 * 32.0 / sec / 1e9;
    if (g > best) best = g;
  }
  return number(env, best);
}

/* What the compiler targeted (reported by `seq2seq doctor`). */
static napi_value js_build_info(napi_env env, napi_callback_info info) {
  (void)info;
  const char *s = "C"
#ifdef __AVX512F__
    " avx512f"
#endif
#ifdef __AVX2__
    " avx2"
#endif
#ifdef __FMA__
    " fma"
#endif
    ;
  napi_value v;
  napi_create_string_utf8(env, s, NAPI_AUTO_LENGTH, &v);
  return v;
}

#define EXPORT(name, fn) { name, 0, fn, 0, 0, 0, napi_enumerable, 0 }

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    EXPORT("gemm", js_gemm),
    EXPORT("transpose", js_transpose),
    EXPORT("addRowVector", js_add_row_vector),
    EXPORT("sumRowsInto", js_sum_rows_into),
    EXPORT("sumSquares", js_sum_squares),
    EXPORT("axpy", js_axpy),
    EXPORT("scale", js_scale),
    EXPORT("fill", js_fill),
    EXPORT("tanh", js_tanh),
    EXPORT("sigmoid", js_sigmoid),
    EXPORT("tanhBackward", js_tanh_backward),
    EXPORT("gruForward", js_gru_forward),
    EXPORT("gruBackward", js_gru_backward),
    EXPORT("lstmForward", js_lstm_forward),
    EXPORT("lstmBackward", js_lstm_backward),
    EXPORT("selectRows", js_select_rows),
    EXPORT("logSoftmax", js_log_softmax),
    EXPORT("softmaxCrossEntropy", js_softmax_xent),
    EXPORT("dropoutMask", js_dropout_mask),
    EXPORT("gatherRows", js_gather_rows),
    EXPORT("scatterAddRows", js_scatter_add_rows),
    EXPORT("adamStep", js_adam_step),
    EXPORT("additiveAttentionForward", js_additive_fwd),
    EXPORT("additiveAttentionBackward", js_additive_bwd),
    EXPORT("dotAttentionScores", js_dot_scores),
    EXPORT("dotAttentionBackward", js_dot_bwd),
    EXPORT("attentionContext", js_att_context),
    EXPORT("attentionContextBackward", js_att_context_bwd),
    EXPORT("packedWeightsSize", js_packed_weights_size),
    EXPORT("packWeights", js_pack_weights),
    EXPORT("gemmPackedWeights", js_gemm_packed_weights),
    EXPORT("rowTopK", js_row_top_k),
    EXPORT("logSoftmaxTopK", js_log_softmax_top_k),
    EXPORT("quantizeInt8", js_quantize_int8),
    EXPORT("gemmInt8", js_gemm_int8),
    EXPORT("packBf16", js_pack_bf16),
    EXPORT("gemmBf16", js_gemm_bf16),
    EXPORT("gemmFewRows", js_gemm_few_rows),
    EXPORT("additiveScoresAt", js_additive_scores_at),
    EXPORT("dotScoresAt", js_dot_scores_at),
    EXPORT("attentionContextAt", js_attention_context_at),
    EXPORT("lowPrecisionPaths", js_lowp_paths),
    EXPORT("forcePortableLowPrecision", js_lowp_force_portable),
    EXPORT("threads", js_threads),
    EXPORT("setThreads", js_set_threads),
    EXPORT("cpuCount", js_cpu_count),
    EXPORT("buildInfo", js_build_info),
    EXPORT("fmaPeak", js_fma_peak),
    EXPORT("packMatrix", js_pack_matrix),
    EXPORT("scaleSumSquares", js_scale_sum_squares),
    EXPORT("attentionScoreGrad", js_attention_score_grad),
    EXPORT("attentionMemoryGrad", js_attention_memory_grad),
    EXPORT("gemmPackedMatrix", js_gemm_packed_matrix),
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
