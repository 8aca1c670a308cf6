#ifndef SEQ2SEQ_GEMM_H
#define SEQ2SEQ_GEMM_H
/* C = alpha·op(A)·op(B) + beta·C, row-major; A is M×K (K×M if transA), B is K×N (N×K if transB). */
void gemm(int transA, int transB, int M, int N, int K, float alpha, const float *A, const float *B, float beta, float *C);
#endif
