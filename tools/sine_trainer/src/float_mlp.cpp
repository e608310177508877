#include "float_mlp.h"

#include <algorithm>

namespace microflow::sine {

void DenseLayer::forward(const float* in, float* out) const {
  for (int o = 0; o < outputs; ++o) {
    float total = 0.f;
    for (int i = 0; i < inputs; ++i) total += in[i] * weights[o * inputs + i];
    total += bias[o];
    out[o] = relu ? std::max(total, 0.f) : total;
  }
}

FloatMlp FloatMlp::with_widths(const std::vector<int>& widths) {
  FloatMlp mlp;
  for (size_t l = 0; l + 1 < widths.size(); ++l) {
    DenseLayer layer;
    layer.inputs = widths[l];
    layer.outputs = widths[l + 1];
    layer.weights.assign(static_cast<size_t>(layer.inputs * layer.outputs), 0.f);
    layer.bias.assign(static_cast<size_t>(layer.outputs), 0.f);
    layer.relu = l + 2 < widths.size();
    mlp.layers.push_back(std::move(layer));
  }
  return mlp;
}

std::vector<std::vector<float>> FloatMlp::activations(float x) const {
  std::vector<std::vector<float>> values;
  const float* in = &x;
  for (const auto& layer : layers) {
    values.emplace_back(static_cast<size_t>(layer.outputs));
    layer.forward(in, values.back().data());
    in = values.back().data();
  }
  return values;
}

}  // namespace microflow::sine
