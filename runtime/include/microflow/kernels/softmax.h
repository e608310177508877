// SOFTMAX over the last dimension (TFLM reference, docs §9).
// int8 uses gemmlowp's fixed-point exp and reciprocal (no lookup table); the output
// quantization is fixed by TFLM to scale 1/256, zero point -128.
#ifndef MICROFLOW_SOFTMAX_H_
#define MICROFLOW_SOFTMAX_H_

#include <math.h>
#include <stdint.h>

#include "microflow/fixed_point.h"
#include "microflow/fixed_point_math.h"
#include "microflow/exec/flash.h"

namespace mf {

struct SoftmaxS8Params {
  int32_t rows, depth;
  int32_t input_beta_multiplier;
  int32_t input_beta_left_shift;
  int32_t diff_min;
};

struct SoftmaxF32Params {
  int32_t rows, depth;
  float beta;
};

namespace detail {

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
  return exp_on_negative_values<5>(
      saturating_rounding_doubling_high_mul(scaled, p.input_beta_multiplier));
}

}  // namespace detail

// Precondition (TFLM aborts otherwise): a row's sum of exponentials stays below 512.
inline void softmax_s8(const SoftmaxS8Params& params, const int8_t* in, int8_t* out) {
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
    const int output_shift = num_bits_over_unit + 31 - 8;

    for (int32_t c = 0; c < p.depth; ++c) {
      const int32_t diff = in[c] - max;
      int32_t q = -128;
      if (diff >= p.diff_min) {
        const int32_t e = detail::softmax_exp(p, diff);
        q = rounding_divide_by_pot(saturating_rounding_doubling_high_mul(reciprocal, e),
                                   output_shift) -
            128;
      }
      out[c] = clamp_to_s8(q, -128, 127);
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
