// TFLM's build-time quantization arithmetic (shared/docs/tflm-arithmetic.md
// §2-§4), computed once by the compiler so the MCU never does it.
#pragma once

#include <cstdint>
#include <utility>

#include "graph/graph.h"

namespace microflow {

struct QuantizedMultiplier {
  int32_t multiplier = 0;
  int shift = 0;  // positive = left
};

// TFLM QuantizeMultiplier (double rounding build): frexp + round half away.
QuantizedMultiplier quantize_multiplier(double real_multiplier);

// CalculateActivationRangeQuantized for int8 outputs.
std::pair<int32_t, int32_t> activation_range_s8(Activation act, float output_scale, int32_t output_zero_point);
// CalculateActivationRange for float outputs (NONE clamps to +-FLT_MAX).
std::pair<float, float> activation_range_f32(Activation act);

struct PaddedSize {
  int output = 0;      // output extent the padding formula implies
  int pad_before = 0;  // TFLM padding_values: the odd extra pixel goes after
};
PaddedSize compute_padding(Padding padding, int input, int filter, int stride, int dilation);

}  // namespace microflow
