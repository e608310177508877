// QUANTIZE (float -> int8 / int16, integer -> integer) and DEQUANTIZE (TFLM reference, docs §11).
#ifndef MICROFLOW_QUANTIZE_H_
#define MICROFLOW_QUANTIZE_H_

#include <stdint.h>

#include "microflow/fixed_point.h"
#include "microflow/exec/flash.h"
#include "microflow/kernel_util.h"

namespace mf {

struct QuantizeF32ToS8Params {
  int32_t size;
  float scale;
  int32_t zero_point;
};

struct DequantizeS8ToF32Params {
  int32_t size;
  float scale;
  int32_t zero_point;
};

struct RequantizeS8Params {
  int32_t size, input_zero_point, output_zero_point, multiplier, shift;
};

// The int16 forms and the integer requantizations between int8, int16 and int32 take the
// same parameters as the int8 ones.
typedef QuantizeF32ToS8Params QuantizeF32ToS16Params;
typedef DequantizeS8ToF32Params DequantizeS16ToF32Params;
typedef RequantizeS8Params RequantizeParams;

// (int32_t)roundf(x): nearest integer, ties away from zero, without <math.h>.
// x - trunc(x) is exact in float, so the tie test sees the true fraction (adding 0.5f
// first would round 0.49999997f up). Out-of-range and NaN give INT32_MIN, as the x86
// conversion behind TFLM's host goldens does.
inline int32_t round_half_away_to_int32(float x) {
  if (!(x >= -2147483648.f && x < 2147483648.f)) return kInt32Min;
  const int32_t truncated = static_cast<int32_t>(x);
  const float fraction = x - static_cast<float>(truncated);
  if (fraction >= 0.5f) return truncated + 1;
  if (fraction <= -0.5f) return truncated - 1;
  return truncated;
}

namespace detail {

// q = clamp(round(x / scale) + zero_point): a float division, not a reciprocal multiply.
template <typename T>
inline void quantize_f32(const QuantizeF32ToS8Params& params, const float* in, T* out) {
  const auto p = flash_load(params);
  for (int32_t i = 0; i < p.size; ++i) {
    // TFLM's int32 addition wraps for out-of-range inputs; unsigned arithmetic matches it.
    const int32_t q =
        static_cast<int32_t>(static_cast<uint32_t>(round_half_away_to_int32(in[i] / p.scale)) +
                             static_cast<uint32_t>(p.zero_point));
    out[i] = saturate_to<T>(q);
  }
}

// y = scale * (q - zero_point): TFLM's double product is exact for int8 and int16 q, so one
// float multiply rounds identically.
template <typename T>
inline void dequantize_to_f32(const DequantizeS8ToF32Params& params, const T* in, float* out) {
  const auto p = flash_load(params);
  for (int32_t i = 0; i < p.size; ++i) {
    out[i] = p.scale * static_cast<float>(static_cast<int32_t>(in[i]) - p.zero_point);
  }
}

}  // namespace detail

inline void quantize_f32_to_s8(const QuantizeF32ToS8Params& params, const float* in, int8_t* out) {
  detail::quantize_f32(params, in, out);
}

inline void quantize_f32_to_s16(const QuantizeF32ToS16Params& params, const float* in, int16_t* out) {
  detail::quantize_f32(params, in, out);
}

inline void dequantize_s8_to_f32(const DequantizeS8ToF32Params& params, const int8_t* in, float* out) {
  detail::dequantize_to_f32(params, in, out);
}

inline void dequantize_s16_to_f32(const DequantizeS16ToF32Params& params, const int16_t* in, float* out) {
  detail::dequantize_to_f32(params, in, out);
}

inline void requantize_s8(const RequantizeS8Params& params, const int8_t* in, int8_t* out) {
  const auto p = flash_load(params);
  for (int32_t i = 0; i < p.size; ++i) {
    out[i] = requantize_to_s8(in[i] - p.input_zero_point, p.multiplier, p.shift,
                              p.output_zero_point, -128, 127);
  }
}

// TFLM's Requantize between integer types (In, Out among int8, int16, int32):
// q = clamp(MultiplyByQuantizedMultiplier(x - Z_in) + Z_out) to Out's range, in int32
// arithmetic that wraps where TFLM's would overflow (int32 inputs).
template <typename In, typename Out>
inline void requantize(const RequantizeParams& params, const In* in, Out* out) {
  const auto p = flash_load(params);
  for (int32_t i = 0; i < p.size; ++i) {
    const int32_t x = static_cast<int32_t>(static_cast<uint32_t>(static_cast<int32_t>(in[i])) -
                                           static_cast<uint32_t>(p.input_zero_point));
    const int32_t q = static_cast<int32_t>(static_cast<uint32_t>(multiply_by_quantized_multiplier(x, p.multiplier, p.shift)) +
                                           static_cast<uint32_t>(p.output_zero_point));
    out[i] = saturate_to<Out>(q);
  }
}

}  // namespace mf

#endif  // MICROFLOW_QUANTIZE_H_
