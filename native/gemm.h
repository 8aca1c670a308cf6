#ifndef SEQ2SEQ_GEMM_H
#define SEQ2SEQ_GEMM_H
#include <stddef.h>
/* C = alpha·op(A)·op(B) + beta·C, row-major; A is M×K (K×M if transA), B is K×N (N×K if transB). */
void gemm(int transA, int transB, int M, int N, int K, float alpha, const float *A, const float *B, float beta, float *C);
/* C = alpha·A·Wᵀ + beta·C for W (N×K) packed once by gemm_pack_bt into gemm_packed_bt_size(N, K) floats: the
 * same result as gemm(0, 1, …) to the bit, without packing W on every call (decoding's step products). */
size_t gemm_packed_bt_size(int N, int K);
void gemm_pack_bt(int N, int K, const float *W, float *packed);
void gemm_prepacked_bt(int M, int N, int K, float alpha, const float *A, const float *W, const float *packed,
                       float beta, float *C);
/* C = alpha·A·B + beta·C for B (K×N, not transposed) packed once by gemm_pack_b into gemm_packed_bt_size(N, K)
 * floats (the panels gemm_pack_bt makes of Bᵀ): the same result as gemm(0, 0, …) to the bit. */
void gemm_pack_b(int K, int N, const float *B, float *packed);
void gemm_prepacked_b(int M, int N, int K, float alpha, const float *A, const float *B, const float *packed,
                      float beta, float *C);
/* gemm(0, transB, …) for products of M ≤ 4 rows, split over the threads by the size of B (what their time is):
 * the same bits as gemm; more rows go to gemm. */
void gemm_few_rows(int transB, int M, int N, int K, float alpha, const float *A, const float *B, float beta,
                   float *C);
#endif
