/* Vectorisable float exp, tanh and sigmoid (branch-free, so loops over them auto-vectorise).
 * exp: Cephes expf — x = n ln2 + r, e^r by a degree-6 polynomial, times 2^n through the exponent
 * bits; relative error about 1e-7. tanh: Cephes tanhf — odd polynomial below |x| = 0.625,
 * 1 − 2/(e^{2|x|} + 1) above; absolute error < 1e-7, relative < 3e-7. */
#ifndef SEQ2SEQ_VMATH_H
#define SEQ2SEQ_VMATH_H
#include <stdint.h>
#include <string.h>

static inline float vm_exp(float x) {
  x = x < -87.0f ? -87.0f : (x > 88.0f ? 88.0f : x);
  float fx = x * 1.44269504088896341f;
  float n = __builtin_floorf(fx + 0.5f);
  float r = x - n * 0.693359375f - n * -2.12194440e-4f;
  float y = 1.9875691500E-4f;
  y = y * r + 1.3981999507E-3f;
  y = y * r + 8.3334519073E-3f;
  y = y * r + 4.1665795894E-2f;
  y = y * r + 1.6666665459E-1f;
  y = y * r + 5.0000001201E-1f;
  y = y * r * r + r + 1.0f;
  int32_t e = ((int32_t)n + 127) << 23;
  float s;
  memcpy(&s, &e, 4);
  return y * s;
}

static inline float vm_tanh(float x) {
  float ax = __builtin_fabsf(x);
  float z = x * x;
  float p = -5.70498872745E-3f;
  p = p * z + 2.06390887954E-2f;
  p = p * z - 5.37397155531E-2f;
  p = p * z + 1.33314422036E-1f;
  p = p * z - 3.33332819422E-1f;
  float small = p * z * x + x;
  float e = vm_exp(2.0f * (ax > 9.0f ? 9.0f : ax));
  float big = 1.0f - 2.0f / (e + 1.0f);
  big = x < 0 ? -big : big;
  return ax < 0.625f ? small : big;
}

/* σ(x) = 1 / (1 + e^{−x}) */
static inline float vm_sigmoid(float x) {
  return 1.0f / (1.0f + vm_exp(-x));
}
#endif
