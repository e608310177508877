// PRELU (TFLM reference_ops::BroadcastPrelu4DSlow): x where x >= 0, alpha * x elsewhere, the
// input and alpha broadcast against each other (binary.h's loop; either may come from flash).
// Quantized: x - Z_in >= 0 is requantized by S_in / S_out, else (x - Z_in)(alpha - Z_alpha)
// by S_in S_alpha / S_out. The compiler passes int16 PRELU's int8 alpha widened to int16.
// Element-wise in place is allowed: out may alias the input when their shapes match.
#ifndef MICROFLOW_PRELU_H_
#define MICROFLOW_PRELU_H_

#include <stdint.h>

#include "microflow/fixed_point.h"
#include "microflow/kernels/binary.h"
#include "microflow/kernels/unary_quantized.h"

namespace mf {

struct PreluParams {
  int32_t dims[kBinaryMaxRank];  // output shape, padded on the left with 1s
  int32_t input1_strides[kBinaryMaxRank], input2_strides[kBinaryMaxRank];  // input, alpha; 0 on a broadcast dim
  int32_t input1_in_flash, input2_in_flash;
  int32_t input_offset, alpha_offset, output_offset;  // -Z_in, -Z_alpha, Z_out
  int32_t identity_multiplier, identity_shift, alpha_multiplier, alpha_shift;
};

namespace detail {

template <typename T>
inline T prelu_element(const PreluParams& p, T x, T alpha) {
  const int32_t v = p.input_offset + x;
  const int32_t scaled =
      v >= 0 ? multiply_by_quantized_multiplier(v, p.identity_multiplier, p.identity_shift)
             : multiply_by_quantized_multiplier(v * (p.alpha_offset + alpha), p.alpha_multiplier, p.alpha_shift);
  return saturate<T>(scaled + p.output_offset);
}

template <typename T>
inline void prelu_quantized(const PreluParams& params, const T* in, const T* alpha, T* out) {
  const PreluParams p = flash_load(params);
  broadcast_binary(p, in, alpha, out, [&p](T x, T a) { return prelu_element(p, x, a); });
}

}  // namespace detail

inline void prelu_s8(const PreluParams& p, const int8_t* in, const int8_t* alpha, int8_t* out) {
  detail::prelu_quantized(p, in, alpha, out);
}
inline void prelu_s16(const PreluParams& p, const int16_t* in, const int16_t* alpha, int16_t* out) {
  detail::prelu_quantized(p, in, alpha, out);
}
inline void prelu_f32(const BinaryParams& params, const float* in, const float* alpha, float* out) {
  const BinaryParams p = flash_load(params);
  detail::broadcast_binary(p, in, alpha, out, [](float x, float a) { return x >= 0.0f ? x : x * a; });
}

}  // namespace mf

#endif  // MICROFLOW_PRELU_H_
