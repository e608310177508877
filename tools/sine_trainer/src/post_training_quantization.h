#pragma once
// Full-integer post-training quantization of a FloatMlp, reproducing what the
// TensorFlow Lite converter does for an int8 model with a representative
// dataset: asymmetric int8 activations from calibrated ranges, symmetric
// per-tensor int8 weights, int32 biases.
#include <cstdint>
#include <vector>

#include "float_mlp.h"

namespace microflow::sine {

struct QuantParams {
  float scale = 0;  // float32, as stored in the .tflite
  int32_t zero_point = 0;
};

struct QuantizedDense {
  int inputs = 0;
  int outputs = 0;
  std::vector<int8_t> weights;  // [outputs][inputs]
  QuantParams weight_params;    // zero point 0
  std::vector<int32_t> bias;    // [outputs]
  QuantParams bias_params;      // scale = S_in·S_w, zero point 0
  QuantParams output_params;
  bool relu = false;
};

struct QuantizedMlp {
  QuantParams input_params;
  std::vector<QuantizedDense> layers;
};

// Activation parameters for a calibrated range [min, max]. The range is first
// widened to contain 0 so that real 0 (ReLU's floor, padding) is exact.
QuantParams asymmetric_int8_params(double min, double max);

// Weight parameters: scale = max|w|/127, zero point 0.
QuantParams symmetric_int8_params(const std::vector<float>& weights);

// Calibrates every activation over calibration_inputs (min/max of the
// observed values) and quantizes weights and biases.
QuantizedMlp quantize_mlp(const FloatMlp& mlp, const std::vector<float>& calibration_inputs);

}  // namespace microflow::sine
