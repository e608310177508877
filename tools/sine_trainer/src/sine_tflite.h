#pragma once
// Serializes a QuantizedMlp as a full-integer .tflite: int8 input [1,1],
// one FULLY_CONNECTED per layer (fused RELU on hidden layers), int8 output.
#include <cstdint>
#include <vector>

#include "post_training_quantization.h"

namespace microflow::sine {

std::vector<uint8_t> write_tflite(const QuantizedMlp& mlp);

}  // namespace microflow::sine
