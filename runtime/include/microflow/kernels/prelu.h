// PRELU (TFLM reference_ops::BroadcastPrelu4DSlow): x where x >= 0, alpha * x elsewhere, the
// input and alpha broadcast against each other over up to 4 dims (add.h's loop). Quantized:
// x - Z_in >= 0 is requantized by S_in / S_out, else (x - Z_in)(alpha - Z_alpha) by
// S_in S_alpha / S_out. alpha comes second, from flash when it is a constant (*_const): the
// compiler passes int16 PRELU's int8 alpha widened to int16.
// Element-wise in place is allowed: out may alias the input when their shapes match.
#ifndef MICROFLOW_PRELU_H_
#define MICROFLOW_PRELU_H_

#include <stdint.h>

#include "microflow/fixed_point.h"
#include "microflow/kernels/add.h"
#include "microflow/kernels/add_const.h"
#include "microflow/kernels/unary_quantized.h"

namespace mf {

struct PreluParams {
  int32_t dims[4];                               // output shape, padded on the left with 1s
  int32_t input1_strides[4], input2_strides[4];  // input, alpha; 0 on a broadcast dim
  int32_t input_offset, alpha_offset, output_offset;  // -Z_in, -Z_alpha, Z_out
  int32_t identity_multiplier, identity_shift, alpha_multiplier, alpha_shift;
};

struct PreluF32Params {
  int32_t dims[4], input1_strides[4], input2_strides[4];
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

inline float prelu_f32_element(float x, float alpha) { return x >= 0.0f ? x : x * alpha; }

template <typename T, typename Load>
inline void prelu_quantized(const PreluParams& params, const T* in, const T* alpha, T* out, Load load) {
  const PreluParams p = flash_load(params);
  broadcast_binary(p, in, alpha, out, [&p](T x, T a) { return prelu_element(p, x, a); }, load);
}

}  // namespace detail

inline void prelu_s8(const PreluParams& p, const int8_t* in, const int8_t* alpha, int8_t* out) {
  detail::prelu_quantized(p, in, alpha, out, detail::LoadRam());
}
inline void prelu_const_s8(const PreluParams& p, const int8_t* in, const int8_t* alpha, int8_t* out) {
  detail::prelu_quantized(p, in, alpha, out, detail::LoadFlash());
}
inline void prelu_const_s16(const PreluParams& p, const int16_t* in, const int16_t* alpha, int16_t* out) {
  detail::prelu_quantized(p, in, alpha, out, detail::LoadFlash());
}
inline void prelu_f32(const PreluF32Params& params, const float* in, const float* alpha, float* out) {
  const PreluF32Params p = flash_load(params);
  detail::broadcast_binary(p, in, alpha, out, detail::prelu_f32_element);
}
inline void prelu_const_f32(const PreluF32Params& params, const float* in, const float* alpha, float* out) {
  const PreluF32Params p = flash_load(params);
  detail::broadcast_binary(p, in, alpha, out, detail::prelu_f32_element, detail::LoadFlash());
}

}  // namespace mf

#endif  // MICROFLOW_PRELU_H_
