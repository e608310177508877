#pragma once
// Runs a QuantizedMlp with the integer arithmetic of the TFLM reference
// kernels (QUANTIZE float->int8, per-tensor int8 FULLY_CONNECTED), so the
// reported int8 accuracy is the accuracy a bit-exact engine will deliver.
// See docs/tflm-arithmetic.md §1-§3, §7, §11.
#include <cstdint>
#include <vector>

#include "post_training_quantization.h"

namespace microflow::sine {

struct QuantizedMultiplier {
  int32_t multiplier = 0;  // Q31
  int shift = 0;           // positive = left
};

QuantizedMultiplier quantize_multiplier(double real_multiplier);
// Double rounding: SaturatingRoundingDoublingHighMul, then RoundingDivideByPOT.
int32_t multiply_by_quantized_multiplier(int32_t x, QuantizedMultiplier m);

int8_t quantize_to_int8(float x, QuantParams params);
float dequantize_int8(int8_t q, QuantParams params);

// One per-tensor int8 FULLY_CONNECTED with batch 1.
std::vector<int8_t> fully_connected_int8(const QuantizedDense& layer, QuantParams input_params,
                                         const std::vector<int8_t>& input);

int8_t run_int8(const QuantizedMlp& mlp, int8_t input);

}  // namespace microflow::sine
