#include "post_training_quantization.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace microflow::sine {
namespace {

constexpr int kInt8Min = -128;
constexpr int kInt8Max = 127;
// Weights use the narrow range [-127, 127] so that -w is always representable.
constexpr int kSymmetricInt8Max = 127;

struct Range {
  double min = std::numeric_limits<double>::infinity();
  double max = -std::numeric_limits<double>::infinity();
  void observe(double v) {
    min = std::min(min, v);
    max = std::max(max, v);
  }
};

}  // namespace

QuantParams asymmetric_int8_params(double min, double max) {
  min = std::min(min, 0.0);
  max = std::max(max, 0.0);
  if (!(max > min))
    throw std::runtime_error("cannot quantize an activation whose calibrated range is empty");
  const double scale = (max - min) / (kInt8Max - kInt8Min);
  const double zero_point = std::round(kInt8Min - min / scale);
  return {static_cast<float>(scale),
          static_cast<int32_t>(std::clamp(zero_point, double{kInt8Min}, double{kInt8Max}))};
}

QuantParams symmetric_int8_params(const std::vector<float>& weights) {
  float max_abs = 0.f;
  for (float w : weights) max_abs = std::max(max_abs, std::fabs(w));
  if (max_abs == 0.f) throw std::runtime_error("cannot quantize an all-zero weight tensor");
  return {max_abs / kSymmetricInt8Max, 0};
}

QuantizedMlp quantize_mlp(const FloatMlp& mlp, const std::vector<float>& calibration_inputs) {
  if (calibration_inputs.empty()) throw std::invalid_argument("no calibration inputs");

  Range input_range;
  std::vector<Range> output_ranges(mlp.layers.size());
  for (float x : calibration_inputs) {
    input_range.observe(x);
    const auto activations = mlp.activations(x);
    for (size_t l = 0; l < activations.size(); ++l)
      for (float v : activations[l]) output_ranges[l].observe(v);
  }

  QuantizedMlp q;
  q.input_params = asymmetric_int8_params(input_range.min, input_range.max);
  QuantParams in_params = q.input_params;
  for (size_t l = 0; l < mlp.layers.size(); ++l) {
    const DenseLayer& layer = mlp.layers[l];
    QuantizedDense dense;
    dense.inputs = layer.inputs;
    dense.outputs = layer.outputs;
    dense.relu = layer.relu;

    dense.weight_params = symmetric_int8_params(layer.weights);
    for (float w : layer.weights) {
      const double qw = std::round(double{w} / dense.weight_params.scale);
      dense.weights.push_back(
          static_cast<int8_t>(std::clamp(qw, double{-kSymmetricInt8Max}, double{kSymmetricInt8Max})));
    }

    // The converter multiplies the two float32 scales in float32.
    dense.bias_params = {in_params.scale * dense.weight_params.scale, 0};
    for (float b : layer.bias) {
      const double qb = std::round(double{b} / dense.bias_params.scale);
      dense.bias.push_back(static_cast<int32_t>(
          std::clamp(qb, double{std::numeric_limits<int32_t>::min()},
                     double{std::numeric_limits<int32_t>::max()})));
    }

    dense.output_params = asymmetric_int8_params(output_ranges[l].min, output_ranges[l].max);
    in_params = dense.output_params;
    q.layers.push_back(std::move(dense));
  }
  return q;
}

}  // namespace microflow::sine
