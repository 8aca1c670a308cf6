/**
 * The layout of packed low-precision weights (native/lowp.h), chosen for the instructions that multiply them
 * (AVX512-VNNI adds 4 byte products per 32-bit lane, AVX512-BF16 2 bf16 products): for W stored N×K, panels
 * of 64 columns (N rounded up), each holding its k's in groups —
 *   int8: q(j, k) at [((⌊j/64⌋·Kq/4 + ⌊k/4⌋)·64 + j mod 64)·4 + k mod 4], Kq = K rounded up to 4;
 *   bf16: w(j, k) at [((⌊j/64⌋·Kb/2 + ⌊k/2⌋)·64 + j mod 64)·2 + k mod 2], Kb = K rounded up to 2.
 * Padding is zero. A panel is read front to back, and one 512-bit load holds 16 columns' groups, so a
 * product needs no horizontal sums.
 */
export const LOWP_COL_ALIGN = 64;

const paddedCols = (N: number): number => Math.ceil(N / LOWP_COL_ALIGN) * LOWP_COL_ALIGN;

/** Elements of the packed int8 weights of an N×K matrix. */
export const int8PackedSize = (N: number, K: number): number => Math.ceil(K / 4) * 4 * paddedCols(N);
/** Elements of the packed bf16 weights of an N×K matrix. */
export const bf16PackedSize = (N: number, K: number): number => Math.ceil(K / 2) * 2 * paddedCols(N);
/** Where weight (j, k) of an N×K matrix sits in the packed int8 array. */
export const int8Index = (K: number, j: number, k: number): number =>
  ((Math.floor(j / 64) * Math.ceil(K / 4) + (k >> 2)) * 64 + (j & 63)) * 4 + (k & 3);
/** Where weight (j, k) of an N×K matrix sits in the packed bf16 array. */
export const bf16Index = (K: number, j: number, k: number): number =>
  ((Math.floor(j / 64) * Math.ceil(K / 2) + (k >> 1)) * 64 + (j & 63)) * 2 + (k & 1);
