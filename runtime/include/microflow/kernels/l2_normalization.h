// L2_NORMALIZATION over the last dimension (TFLM reference: reference_ops::L2Normalization
// float, reference_integer_ops::L2Normalization int8). int8 divides by the root of the
// row's sum of squares with gemmlowp's fixed-point inverse square root; the output is in
// steps of 1/128 with zero point 0 whatever the output tensor says (TFLM reads neither).
#ifndef MICROFLOW_L2_NORMALIZATION_H_
#define MICROFLOW_L2_NORMALIZATION_H_

#include <math.h>
#include <stdint.h>

#include "microflow/exec/flash.h"
#include "microflow/fixed_point.h"
#include "microflow/kernels/softmax.h"

namespace mf {

struct L2NormalizationS8Params {
  int32_t rows, depth;
  int32_t input_zero_point;
};

struct L2NormalizationF32Params {
  int32_t rows, depth;
};

namespace detail {

struct InvSqrt {
  int32_t multiplier, shift;  // 1 / sqrt(input) = multiplier * 2^(shift - 31)
};

// TFLM's GetInvSqrtQuantizedMultiplierExp(input, kReverseShift): input normalised to
// [2^27, 2^29) by pairs of bits, then five Newton-Raphson steps of x = 1.5x - (input/2)x^3
// in Q3.28 (gemmlowp products), times sqrt(2)/2.
inline InvSqrt inv_sqrt_multiplier(int32_t input) {
  if (input <= 1) return {kInt32Max, 0};  // 0 is taken as 1, as TFLM does
  int32_t output_shift = 11;
  while (input >= (static_cast<int32_t>(1) << 29)) {
    input /= 4;
    ++output_shift;
  }
  const int32_t left_shift_bit_pairs = (count_leading_zeros(static_cast<uint32_t>(input)) - 1) / 2 - 1;
  output_shift -= left_shift_bit_pairs;
  input = static_cast<int32_t>(static_cast<uint32_t>(input) << (2 * left_shift_bit_pairs));
  const int32_t half_input = rounding_divide_by_pot(input >> 1, 1);  // Q3.28
  const int32_t half_three = (static_cast<int32_t>(1) << 28) + (static_cast<int32_t>(1) << 27);
  int32_t x = static_cast<int32_t>(1) << 28;  // 1 in Q3.28
  for (int i = 0; i < 5; ++i) {
    // x*x*x is Q9; back to Q3. The difference of two Q6 products, back to Q3.
    const int32_t x3 = saturating_shift_left(
        saturating_rounding_doubling_high_mul(saturating_rounding_doubling_high_mul(x, x), x), 6);
    x = saturating_shift_left(saturating_rounding_doubling_high_mul(half_three, x) -
                                  saturating_rounding_doubling_high_mul(half_input, x3),
                              3);
  }
  InvSqrt r = {saturating_rounding_doubling_high_mul(x, 1518500250), 0};  // * sqrt(2)/2
  if (output_shift < 0) {
    r.multiplier = static_cast<int32_t>(static_cast<uint32_t>(r.multiplier) << -output_shift);
    output_shift = 0;
  }
  r.shift = -output_shift;
  return r;
}

}  // namespace detail

inline void l2_normalization_s8(const L2NormalizationS8Params& params, const int8_t* in, int8_t* out) {
  const auto p = flash_load(params);
  for (int32_t r = 0; r < p.rows; ++r, in += p.depth, out += p.depth) {
    int32_t sum_of_squares = 0;
    for (int32_t c = 0; c < p.depth; ++c) {
      const int32_t v = in[c] - p.input_zero_point;
      sum_of_squares += v * v;
    }
    const detail::InvSqrt inv = detail::inv_sqrt_multiplier(sum_of_squares);
    // Output in Q0.7 (scale 1/128): the rescaling is folded into the shift.
    for (int32_t c = 0; c < p.depth; ++c)
      out[c] = clamp_to_s8(multiply_by_quantized_multiplier(in[c] - p.input_zero_point, inv.multiplier, inv.shift + 7),
                           -128, 127);
  }
}

// Float: x / max(sqrt(sum of squares), 1e-6), squares summed in index order.
inline void l2_normalization_f32(const L2NormalizationF32Params& params, const float* in, float* out) {
  const auto p = flash_load(params);
  for (int32_t r = 0; r < p.rows; ++r, in += p.depth, out += p.depth) {
    float squared_l2_norm = 0.f;
    for (int32_t c = 0; c < p.depth; ++c) squared_l2_norm += in[c] * in[c];
    float l2_norm = sqrtf(squared_l2_norm);
    l2_norm = l2_norm < 1e-6f ? 1e-6f : l2_norm;
    for (int32_t c = 0; c < p.depth; ++c) out[c] = in[c] / l2_norm;
  }
}

}  // namespace mf

#endif  // MICROFLOW_L2_NORMALIZATION_H_
