#ifndef SEQ2SEQ_KERNELS_H
#define SEQ2SEQ_KERNELS_H
#include <stdint.h>
/* Fused kernels; semantics are those of src/tensor/backend.ts (same names, C argument order). */
void k_transpose(int rows, int cols, const float *src, float *dst);
void k_add_row_vector(int M, int N, float *X, const float *bias);
void k_sum_rows_into(int M, int N, const float *X, float *out);
double k_sum_squares(const float *x, long n);
void k_axpy(long n, float a, const float *x, float *y);
void k_scale(long n, float a, float *x);
double k_scale_sum_squares(long n, float a, float *x);
void k_fill(long n, float *x, float v);
void k_tanh(long n, const float *x, float *y);
void k_sigmoid(long n, const float *x, float *y);
void k_tanh_backward(long n, const float *y, const float *dy, float *dx, int accumulate);
void k_gru_forward(int B, int H, const float *gi, float *gh, const float *hPrev, float *hNew, float *gates, const float *bhh);
void k_gru_backward(int B, int H, const float *gates, const float *gh, const float *hPrev, const float *dhNew, float *dgi, float *dgh, float *dhPrev);
void k_lstm_forward(int B, int H, const float *g, const float *cPrev, float *hNew, float *cNew, float *gates, float *tanhC);
void k_lstm_backward(int B, int H, const float *gates, const float *tanhC, const float *cPrev, const float *dhNew, const float *dcNew, float *dg, float *dcPrev);
void k_select_rows(int B, int H, const float *mask, const float *a, const float *b, float *out);
void k_log_softmax(int M, int V, const float *logits, float *out);
/* per row r: the k best base[r] + x[r, j] (float64; base NULL = 0), ties → lower j, descending, into val/idx
 * (r·k …); a row with fewer than k columns is padded with (−∞, −1) */
void k_row_top_k(int M, int V, const float *x, int k, const double *base, double *val, int *idx);
/* out = logSoftmax(logits) (out may be logits), then k_row_top_k over out */
void k_log_softmax_top_k(int M, int V, const float *logits, float *out, int k, const double *base, double *val,
                         int *idx);
double k_softmax_xent(int M, int V, const float *logits, const int *targets, int ignoreId, float smoothing, float *dLogits, double *nllOut);
void k_dropout_mask(long n, float *mask, uint32_t threshold, float keep, uint32_t s0, uint32_t s1, uint32_t first);
void k_gather_rows(int n, const int *ids, int D, const float *table, float *out);
void k_scatter_add_rows(int n, const int *ids, int D, const float *dOut, float *dTable, int skipId);
void k_adam_step(long n, float *p, const float *g, float *m, float *v, float lr, float beta1, float beta2, float eps, float bc1, float bc2, float wd,
                 float gs);
/* attention over a time-major memory: K, M are [S×B×D], scores [S×B], alpha [B×S] */
void k_additive_attention_forward(int S, int B, int A, const float *K, const float *qp, const float *v, float *U, float *scores, int nb,
                                  const int *lengths);
void k_additive_attention_backward(int S, int B, int A, const float *U, const float *v, const float *dscores, float *dK, float *dqp, float *dv, int nb);
void k_dot_attention_scores(int S, int B, int D, const float *K, const float *q, float *scores, int nb);
void k_dot_attention_backward(int S, int B, int D, const float *K, const float *q, const float *dscores, float *dq,
                              float *dK, int nb);
void k_attention_context(int S, int B, int C, const float *scores, const int *lengths, const float *M, float *alpha, float *ctx, int nb);
void k_attention_context_backward(int S, int B, int C, const float *alpha, const int *lengths, const float *M, const float *dctx, float *dM, float *dscores, int nb);
/* nb: only batch rows b < nb are computed (nb = B: all) */
/* training's attention backward in two parts: the score gradient per step (with an optional second memory V of
 * width W under the same weights), the memory gradient of all steps at once (alphas, X packed by steps) */
void k_attention_score_grad(int S, int B, int C, const float *alpha, const int *lengths, const float *M, const float *dctx,
                            float *dscores, int nb, int W, const float *V, const float *dOut);
void k_attention_memory_grad(int S, int B, int C, int T, const int *count, const int *offset, const int *lengths,
                             const float *alphas, const float *X, float *dM);
/* decoding: rows b < nb attend over sentence src[b] of a [S×B0×D] memory (lengths per sentence); scores [S×nb],
 * written for s < lengths[src[b]] only; alpha [nb×S], ctx [nb×C] */
void k_additive_scores_at(int S, int B0, int A, const float *K, const int *src, const int *lengths, int nb,
                          const float *qp, const float *v, float *scores);
void k_dot_scores_at(int S, int B0, int D, const float *K, const int *src, const int *lengths, int nb,
                     const float *q, float *scores);
void k_attention_context_at(int S, int B0, int C, const float *M, const int *src, const int *lengths, int nb,
                            const float *scores, float *alpha, float *ctx);
#endif
