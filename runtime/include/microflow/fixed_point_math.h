// gemmlowp's fixed-point math functions (fixedpoint/fixedpoint.h) on raw int32 values, bit
// for bit: exp on negative values, 1 / (1 + x), (1 - x) / (1 + x), logistic and tanh.
// A FixedPoint<int32_t, I> is a raw int32 with I integer bits (Q(I).(31 - I)); results are
// Q0.31. SOFTMAX (exp with 5 integer bits) and the int8 LOGISTIC / TANH (4) use them.
#ifndef MICROFLOW_FIXED_POINT_MATH_H_
#define MICROFLOW_FIXED_POINT_MATH_H_

#include <stdint.h>

#include "microflow/fixed_point.h"

namespace mf {
namespace detail {

// Leading zero bits of x (32 for 0).
inline int count_leading_zeros(uint32_t x) {
  int n = 0;
  for (uint32_t bit = static_cast<uint32_t>(1) << 31; bit != 0 && (x & bit) == 0; bit >>= 1) ++n;
  return n;
}

// gemmlowp SaturatingRoundingMultiplyByPOT<exponent> for exponent > 0.
inline int32_t saturating_shift_left(int32_t x, int exponent) {
  const int32_t threshold = static_cast<int32_t>((static_cast<uint32_t>(1) << (31 - exponent)) - 1);
  if (x > threshold) return kInt32Max;
  if (x < -threshold) return kInt32Min;
  return static_cast<int32_t>(static_cast<uint32_t>(x) << exponent);
}

// Wrapping int32 addition (TFLM's int32 sums wrap in practice; this does so without UB).
inline int32_t add_wrapping(int32_t current, int32_t in) {
  return static_cast<int32_t>(static_cast<uint32_t>(current) + static_cast<uint32_t>(in));
}

// gemmlowp's Neg on int32: two's complement wrap-around (INT32_MIN stays INT32_MIN).
inline int32_t negate_wrapping(int32_t x) { return static_cast<int32_t>(0u - static_cast<uint32_t>(x)); }

// exp(a) for a in [-1/4, 0), Q0.31 in and out: Taylor series around -1/8.
inline int32_t exp_on_interval_between_negative_one_quarter_and_0_excl(int32_t a) {
  const int32_t exp_minus_one_eighth = 1895147668;
  const int32_t one_third = 715827883;
  const int32_t x = a + (static_cast<int32_t>(1) << 28);
  const int32_t x2 = saturating_rounding_doubling_high_mul(x, x);
  const int32_t x3 = saturating_rounding_doubling_high_mul(x2, x);
  const int32_t x4 = saturating_rounding_doubling_high_mul(x2, x2);
  const int32_t x4_over_4 = rounding_divide_by_pot(x4, 2);
  const int32_t polynomial = rounding_divide_by_pot(
      saturating_rounding_doubling_high_mul(x4_over_4 + x3, one_third) + x2, 1);
  return exp_minus_one_eighth +
         saturating_rounding_doubling_high_mul(exp_minus_one_eighth, x + polynomial);
}

inline int32_t multiply_if_bit_set(int32_t value, int32_t bits, int bit, int32_t factor) {
  return (bits & (static_cast<int32_t>(1) << bit)) != 0
             ? saturating_rounding_doubling_high_mul(value, factor)
             : value;
}

// exp(a) for a <= 0 with kIntegerBits integer bits (Q(kIntegerBits).(31 - kIntegerBits)),
// result in Q0.31. gemmlowp clamps inputs below -32 to 0 only for more than 5 integer
// bits, which no caller uses.
template <int kIntegerBits>
inline int32_t exp_on_negative_values(int32_t a) {
  static_assert(kIntegerBits >= 1 && kIntegerBits <= 5, "exp_on_negative_values: 1 to 5 integer bits");
  const int kFractionalBits = 31 - kIntegerBits;
  if (a == 0) return kInt32Max;
  const int32_t one_quarter = static_cast<int32_t>(1) << (kFractionalBits - 2);
  const int32_t a_mod_quarter_minus_one_quarter = (a & (one_quarter - 1)) - one_quarter;
  // Rescale to Q0.31: a saturating shift by kIntegerBits that cannot saturate here
  // (|a_mod_quarter_minus_one_quarter| <= 2^(kFractionalBits - 2)).
  int32_t result = exp_on_interval_between_negative_one_quarter_and_0_excl(
      a_mod_quarter_minus_one_quarter * (static_cast<int32_t>(1) << kIntegerBits));
  // The remaining multiple of 1/4 is applied bit by bit: bit kFractionalBits + e multiplies
  // by exp(-2^e) in Q0.31, for e = -2 .. kIntegerBits - 1.
  const int32_t remainder = a_mod_quarter_minus_one_quarter - a;
  result = multiply_if_bit_set(result, remainder, kFractionalBits - 2, 1672461947);
  result = multiply_if_bit_set(result, remainder, kFractionalBits - 1, 1302514674);
  result = multiply_if_bit_set(result, remainder, kFractionalBits, 790015084);
  if (kIntegerBits > 1) result = multiply_if_bit_set(result, remainder, kFractionalBits + 1, 290630308);
  if (kIntegerBits > 2) result = multiply_if_bit_set(result, remainder, kFractionalBits + 2, 39332535);
  if (kIntegerBits > 3) result = multiply_if_bit_set(result, remainder, kFractionalBits + 3, 720401);
  if (kIntegerBits > 4) result = multiply_if_bit_set(result, remainder, kFractionalBits + 4, 242);
  return result;
}

// Newton-Raphson for 1 / (1 + a), a in [0, 1) Q0.31: three steps on the half denominator,
// the estimate in Q2.29 (shared by the two divisions below).
inline int32_t reciprocal_of_one_plus_x_q2(int32_t a) {
  // RoundingHalfSum(a, 1.0): (a + INT32_MAX) / 2 rounded half away from zero.
  const int64_t sum = static_cast<int64_t>(a) + kInt32Max;
  const int32_t half_denominator = static_cast<int32_t>((sum + (sum >= 0 ? 1 : -1)) / 2);
  const int32_t constant_48_over_17 = 1515870810;
  const int32_t constant_neg_32_over_17 = -1010580540;
  const int32_t one_q2_29 = static_cast<int32_t>(1) << 29;
  int32_t x = constant_48_over_17 +
              saturating_rounding_doubling_high_mul(half_denominator, constant_neg_32_over_17);
  for (int i = 0; i < 3; ++i) {
    const int32_t one_minus_half_denominator_times_x =
        one_q2_29 - saturating_rounding_doubling_high_mul(half_denominator, x);
    x += saturating_shift_left(
        saturating_rounding_doubling_high_mul(x, one_minus_half_denominator_times_x), 2);
  }
  return x;
}

// 1 / (1 + a) for a in [0, 1), Q0.31 in and out.
inline int32_t one_over_one_plus_x_for_x_in_0_1(int32_t a) {
  return saturating_shift_left(reciprocal_of_one_plus_x_q2(a), 1);
}

// (1 - a) / (1 + a) for a in (0, 1), Q0.31 in and out: 2 / (1 + a) - 1.
inline int32_t one_minus_x_over_one_plus_x_for_x_in_0_1(int32_t a) {
  return saturating_shift_left(reciprocal_of_one_plus_x_q2(a) - (static_cast<int32_t>(1) << 29), 2);
}

// gemmlowp::logistic: 1 / (1 + exp(-a)), a with kIntegerBits integer bits, result Q0.31.
template <int kIntegerBits>
inline int32_t logistic(int32_t a) {
  if (a == 0) return static_cast<int32_t>(1) << 30;
  const bool positive = a > 0;
  const int32_t abs_a = positive ? a : negate_wrapping(a);
  const int32_t if_positive =
      one_over_one_plus_x_for_x_in_0_1(exp_on_negative_values<kIntegerBits>(negate_wrapping(abs_a)));
  return positive ? if_positive : kInt32Max - if_positive;
}

// gemmlowp::tanh: (1 - exp(-2|a|)) / (1 + exp(-2|a|)) with a's sign; 2a is the same raw
// value with one more integer bit.
template <int kIntegerBits>
inline int32_t tanh(int32_t a) {
  if (a == 0) return 0;
  const bool negative = a < 0;
  const int32_t minus_abs_a = negative ? a : negate_wrapping(a);
  const int32_t t =
      one_minus_x_over_one_plus_x_for_x_in_0_1(exp_on_negative_values<kIntegerBits + 1>(minus_abs_a));
  return negative ? negate_wrapping(t) : t;
}

}  // namespace detail
}  // namespace mf

#endif  // MICROFLOW_FIXED_POINT_MATH_H_
