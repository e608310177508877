#include "ops/lut.h"

#include <algorithm>
#include <cmath>

namespace microflow {

std::vector<int64_t> int16_lut(float (*func)(float), float input_min, float input_max, float output_min,
                               float output_max) {
  constexpr int kSteps = kInt16LutSize - 1;
  const float step = (input_max - input_min) / kSteps;
  const float half_step = step / 2;
  const float output_scaling_inv = 65536.f / (output_max - output_min);
  // TfLiteRound on float: std::round, half away from zero.
  auto to_table = [](float v) { return static_cast<int64_t>(std::min(std::max(v, -32768.f), 32767.f)); };
  std::vector<int64_t> lut(kInt16LutSize);
  for (int i = 0; i < kSteps; ++i) {
    const float val = func(input_min + static_cast<float>(i) * step);
    const float val_midpoint = func(input_min + static_cast<float>(i) * step + half_step);
    const float val_next = func(input_min + static_cast<float>(i + 1) * step);
    const float sample_val = std::round(val * output_scaling_inv);
    const float midpoint_interp_val = std::round((val_next * output_scaling_inv + std::round(val * output_scaling_inv)) / 2);
    const float midpoint_val = std::round(val_midpoint * output_scaling_inv);
    const float midpoint_err = midpoint_interp_val - midpoint_val;
    const float bias = std::round(midpoint_err / 2);
    lut[static_cast<size_t>(i)] = to_table(sample_val - bias);
  }
  lut[kSteps] = to_table(std::round(func(input_max) * output_scaling_inv));
  return lut;
}

}  // namespace microflow
