// Fixed-point primitives of gemmlowp / TFLM, reproduced bit for bit
// (docs: tflm-arithmetic.md §1). Default TFLM build: double rounding.
#ifndef MICROFLOW_FIXED_POINT_H_
#define MICROFLOW_FIXED_POINT_H_

#include <stdint.h>

namespace mf {

// avr-libc hides INT32_MAX/INT32_MIN from C++ unless __STDC_LIMIT_MACROS is set.
constexpr int32_t kInt32Max = 0x7FFFFFFF;
constexpr int32_t kInt32Min = -kInt32Max - 1;

// round(a * b / 2^31), ties toward +infinity (ARM VQRDMULH).
inline int32_t saturating_rounding_doubling_high_mul(int32_t a, int32_t b) {
  // floor((a*b + 2^30) / 2^31) equals gemmlowp's sign-dependent nudge followed by
  // truncating division, and needs no 64-bit divide (absent from some libgcc ports).
  const int64_t product = static_cast<int64_t>(a) * b;
  const int32_t result = static_cast<int32_t>((product + (static_cast<int64_t>(1) << 30)) >> 31);
  // Only a == b == INT32_MIN gives 2^31, which wraps to INT32_MIN; no product reaches -2^31.
  return result == kInt32Min ? kInt32Max : result;
}

// x / 2^exponent rounded to nearest, ties away from zero. exponent in [0, 31].
inline int32_t rounding_divide_by_pot(int32_t x, int exponent) {
  const int32_t mask = static_cast<int32_t>((static_cast<uint32_t>(1) << exponent) - 1);
  const int32_t remainder = x & mask;
  const int32_t threshold = (mask >> 1) + static_cast<int32_t>(x < 0);
  return (x >> exponent) + static_cast<int32_t>(remainder > threshold);
}

// x * multiplier * 2^(shift - 31) with TFLM's two roundings (SRDHM, then RDBPOT).
// shift > 0 is a left shift applied before the multiply.
inline int32_t multiply_by_quantized_multiplier(int32_t x, int32_t multiplier, int shift) {
  const int left_shift = shift > 0 ? shift : 0;
  const int right_shift = shift > 0 ? 0 : -shift;
  // TFLM's x * (1 << left_shift) wraps on overflow; an unsigned shift does the same without UB.
  const int32_t shifted = static_cast<int32_t>(static_cast<uint32_t>(x) << left_shift);
  return rounding_divide_by_pot(saturating_rounding_doubling_high_mul(shifted, multiplier),
                                right_shift);
}

// Fused activation on int8 outputs; lo/hi already lie within [-128, 127].
inline int8_t clamp_to_s8(int32_t v, int32_t lo, int32_t hi) {
  return static_cast<int8_t>(v < lo ? lo : (v > hi ? hi : v));
}

}  // namespace mf

#endif  // MICROFLOW_FIXED_POINT_H_
