// LOG_SOFTMAX over the last dimension (TFLM reference: reference_ops::LogSoftmax float and
// LogSoftmaxQuantized int8). int8 reuses softmax.h's gemmlowp exp and adds gemmlowp's
// fixed-point log; TFLM fixes the output to scale 16/256, zero point 127 (beta 1).
#ifndef MICROFLOW_LOG_SOFTMAX_H_
#define MICROFLOW_LOG_SOFTMAX_H_

#include <math.h>
#include <stdint.h>

#include "microflow/exec/flash.h"
#include "microflow/fixed_point.h"
#include "microflow/kernels/softmax.h"

namespace mf {

struct LogSoftmaxS8Params {
  int32_t rows, depth;
  int32_t input_multiplier;  // PreprocessSoftmaxScaling(beta 1, S_in, 5 integer bits)
  int32_t input_left_shift;
  int32_t reverse_scaling_divisor;  // about 1 / (input_multiplier * 2^input_left_shift), Q31
  int32_t reverse_scaling_shift;    // <= 0
  int32_t diff_min;
};

struct LogSoftmaxF32Params {
  int32_t rows, depth;
};

namespace detail {

// gemmlowp SaturatingRoundingMultiplyByPOTParam for exponent >= 0.
inline int32_t saturating_shift_left_param(int32_t x, int32_t exponent) {
  return exponent == 0 ? x : saturating_shift_left(x, static_cast<int>(exponent));
}

inline int32_t saturating_add(int32_t a, int32_t b) {
  const int64_t sum = static_cast<int64_t>(a) + b;
  return sum > kInt32Max ? kInt32Max : (sum < kInt32Min ? kInt32Min : static_cast<int32_t>(sum));
}

inline int32_t saturating_sub(int32_t a, int32_t b) {
  const int64_t diff = static_cast<int64_t>(a) - b;
  return diff > kInt32Max ? kInt32Max : (diff < kInt32Min ? kInt32Min : static_cast<int32_t>(diff));
}

// gemmlowp RoundingHalfSum: (a + b) / 2 rounded half away from zero.
inline int32_t rounding_half_sum(int32_t a, int32_t b) {
  const int64_t sum = static_cast<int64_t>(a) + b;
  return static_cast<int32_t>((sum + (sum >= 0 ? 1 : -1)) / 2);
}

// TFLM's log_x_for_x_greater_than_or_equal_to_1<5>(Q12.19 x): log(x) in Q5.26. x is split
// into 2^z * r with r near sqrt(sqrt(1/2)) (two candidate splits, the better kept), and
// log(r) comes from a rational approximation; every product is gemmlowp's SRDHM (Q0.31
// operands unless noted), sums are plain int32.
inline int32_t log_q12_to_q5(int32_t x) {
  constexpr int32_t kInputIntegerBits = 12;
  constexpr int32_t kAccumIntegerBits = 6;  // output bits + 1 of headroom
  const int32_t log_2 = 1488522236;
  const int32_t sqrt_sqrt_half = 1805811301;
  const int32_t sqrt_half = 1518500250;
  const int32_t alpha_n = 117049297;
  const int32_t alpha_d = 127690142;
  const int32_t alpha_i = 1057819769;
  const int32_t alpha_f = 638450708;
  const int32_t shifted_quarter = static_cast<int32_t>(1) << 23;  // 1/4 in Q6.25

  const int32_t z_a_headroom_plus_1 = count_leading_zeros(static_cast<uint32_t>(x));
  const int32_t r_a_tmp = saturating_shift_left_param(x, z_a_headroom_plus_1 - 1);
  const int32_t r_a = saturating_shift_left_param(saturating_rounding_doubling_high_mul(r_a_tmp, sqrt_half), 1);
  const int32_t z_a_pow_2_adj = saturating_add(
      saturating_shift_left_param(kInputIntegerBits - z_a_headroom_plus_1, 31 - kAccumIntegerBits), shifted_quarter);

  const int32_t z_b = saturating_rounding_doubling_high_mul(x, sqrt_half);
  const int32_t z_b_headroom = count_leading_zeros(static_cast<uint32_t>(z_b)) - 1;
  const int32_t r_b = saturating_shift_left_param(x, z_b_headroom);
  const int32_t z_b_pow_2_adj = saturating_sub(
      saturating_shift_left_param(kInputIntegerBits - z_b_headroom, 31 - kAccumIntegerBits), shifted_quarter);

  const int32_t r = r_a < r_b ? r_a : r_b;
  const int32_t z_pow_2_adj = z_a_pow_2_adj > z_b_pow_2_adj ? z_a_pow_2_adj : z_b_pow_2_adj;

  const int32_t p = rounding_half_sum(r, sqrt_sqrt_half);
  int32_t q = r - sqrt_sqrt_half;
  q = q + q;
  const int32_t common_sq = saturating_rounding_doubling_high_mul(q, q);
  const int32_t num = saturating_rounding_doubling_high_mul(q, r) +
                      saturating_rounding_doubling_high_mul(saturating_rounding_doubling_high_mul(q, common_sq), alpha_n);
  const int32_t denom_minus_one =
      saturating_rounding_doubling_high_mul(p, alpha_i + q + saturating_rounding_doubling_high_mul(alpha_d, common_sq)) +
      saturating_rounding_doubling_high_mul(alpha_f, q);
  const int32_t recip_denom = one_over_one_plus_x_for_x_in_0_1(denom_minus_one);
  const int32_t num_scaled = rounding_divide_by_pot(num, kAccumIntegerBits);  // Q0 -> Q6
  const int32_t log_q6 = saturating_rounding_doubling_high_mul(z_pow_2_adj, log_2) +
                         saturating_rounding_doubling_high_mul(num_scaled, recip_denom);
  return saturating_shift_left(log_q6, 1);  // Q6 -> Q5
}

}  // namespace detail

inline void log_softmax_s8(const LogSoftmaxS8Params& params, const int8_t* in, int8_t* out) {
  const auto p = flash_load(params);
  for (int32_t r = 0; r < p.rows; ++r, in += p.depth, out += p.depth) {
    int32_t max = -128;
    for (int32_t c = 0; c < p.depth; ++c) max = in[c] > max ? in[c] : max;

    int32_t sum_of_exps_q12 = 0;
    for (int32_t c = 0; c < p.depth; ++c) {
      const int32_t diff = in[c] - max;
      if (diff >= p.diff_min) {
        const int32_t diff_q5 = multiply_by_quantized_multiplier(diff, p.input_multiplier, p.input_left_shift);
        sum_of_exps_q12 += rounding_divide_by_pot(detail::exp_on_negative_values(diff_q5), 12);
      }
    }
    const int32_t log_sum_q5 = detail::log_q12_to_q5(sum_of_exps_q12);

    // Differences whose Q5.26 value minus the log sum would leave int32 give -128 (as do
    // those below diff_min); TFLM compares with > here.
    const int32_t shifted_log_sum_q5 = log_sum_q5 + kInt32Min;
    const int32_t rescaled = multiply_by_quantized_multiplier(shifted_log_sum_q5, p.reverse_scaling_divisor,
                                                              p.reverse_scaling_shift);
    const int32_t adjusted_diff_min = p.diff_min - 1 > rescaled ? p.diff_min - 1 : rescaled;

    for (int32_t c = 0; c < p.depth; ++c) {
      const int32_t diff = in[c] - max;
      int32_t q = -128;
      if (diff > adjusted_diff_min) {
        const int32_t diff_q5 = multiply_by_quantized_multiplier(diff, p.input_multiplier, p.input_left_shift);
        // Q5.26 -> the output's Q4 scale (16/256): 31 - 5 - 4 fraction bits dropped.
        q = rounding_divide_by_pot(diff_q5 - log_sum_q5, 22) + 127;
      }
      out[c] = clamp_to_s8(q, -128, 127);
    }
  }
}

// Float: x - max - log(sum of exp(x - max)), sums in index order (TFLM's reference).
inline void log_softmax_f32(const LogSoftmaxF32Params& params, const float* in, float* out) {
  const auto p = flash_load(params);
  for (int32_t r = 0; r < p.rows; ++r, in += p.depth, out += p.depth) {
    float max = -3.40282347e+38f;
    for (int32_t c = 0; c < p.depth; ++c) max = max < in[c] ? in[c] : max;
    float sum = 0.f;
    for (int32_t c = 0; c < p.depth; ++c) sum += expf(in[c] - max);
    const float log_sum = logf(sum);
    for (int32_t c = 0; c < p.depth; ++c) out[c] = in[c] - max - log_sum;
  }
}

}  // namespace mf

#endif  // MICROFLOW_LOG_SOFTMAX_H_
