#include "tflite_int8_reference.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace microflow::sine {
namespace {

int32_t saturating_rounding_doubling_high_mul(int32_t a, int32_t b) {
  constexpr int32_t kMin = std::numeric_limits<int32_t>::min();
  if (a == kMin && b == kMin) return std::numeric_limits<int32_t>::max();
  const int64_t product = int64_t{a} * int64_t{b};
  const int64_t nudge = product >= 0 ? (int64_t{1} << 30) : (1 - (int64_t{1} << 30));
  return static_cast<int32_t>((product + nudge) / (int64_t{1} << 31));
}

// Round to nearest, ties away from zero.
int32_t rounding_divide_by_pot(int32_t x, int exponent) {
  const int32_t mask = static_cast<int32_t>((int64_t{1} << exponent) - 1);
  const int32_t remainder = x & mask;
  const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

}  // namespace

QuantizedMultiplier quantize_multiplier(double real_multiplier) {
  if (real_multiplier == 0.0) return {};
  int shift = 0;
  const double fraction = std::frexp(real_multiplier, &shift);
  auto q = static_cast<int64_t>(std::round(fraction * static_cast<double>(int64_t{1} << 31)));
  if (q == (int64_t{1} << 31)) {
    q /= 2;
    ++shift;
  }
  if (shift < -31) return {};
  return {static_cast<int32_t>(q), shift};
}

int32_t multiply_by_quantized_multiplier(int32_t x, QuantizedMultiplier m) {
  const int left_shift = std::max(m.shift, 0);
  const int right_shift = std::max(-m.shift, 0);
  // TFLM shifts in int32 without a saturation check; wrap like it does in
  // practice instead of invoking undefined behaviour.
  const auto shifted = static_cast<int32_t>(static_cast<uint32_t>(x) << left_shift);
  return rounding_divide_by_pot(saturating_rounding_doubling_high_mul(shifted, m.multiplier),
                                right_shift);
}

int8_t quantize_to_int8(float x, QuantParams params) {
  const int32_t q = static_cast<int32_t>(std::round(x / params.scale)) + params.zero_point;
  return static_cast<int8_t>(std::clamp(q, -128, 127));
}

float dequantize_int8(int8_t q, QuantParams params) {
  return static_cast<float>(static_cast<double>(params.scale) * (q - params.zero_point));
}

std::vector<int8_t> fully_connected_int8(const QuantizedDense& layer, QuantParams input_params,
                                         const std::vector<int8_t>& input) {
  // Per-tensor FC: the scale product is float32, only then widened.
  const float input_times_weight_scale = input_params.scale * layer.weight_params.scale;
  const QuantizedMultiplier multiplier = quantize_multiplier(
      static_cast<double>(input_times_weight_scale) / static_cast<double>(layer.output_params.scale));
  const QuantParams out = layer.output_params;
  const int32_t relu_floor = out.zero_point + static_cast<int32_t>(std::round(0.0f / out.scale));
  const int32_t act_min = layer.relu ? std::max(-128, relu_floor) : -128;
  const int32_t act_max = 127;

  std::vector<int8_t> output(static_cast<size_t>(layer.outputs));
  for (int o = 0; o < layer.outputs; ++o) {
    int32_t acc = 0;
    for (int i = 0; i < layer.inputs; ++i)
      acc += (layer.weights[o * layer.inputs + i] - layer.weight_params.zero_point) *
             (input[i] - input_params.zero_point);
    acc += layer.bias[o];
    acc = multiply_by_quantized_multiplier(acc, multiplier) + out.zero_point;
    output[o] = static_cast<int8_t>(std::clamp(acc, act_min, act_max));
  }
  return output;
}

int8_t run_int8(const QuantizedMlp& mlp, int8_t input) {
  std::vector<int8_t> values{input};
  QuantParams params = mlp.input_params;
  for (const auto& layer : mlp.layers) {
    values = fully_connected_int8(layer, params, values);
    params = layer.output_params;
  }
  return values[0];
}

}  // namespace microflow::sine
