// DEPTHWISE_CONV_2D feeding FULLY_CONNECTED, fused: each depthwise output is
// requantized to int8 exactly as the separate kernel would, then immediately
// multiplied into the fully-connected sums, so the intermediate tensor is
// never stored. Integer accumulation is exact in any order, so the result is
// bit-identical to running the two layers one after the other.
#ifndef MICROFLOW_DEPTHWISE_CONV_2D_FULLY_CONNECTED_H_
#define MICROFLOW_DEPTHWISE_CONV_2D_FULLY_CONNECTED_H_

#include <stdint.h>

#include "depthwise_conv_2d.h"
#include "flash.h"
#include "fully_connected.h"
#include "kernel_util.h"

namespace mf {

// Both layers' parameters as the compiler lowers them separately; the
// fully-connected layer has one batch and input_depth = the depthwise output size.
struct DepthwiseConv2DFullyConnectedS8Params {
  DepthwiseConv2DS8Params depthwise;
  FullyConnectedS8Params fully_connected;
};

namespace detail {

// Multiplies each depthwise output into the fully-connected sums as it is produced.
struct FullyConnectedSink {
  const int8_t* weights;  // flash [units][depth]
  int32_t depth, units;
  int32_t* accumulators;
  int32_t input_sum;  // of the intermediate values, for a nonzero weight zero point
  void operator()(int32_t index, int8_t value) {
    input_sum += value;
    const int8_t* w = weights + index;
    for (int32_t o = 0; o < units; ++o, w += depth) accumulators[o] += mul_s8(flash_read(w), value);
  }
#if defined(__AVX2__)
  void put8(int32_t index, const int8_t* values) {  // depthwise_avx2_s8
    fc_sink_put8(weights, depth, units, accumulators, input_sum, index, values);
  }
#endif
};

}  // namespace detail

// accumulators: RAM scratch of fully_connected.output_depth int32 (in the arena). The
// depthwise outputs come in any order (four channels at a time); the sums do not mind.
inline void depthwise_conv_2d_fully_connected_s8(const DepthwiseConv2DFullyConnectedS8Params& params,
                                                 const int8_t* input, const int8_t* dw_filter,
                                                 const int32_t* dw_folded_bias, const int8_t* fc_weights,
                                                 const int32_t* fc_folded_bias, int32_t* accumulators,
                                                 int8_t* output) {
  const DepthwiseConv2DS8Params dw = flash_load(params.depthwise);
  const FullyConnectedS8Params fc = flash_load(params.fully_connected);
  for (int32_t o = 0; o < fc.output_depth; ++o) accumulators[o] = flash_read(fc_folded_bias + o);
  const detail::FullyConnectedSink sink =
      detail::depthwise_image_s8(dw, input, dw_filter, dw_folded_bias,
                                 detail::FullyConnectedSink{fc_weights, fc.input_depth, fc.output_depth, accumulators, 0});
  const bool per_channel = fc.channel_multiplier != nullptr;
  for (int32_t o = 0; o < fc.output_depth; ++o) {
    const int32_t multiplier = per_channel ? flash_read(fc.channel_multiplier + o) : fc.multiplier;
    const int32_t shift = per_channel ? flash_read(fc.channel_shift + o) : fc.shift;
    output[o] = requantize_to_s8(accumulators[o] - fc.weights_zero_point * sink.input_sum, multiplier, shift,
                                 fc.output_zero_point, fc.act_min, fc.act_max);
  }
}

}  // namespace mf

#endif  // MICROFLOW_DEPTHWISE_CONV_2D_FULLY_CONNECTED_H_
