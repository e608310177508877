#pragma once
// The float model: a stack of dense (fully connected) layers.
#include <vector>

namespace microflow::sine {

struct DenseLayer {
  int inputs = 0;
  int outputs = 0;
  std::vector<float> weights;  // [outputs][inputs], the TFLite FC filter layout
  std::vector<float> bias;     // [outputs]
  bool relu = false;

  // out = act(W·in + b), accumulated as TFLite's float FC kernel does:
  // the dot product from 0.f in input order, then the bias.
  void forward(const float* in, float* out) const;
};

struct FloatMlp {
  std::vector<DenseLayer> layers;

  // Builds layers of the given widths, ReLU on all but the last, all zeros.
  static FloatMlp with_widths(const std::vector<int>& widths);
  // The output of every layer for one scalar input (used for calibration).
  std::vector<std::vector<float>> activations(float x) const;
  float predict(float x) const { return activations(x).back()[0]; }
};

}  // namespace microflow::sine
