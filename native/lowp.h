#ifndef SEQ2SEQ_LOWP_H
#define SEQ2SEQ_LOWP_H
#include <stdint.h>
/* Low-precision products for decoding's output layer (C = X·Wᵀ + bias, W stored N×K as a Linear layer
 * stores it), opt-in: they change the outputs. Semantics are those of src/tensor/backend.ts. */

/* packed weights: panels of LOWP_COL_ALIGN columns (N rounded up), in each the k's in groups of 4 (int8, K
 * rounded up to 4) or pairs (bf16, K rounded up to 2), a group holding its 64 columns' values; zero padding */
#define LOWP_COL_ALIGN 64

/* Per-row symmetric int8 (CTranslate2's scheme): s_j = max_k |W[j,k]| / 127 (1 for a zero row),
 * q(j,k) = round(W[j,k] / s_j) (half to even) at q[((j/64 · Kq/4 + k/4) · 64 + j%64) · 4 + k%4];
 * rowSum[j] = Σ_k q(j,k). */
void k_quantize_int8(int N, int K, const float *W, int8_t *q, float *scale, int32_t *rowSum);
/* C[i,j] = sx_i · s_j · Σ_k xq[i,k] q[j,k] + bias[j] with each row of X quantized the same way on the fly
 * (sx_i = max_k |X[i,k]| / 127, xq = round(X / sx_i)); the integer sums are exact (VNNI or not). */
void k_gemm_int8(int M, int N, int K, const float *X, const int8_t *q, const float *scale, const int32_t *rowSum,
                 const float *bias, float *C);

/* W (N×K floats) → bfloat16, round to nearest even,
 * w(j,k) at out[((j/64 · Kb/2 + k/2) · 64 + j%64) · 2 + k%2]. */
void k_pack_bf16(int N, int K, const float *W, uint16_t *out);
/* C[i,j] = Σ_k bf16(X[i,k]) · Wb[j,k] (products exact, sums in float32) + bias[j]. */
void k_gemm_bf16(int M, int N, int K, const float *X, const uint16_t *Wb, const float *bias, float *C);

/* Which instruction sets the two products use on this CPU ("int8 avx512-vnni, bf16 avx512-bf16" or
 * "portable"); with force_portable set, the portable C loops run even where the CPU has them (tests). */
const char *lowp_paths(void);
void lowp_force_portable(int on);
#endif
