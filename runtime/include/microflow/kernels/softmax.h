// SOFTMAX over the last dimension (TFLM reference, docs §9).
// int8 input uses gemmlowp's fixed-point exp and reciprocal (no lookup table); the output
// quantization is fixed by TFLM: int8 scale 1/256, zero point -128, or int16 scale
// 1/65536, zero point -32768. int16 input is TFLM's SoftmaxInt16: two 513-entry
// interpolated tables (exp on [-10, 0], 1/(1+x) on [0, 1]) that the compiler computes,
// output scale 1/32768, zero point 0.
#ifndef MICROFLOW_SOFTMAX_H_
#define MICROFLOW_SOFTMAX_H_

#include <math.h>
#include <stdint.h>

#include "microflow/fixed_point.h"
#include "microflow/lut.h"
#include "microflow/exec/flash.h"

namespace mf {

struct SoftmaxS8Params {
  int32_t rows, depth;
  int32_t input_beta_multiplier;
  int32_t input_beta_left_shift;
  int32_t diff_min;
};

struct SoftmaxS16Params {
  int32_t rows, depth;
  int32_t input_multiplier;  // QuantizeMultiplier(S_in * beta / (10 / 65535))
  int32_t input_shift;
};

struct SoftmaxF32Params {
  int32_t rows, depth;
  float beta;
};

namespace detail {

// gemmlowp SaturatingRoundingMultiplyByPOT<exponent> for exponent > 0.
inline int32_t saturating_shift_left(int32_t x, int exponent) {
  const int32_t threshold = static_cast<int32_t>((static_cast<uint32_t>(1) << (31 - exponent)) - 1);
  if (x > threshold) return kInt32Max;
  if (x < -threshold) return kInt32Min;
  return static_cast<int32_t>(static_cast<uint32_t>(x) << exponent);
}

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

// exp(a) for a <= 0; a in Q5.26, result in Q0.31.
inline int32_t exp_on_negative_values(int32_t a) {
  if (a == 0) return kInt32Max;
  const int32_t one_quarter = static_cast<int32_t>(1) << 24;
  const int32_t a_mod_quarter_minus_one_quarter = (a & (one_quarter - 1)) - one_quarter;
  // Rescale Q5.26 -> Q0.31 is a saturating shift by 5 that cannot saturate here:
  // |a_mod_quarter_minus_one_quarter| <= 2^24.
  int32_t result =
      exp_on_interval_between_negative_one_quarter_and_0_excl(a_mod_quarter_minus_one_quarter * 32);
  // The remaining multiple of 1/4 is applied bit by bit: bit 24 + k multiplies by
  // exp(-2^(k-2)) in Q0.31, k = 0 .. 6.
  const int32_t remainder = a_mod_quarter_minus_one_quarter - a;
  result = multiply_if_bit_set(result, remainder, 24, 1672461947);
  result = multiply_if_bit_set(result, remainder, 25, 1302514674);
  result = multiply_if_bit_set(result, remainder, 26, 790015084);
  result = multiply_if_bit_set(result, remainder, 27, 290630308);
  result = multiply_if_bit_set(result, remainder, 28, 39332535);
  result = multiply_if_bit_set(result, remainder, 29, 720401);
  result = multiply_if_bit_set(result, remainder, 30, 242);
  return result;
}

// 1 / (1 + a) for a in [0, 1), Q0.31 in and out: three Newton-Raphson steps in Q2.29.
inline int32_t one_over_one_plus_x_for_x_in_0_1(int32_t a) {
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
  return saturating_shift_left(x, 1);
}

inline int count_leading_zeros(uint32_t x) {
  int n = 0;
  for (uint32_t bit = static_cast<uint32_t>(1) << 31; bit != 0 && (x & bit) == 0; bit >>= 1) ++n;
  return n;
}

// exp(beta * S_in * (x - max)) in Q0.31 for an element with diff = x - max >= diff_min.
inline int32_t softmax_exp(const SoftmaxS8Params& p, int32_t diff) {
  // MultiplyByQuantizedMultiplierGreaterThanOne: no final rounding shift. diff_min keeps
  // diff * 2^left_shift inside int32.
  const int32_t scaled =
      static_cast<int32_t>(static_cast<uint32_t>(diff) << p.input_beta_left_shift);
  return exp_on_negative_values(
      saturating_rounding_doubling_high_mul(scaled, p.input_beta_multiplier));
}

// TFLM's Softmax<int8_t, OutT>: OutT is int8_t or int16_t; the output zero point is the
// type's minimum. Precondition (TFLM aborts otherwise): a row's sum of exponentials stays
// below 512.
template <typename OutT, int32_t kOutMin, int32_t kOutMax, int32_t kOutBits>
inline void softmax_from_s8(const SoftmaxS8Params& params, const int8_t* in, OutT* out) {
  const auto p = flash_load(params);
  for (int32_t r = 0; r < p.rows; ++r, in += p.depth, out += p.depth) {
    int32_t max = -128;
    for (int32_t c = 0; c < p.depth; ++c) max = in[c] > max ? in[c] : max;

    int32_t sum_of_exps = 0;  // Q12.19
    for (int32_t c = 0; c < p.depth; ++c) {
      const int32_t diff = in[c] - max;
      if (diff >= p.diff_min) {
        sum_of_exps += rounding_divide_by_pot(detail::softmax_exp(p, diff), 12);
      }
    }

    // Reciprocal of the sum: normalise it to 1 + t, t in [0, 1), and invert in fixed point.
    const int headroom_plus_one = detail::count_leading_zeros(static_cast<uint32_t>(sum_of_exps));
    const int num_bits_over_unit = 12 - headroom_plus_one;
    const int32_t shifted_sum_minus_one =
        static_cast<int32_t>((static_cast<uint32_t>(sum_of_exps) << headroom_plus_one) -
                             (static_cast<uint32_t>(1) << 31));
    const int32_t reciprocal = detail::one_over_one_plus_x_for_x_in_0_1(shifted_sum_minus_one);
    const int32_t output_shift = num_bits_over_unit + 31 - kOutBits;

    for (int32_t c = 0; c < p.depth; ++c) {
      const int32_t diff = in[c] - max;
      int32_t q = kOutMin;
      if (diff >= p.diff_min) {
        const int32_t e = detail::softmax_exp(p, diff);
        q = rounding_divide_by_pot(saturating_rounding_doubling_high_mul(reciprocal, e),
                                   output_shift) +
            kOutMin;
      }
      out[c] = static_cast<OutT>(q < kOutMin ? kOutMin : (q > kOutMax ? kOutMax : q));
    }
  }
}

}  // namespace detail

inline void softmax_s8(const SoftmaxS8Params& params, const int8_t* in, int8_t* out) {
  detail::softmax_from_s8<int8_t, -128, 127, 8>(params, in, out);
}

inline void softmax_s8_s16(const SoftmaxS8Params& params, const int8_t* in, int16_t* out) {
  detail::softmax_from_s8<int16_t, -32768, 32767, 16>(params, in, out);
}

namespace detail {

// TFLM's SoftMaxCalculateExp: the difference to the row maximum rescaled so that
// [-65535, 0] spans the exp table's [-10, 0], recentred to the table's int16 input.
inline int32_t softmax_s16_exp(const SoftmaxS16Params& p, const int16_t* exp_lut, int32_t diff) {
  const int32_t scaled = multiply_by_quantized_multiplier(diff, p.input_multiplier, p.input_shift) + 32767;
  return lut_lookup_s16(exp_lut, scaled < -32768 ? -32768 : (scaled > 32767 ? 32767 : scaled));
}

}  // namespace detail

// TFLM's SoftmaxInt16; the two tables (513 entries each) in flash. The exponentials are kept
// in the output row between the two passes, as TFLM does (each element is read before its
// output is written).
inline void softmax_s16(const SoftmaxS16Params& params, const int16_t* in, const int16_t* exp_lut,
                        const int16_t* one_over_one_plus_x_lut, int16_t* out) {
  const auto p = flash_load(params);
  for (int32_t r = 0; r < p.rows; ++r, in += p.depth, out += p.depth) {
    int32_t max = -32768;
    for (int32_t c = 0; c < p.depth; ++c) max = in[c] > max ? in[c] : max;

    int32_t sum_of_exps = 0;  // Q16.15
    for (int32_t c = 0; c < p.depth; ++c) {
      const int32_t e = detail::softmax_s16_exp(p, exp_lut, in[c] - max);
      out[c] = static_cast<int16_t>(e);
      sum_of_exps += static_cast<int16_t>(e);
    }

    // 1 / sum: the sum normalised to [1, 2) in Q1.14 (rounded), minus one and recentred to
    // the table's int16 input. The row maximum contributes exp(0) > 0, so the sum is positive
    // and headroom_plus_one >= 1; the shifted sum stays below 2^31 in uint32.
    const int32_t headroom_plus_one = detail::count_leading_zeros(static_cast<uint32_t>(sum_of_exps));
    const int32_t shifted_sum = static_cast<int32_t>(
        ((static_cast<uint32_t>(sum_of_exps) << (headroom_plus_one - 1)) + (static_cast<uint32_t>(1) << 13)) >> 14);
    int32_t sym_shifted_sum = shifted_sum - ((static_cast<int32_t>(1) << 15) + (static_cast<int32_t>(1) << 16));
    sym_shifted_sum = sym_shifted_sum < -32768 ? -32768 : (sym_shifted_sum > 32767 ? 32767 : sym_shifted_sum);
    const int32_t reciprocal = lut_lookup_s16(one_over_one_plus_x_lut, sym_shifted_sum);

    // TFLM rounds the int64 product e * reciprocal; both are int16, so |product| <= 2^30 and
    // with the rounding term (< 2^30) it stays exact in int32.
    const int32_t right_shift = 31 - headroom_plus_one;
    const int32_t round = static_cast<int32_t>(1) << (right_shift - 1);
    for (int32_t c = 0; c < p.depth; ++c) {
      const int32_t result = (static_cast<int32_t>(out[c]) * reciprocal + round) >> right_shift;
      out[c] = static_cast<int16_t>(result < 0 ? 0 : (result > 32767 ? 32767 : result));
    }
  }
}

// Float softmax: exponentials stored in out, summed in index order, then divided.
inline void softmax_f32(const SoftmaxF32Params& params, const float* in, float* out) {
  const auto p = flash_load(params);
  for (int32_t r = 0; r < p.rows; ++r, in += p.depth, out += p.depth) {
    float max = -3.40282347e+38f;
    for (int32_t c = 0; c < p.depth; ++c) max = max < in[c] ? in[c] : max;
    float sum = 0.f;
    for (int32_t c = 0; c < p.depth; ++c) {
      const float e = expf((in[c] - max) * p.beta);
      out[c] = e;
      sum += e;
    }
    for (int32_t c = 0; c < p.depth; ++c) out[c] = out[c] / sum;
  }
}

}  // namespace mf

#endif  // MICROFLOW_SOFTMAX_H_
