// FULLY_CONNECTED (TFLM reference, docs §7). Input read flat as [batches][input_depth].
#ifndef MICROFLOW_FULLY_CONNECTED_H_
#define MICROFLOW_FULLY_CONNECTED_H_

#include <stdint.h>

#include "flash.h"
#include "kernel_util.h"

namespace mf {

struct FullyConnectedS8Params {
  int32_t batches;             // rows of the flattened input
  int32_t input_depth;         // K
  int32_t output_depth;        // N
  int32_t weights_zero_point;  // Z_w; 0 for symmetric weights (then no runtime sum of x)
  int32_t output_zero_point;
  int32_t multiplier;  // per-tensor requantization (used when channel_multiplier == nullptr)
  int32_t shift;
  const int32_t* channel_multiplier;  // per-output-channel, in flash; nullptr => per-tensor
  const int32_t* channel_shift;       // in flash
  int32_t act_min, act_max;           // within [-128, 127]
};

// folded_bias[o] = bias[o] - Z_in * sum_d w[o][d] + K * Z_in * Z_w (compiler-computed), so
// acc = folded_bias[o] + sum_d w[o][d] * x[b][d] - Z_w * sum_d x[b][d]
//     == TFLM's bias[o] + sum_d (w[o][d] - Z_w) * (x[b][d] - Z_in).
// weights: flash [N][K]; folded_bias: flash [N].
inline void fully_connected_s8(const FullyConnectedS8Params& params, const int8_t* input,
                               const int8_t* weights, const int32_t* folded_bias, int8_t* output) {
  const auto p = flash_load(params);
  const bool per_channel = p.channel_multiplier != nullptr;
  for (int32_t b = 0; b < p.batches; ++b, input += p.input_depth) {
    int32_t input_term = 0;
    if (p.weights_zero_point != 0) {
      for (int32_t d = 0; d < p.input_depth; ++d) input_term += input[d];
      input_term *= p.weights_zero_point;
    }
    const int8_t* w = weights;
    for (int32_t o = 0; o < p.output_depth; ++o, w += p.input_depth) {
      const int32_t acc =
          flash_read(folded_bias + o) + dot_s8(w, input, p.input_depth) - input_term;
      const int32_t multiplier = per_channel ? flash_read(p.channel_multiplier + o) : p.multiplier;
      const int32_t shift = per_channel ? flash_read(p.channel_shift + o) : p.shift;
      *output++ =
          requantize_to_s8(acc, multiplier, shift, p.output_zero_point, p.act_min, p.act_max);
    }
  }
}

struct FullyConnectedF32Params {
  int32_t batches, input_depth, output_depth;
  float act_min, act_max;
};

// weights: flash [N][K]; bias: flash [N] or nullptr.
inline void fully_connected_f32(const FullyConnectedF32Params& params, const float* input,
                                const float* weights, const float* bias, float* output) {
  const auto p = flash_load(params);
  for (int32_t b = 0; b < p.batches; ++b, input += p.input_depth) {
    const float* w = weights;
    for (int32_t o = 0; o < p.output_depth; ++o, w += p.input_depth) {
      const float total = dot_f32(0.f, w, input, p.input_depth);
      // TFLM always adds a bias value (0.f without bias): -0.f + 0.f becomes +0.f.
      const float bias_value = bias != nullptr ? flash_read(bias + o) : 0.f;
      *output++ = clamp_f32(total + bias_value, p.act_min, p.act_max);
    }
  }
}

}  // namespace mf

#endif  // MICROFLOW_FULLY_CONNECTED_H_
