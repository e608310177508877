#include "ops/quantization.h"

#include <algorithm>
#include <cfloat>
#include <cmath>

namespace microflow {

QuantizedMultiplier quantize_multiplier(double real_multiplier) {
  if (real_multiplier == 0.0) return {};
  // Not representable (negative, NaN, infinite): report an out-of-range shift,
  // which lower_graph rejects, instead of converting a non-finite value.
  if (!(real_multiplier > 0.0) || !std::isfinite(real_multiplier)) return {0, kInvalidShift};
  int exponent = 0;
  const double fraction = std::frexp(real_multiplier, &exponent);
  auto q = static_cast<int64_t>(std::round(fraction * static_cast<double>(int64_t{1} << 31)));
  if (q == (int64_t{1} << 31)) {
    q /= 2;
    ++exponent;
  }
  if (exponent < -31) return {};  // flushed only after the 2^31 carry, as TFLM does
  return {static_cast<int32_t>(q), exponent};
}

int32_t reduce_multiplier_to_q15(int32_t multiplier) {
  return multiplier < 0x7FFF0000 ? (multiplier + (1 << 15)) >> 16 : 0x7FFF;
}

std::pair<int32_t, int32_t> activation_range_quantized(Activation act, float output_scale, int32_t output_zero_point,
                                                       int32_t qmin, int32_t qmax) {
  // Clamped before the conversion so a tiny (but valid) scale cannot overflow
  // int32; the result is clamped to [qmin, qmax] anyway.
  auto quantize = [&](float f) {
    const double q = std::round(static_cast<double>(f / output_scale));
    const double bounded = std::isnan(q) ? 0.0 : std::min(std::max(q, -1e12), 1e12);
    return static_cast<int32_t>(std::min<int64_t>(std::max<int64_t>(output_zero_point + static_cast<int64_t>(bounded), INT32_MIN), INT32_MAX));
  };
  switch (act) {
    case Activation::None: return {qmin, qmax};
    case Activation::Relu: return {std::max(qmin, quantize(0.f)), qmax};
    case Activation::Relu6: return {std::max(qmin, quantize(0.f)), std::min(qmax, quantize(6.f))};
    case Activation::ReluN1To1: return {std::max(qmin, quantize(-1.f)), std::min(qmax, quantize(1.f))};
  }
  return {qmin, qmax};
}

std::pair<float, float> activation_range_f32(Activation act) {
  switch (act) {
    case Activation::None: return {-FLT_MAX, FLT_MAX};
    case Activation::Relu: return {0.f, FLT_MAX};
    case Activation::Relu6: return {0.f, 6.f};
    case Activation::ReluN1To1: return {-1.f, 1.f};
  }
  return {-FLT_MAX, FLT_MAX};
}

PaddedSize compute_padding(Padding padding, int64_t input, int64_t filter, int64_t stride, int64_t dilation) {
  const int64_t effective = (filter - 1) * dilation + 1;
  PaddedSize r;
  r.output = padding == Padding::Same ? (input + stride - 1) / stride : (input + stride - effective) / stride;
  const int64_t total = std::max<int64_t>(0, (r.output - 1) * stride + effective - input);
  r.pad_before = total / 2;
  return r;
}

}  // namespace microflow
