// Fixed-point primitives of gemmlowp / TFLM, reproduced bit for bit
// (docs: tflm-arithmetic.md §1). Default TFLM build: double rounding.
#ifndef MICROFLOW_FIXED_POINT_H_
#define MICROFLOW_FIXED_POINT_H_

#include <stdint.h>

#if defined(__ARM_FEATURE_DSP)
#include <arm_acle.h>
#elif defined(__AVR__)
#include "microflow/arch/fixed_point_avr.h"
#endif

namespace mf {

// avr-libc hides INT32_MAX/INT32_MIN from C++ unless __STDC_LIMIT_MACROS is set.
constexpr int32_t kInt32Max = 0x7FFFFFFF;
constexpr int32_t kInt32Min = -kInt32Max - 1;

// round(a * b / 2^31), ties toward +infinity (ARM VQRDMULH).
inline int32_t saturating_rounding_doubling_high_mul(int32_t a, int32_t b) {
  // floor((a*b + 2^30) / 2^31) equals gemmlowp's sign-dependent nudge followed by
  // truncating division, and needs no 64-bit divide (absent from some libgcc ports).
#if defined(__AVR__)
  // The multiply takes b >= 0; a * b = (-a) * (-b) otherwise, with INT32_MIN on either side
  // done by hand (b = -2^31 gives -a exactly, saturating only for a = -2^31 too).
  if (b >= 0) return detail::rounding_doubling_high_mul_avr_call(a, b);
  if (b == kInt32Min) return a == kInt32Min ? kInt32Max : -a;
  if (a == kInt32Min) return -b;
  return detail::rounding_doubling_high_mul_avr_call(-a, -b);
#else
  const int64_t product = static_cast<int64_t>(a) * b;
  const int32_t result = static_cast<int32_t>((product + (static_cast<int64_t>(1) << 30)) >> 31);
  // Only a == b == INT32_MIN gives 2^31, which wraps to INT32_MIN; no product reaches -2^31.
  return result == kInt32Min ? kInt32Max : result;
#endif
}

// x / 2^exponent rounded to nearest, ties away from zero. exponent in [0, 31].
inline int32_t rounding_divide_by_pot(int32_t x, int32_t exponent) {
  const int32_t mask = static_cast<int32_t>((static_cast<uint32_t>(1) << exponent) - 1);
  const int32_t remainder = x & mask;
  const int32_t threshold = (mask >> 1) + static_cast<int32_t>(x < 0);
  return (x >> exponent) + static_cast<int32_t>(remainder > threshold);
}

// x * multiplier * 2^(shift - 31) with TFLM's two roundings (SRDHM, then RDBPOT).
// shift > 0 is a left shift applied before the multiply.
inline int32_t multiply_by_quantized_multiplier(int32_t x, int32_t multiplier, int32_t shift) {
  const int32_t left_shift = shift > 0 ? shift : 0;
  const int32_t right_shift = shift > 0 ? 0 : -shift;
  // TFLM's x * (1 << left_shift) wraps on overflow; an unsigned shift does the same without UB.
  const int32_t shifted = static_cast<int32_t>(static_cast<uint32_t>(x) << left_shift);
  return rounding_divide_by_pot(saturating_rounding_doubling_high_mul(shifted, multiplier),
                                right_shift);
}

// rounding_high_mul_q31's core per core type; plain C, so the host tests check them all.
// RV32, from m2 = 2m - 2^32 (fits int32): 2xm = x*m2 + x*2^32, and floor((x*m2 + 2^31) / 2^32)
// is MULH's high word plus bit 31 of MUL's low word: five instructions where the int64
// product and rounding add take about ten.
inline int32_t rounding_high_mul_q31_rv32(int32_t x, int32_t m2) {
  const int64_t product = static_cast<int64_t>(x) * m2;
  const uint32_t low = static_cast<uint32_t>(product);
  return static_cast<int32_t>(static_cast<uint64_t>(product) >> 32) + static_cast<int32_t>(low >> 31) + x;
}

// Xtensa LX106, which has no high-word multiply (an int64 product is a __muldi3 call): from
// 16-bit halves x = xh*2^16 + xl (xh signed) and m = mh*2^16 + ml (mh < 2^15), whose
// products all fit 32 bits, x*m = high*2^32 + low; then floor((x*m + 2^30) / 2^31) is
// 2*high + floor((low/2 + 2^29) / 2^30) (|high| < 2^30, so 2*high does not overflow).
inline int32_t rounding_high_mul_q31_halves(int32_t x, int32_t m) {
  const int32_t xh = x >> 16;
  const uint32_t xl = static_cast<uint32_t>(x) & 0xFFFFu;
  const uint32_t mh = static_cast<uint32_t>(m) >> 16, ml = static_cast<uint32_t>(m) & 0xFFFFu;
  const uint32_t lo = xl * ml;                              // below 2^32
  const uint32_t mid = (lo >> 16) + xl * mh;                // below 2^31
  const int32_t cross = xh * static_cast<int32_t>(ml);      // |cross| < 2^31
  // mid + cross = ((mid >> 16) + (cross >> 16)) * 2^16 + carry_part, carry_part < 2^17.
  const uint32_t carry_part = (mid & 0xFFFFu) + (static_cast<uint32_t>(cross) & 0xFFFFu);
  const int32_t high = xh * static_cast<int32_t>(mh) + static_cast<int32_t>(mid >> 16) + (cross >> 16) +
                       static_cast<int32_t>(carry_part >> 16);
  const uint32_t low = (carry_part << 16) | (lo & 0xFFFFu);
  return 2 * high + static_cast<int32_t>(((low >> 1) + (static_cast<uint32_t>(1) << 29)) >> 30);
}

// TFLM's SRDHM, x * m / 2^31 rounded half up, for m in [2^30, 2^31) (QuantizeMultiplier's
// range besides 0). It never saturates: only m == INT32_MIN could.
inline int32_t rounding_high_mul_q31(int32_t x, int32_t m) {
#if defined(__ARM_FEATURE_DSP)
  // x*m*2 = x*(2m - 2^32) + x*2^32 and 2m - 2^32 fits int32, so SMMULR (round(a*b / 2^32),
  // one instruction) plus x is exact.
  const int32_t m2 = static_cast<int32_t>(static_cast<uint32_t>(m) << 1);
  int32_t high;
  __asm__("smmulr %0, %1, %2" : "=r"(high) : "r"(x), "r"(m2));
  return high + x;
#elif defined(__AVR__)
  return detail::rounding_doubling_high_mul_avr_call(x, m);
#elif defined(__riscv) && __riscv_xlen == 32
  return rounding_high_mul_q31_rv32(x, static_cast<int32_t>(static_cast<uint32_t>(m) << 1));
#elif defined(__XTENSA__)
  return rounding_high_mul_q31_halves(x, m);
#else
  return static_cast<int32_t>((static_cast<int64_t>(x) * m + (static_cast<int64_t>(1) << 30)) >> 31);
#endif
}

// multiply_by_quantized_multiplier(x, multiplier, shift) + zero_point for multiplier in
// [2^30, 2^31) and shift in [-31, -1], the pairs QuantizeMultiplier gives every int8
// layer. With t the SRDHM result and n = -shift, RDBPOT's round-half-away of t / 2^n is
// (((t - (t < 0)) >> (n - 1)) + 1) >> 1 (floor divisions nest). No step overflows: |t| is
// below 2^31 - 1 since multiplier < 2^31.
// RDBPOT(t, n + 1) for n in [0, 30] as (((t - (t < 0)) >> n) + 1) >> 1.
inline int32_t round_shift_q31(int32_t t, int32_t n) {
  int32_t u = t - static_cast<int32_t>(static_cast<uint32_t>(t) >> 31);
#if defined(__AVR__)
  // Whole bytes by moving registers; avr-gcc shifts one bit per loop iteration otherwise.
  if (n >= 16) u >>= 16, n -= 16;
  if (n >= 8) u >>= 8, n -= 8;
#endif
  u >>= n;
  return (u + 1) >> 1;
}

inline int32_t requantize_q31(int32_t x, int32_t multiplier, int32_t shift, int32_t zero_point) {
  return round_shift_q31(rounding_high_mul_q31(x, multiplier), -shift - 1) + zero_point;
}

// True when requantize_q31 applies to the pair.
inline bool is_q31_requantization(int32_t multiplier, int32_t shift) {
  return multiplier >= (static_cast<int32_t>(1) << 30) && shift < 0 && shift >= -31;
}

// A channel's requantize_q31 constants, prepared once for many outputs.
struct Q31Channel {
  int32_t multiplier;  // 2 * multiplier - 2^32 on Arm DSP (for SMMULR) and RV32, else the multiplier
  int32_t shift;       // -shift - 1
};

inline Q31Channel make_q31_channel(int32_t multiplier, int32_t shift) {
  Q31Channel c;
#if defined(__ARM_FEATURE_DSP) || (defined(__riscv) && __riscv_xlen == 32)
  c.multiplier = static_cast<int32_t>(static_cast<uint32_t>(multiplier) << 1);
#else
  c.multiplier = multiplier;
#endif
  c.shift = -shift - 1;
  return c;
}

// requantize_q31 with prepared constants.
inline int32_t requantize_q31(int32_t x, const Q31Channel& c, int32_t zero_point) {
#if defined(__ARM_FEATURE_DSP)
  int32_t high;
  __asm__("smmulr %0, %1, %2" : "=r"(high) : "r"(x), "r"(c.multiplier));
  const int32_t t = high + x;
#elif defined(__riscv) && __riscv_xlen == 32
  const int32_t t = rounding_high_mul_q31_rv32(x, c.multiplier);
#else
  const int32_t t = rounding_high_mul_q31(x, c.multiplier);
#endif
  return round_shift_q31(t, c.shift) + zero_point;
}

// Fused activation on int8 outputs; lo/hi already lie within [-128, 127].
inline int8_t clamp_to_s8(int32_t v, int32_t lo, int32_t hi) {
  return static_cast<int8_t>(v < lo ? lo : (v > hi ? hi : v));
}

// Fused activation on int16 outputs; lo/hi already lie within [-32768, 32767].
inline int16_t clamp_to_s16(int32_t v, int32_t lo, int32_t hi) {
  return static_cast<int16_t>(v < lo ? lo : (v > hi ? hi : v));
}

// TFLM's MultiplyByQuantizedMultiplier for an int64 accumulator (its 16x8 kernels with an
// int64 bias; tflm-arithmetic.md §1.4): one rounding, ties toward +infinity, with the 15-bit
// multiplier min((M + 2^15) >> 16, 0x7FFF) that the compiler folds (reduce_multiplier_to_q15)
// and QuantizeMultiplier's shift, at most 14. The result is truncated to int32 as TFLM's
// return truncates it; the unsigned product wraps where TFLM's would overflow.
inline int32_t multiply_by_reduced_multiplier_s64(int64_t x, int32_t reduced_multiplier, int32_t shift) {
  const int32_t total_shift = 15 - shift;
  const uint64_t product = static_cast<uint64_t>(x) * static_cast<uint64_t>(static_cast<int64_t>(reduced_multiplier));
  const int64_t rounded = static_cast<int64_t>(product + (static_cast<uint64_t>(1) << (total_shift - 1)));
  return static_cast<int32_t>(static_cast<uint32_t>(static_cast<uint64_t>(rounded >> total_shift)));
}

}  // namespace mf

#endif  // MICROFLOW_FIXED_POINT_H_
