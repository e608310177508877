// TFLM's int16 lookup tables, built at compile time exactly as TFLM's Prepare builds them
// (gen_lut in tensorflow/lite/kernels/internal/common.h); the runtime interpolates them
// with mf::lut_lookup_s16 (runtime microflow/lut.h).
#pragma once

#include <cstdint>
#include <vector>

namespace microflow {

inline constexpr int kInt16LutSize = 513;

// func sampled on [input_min, input_max] in 512 steps, quantized to int16 over
// [output_min, output_max], each entry biased by half the interpolation error at the step's
// midpoint; entry 512 is func(input_max). float32 arithmetic as TFLM's gen_lut<float>.
std::vector<int64_t> int16_lut(float (*func)(float), float input_min, float input_max, float output_min,
                               float output_max);

}  // namespace microflow
