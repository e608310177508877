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
// A multiplier that is negative, NaN or infinite gives shift kInvalidShift;
// lower_graph rejects every shift above kMaxShift.
QuantizedMultiplier quantize_multiplier(double real_multiplier);
inline constexpr int kMaxShift = 31;
inline constexpr int kInvalidShift = 1000;

// The 15-bit multiplier TFLM's int64 MultiplyByQuantizedMultiplier rounds `multiplier` to
// (runtime multiply_by_reduced_multiplier_s64, fixed_point.h).
int32_t reduce_multiplier_to_q15(int32_t multiplier);

// CalculateActivationRangeQuantized for an output of the integer type [qmin, qmax].
std::pair<int32_t, int32_t> activation_range_quantized(Activation act, float output_scale, int32_t output_zero_point,
                                                       int32_t qmin, int32_t qmax);
// CalculateActivationRange for float outputs (NONE clamps to +-FLT_MAX).
std::pair<float, float> activation_range_f32(Activation act);

struct PaddedSize {
  int64_t output = 0;      // output extent the padding formula implies
  int64_t pad_before = 0;  // TFLM padding_values: the odd extra pixel goes after
};
// Callers bound filter, stride and dilation (kMaxWindowParameter) so nothing overflows.
PaddedSize compute_padding(Padding padding, int64_t input, int64_t filter, int64_t stride, int64_t dilation);
inline constexpr int64_t kMaxWindowParameter = 1 << 16;

}  // namespace microflow
