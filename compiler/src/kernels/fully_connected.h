// FULLY_CONNECTED kernels (runtime kernels/fully_connected.h) and the fused
// DEPTHWISE_CONV_2D + FULLY_CONNECTED call (kernels/depthwise_conv_2d_fully_connected.h).
#pragma once

#include "kernels/conv.h"
#include "kernels/kernel.h"

namespace microflow {

struct FullyConnectedS8Params : ParamsBase {
  int64_t batches = 0, input_depth = 0, output_depth = 0;
  int64_t weights_zero_point = 0, output_zero_point = 0;
  int64_t multiplier = 0, shift = 0;        // per tensor (channel_multiplier null)
  ArrayRef channel_multiplier, channel_shift;  // per channel
  int64_t act_min = 0, act_max = 0;
  int64_t output_stride = 0;
  ArrayRef output_table;  // a folded activation's table (passes/activation_fold.cpp)
  bool per_channel() const { return !channel_multiplier.null(); }
  MF_PARAMS(FullyConnectedS8Params, batches, input_depth, output_depth, weights_zero_point, output_zero_point,
            multiplier, shift, channel_multiplier, channel_shift, act_min, act_max, output_stride, output_table)
};

// int16 input and output, int8 weights (TFLM's 16x8 FullyConnected: per tensor, int64 sums).
struct FullyConnectedS16Params : ParamsBase {
  int64_t batches = 0, input_depth = 0, output_depth = 0;
  int64_t weights_zero_point = 0;
  int64_t multiplier = 0, shift = 0;  // reduce_multiplier_to_q15's multiplier, QuantizeMultiplier's shift
  int64_t act_min = 0, act_max = 0;
  MF_PARAMS(FullyConnectedS16Params, batches, input_depth, output_depth, weights_zero_point, multiplier, shift,
            act_min, act_max)
};

struct FullyConnectedF32Params : ParamsBase {
  int64_t batches = 0, input_depth = 0, output_depth = 0;
  float act_min = 0, act_max = 0;
  MF_PARAMS(FullyConnectedF32Params, batches, input_depth, output_depth, act_min, act_max)
};

// The depthwise layer's output is folded into the FC sums as it appears.
struct DepthwiseConv2DFullyConnectedS8Params : WindowedParams {
  DepthwiseConv2DS8Params depthwise;
  FullyConnectedS8Params fully_connected;
  RowWindow window() const override { return depthwise.window(); }
  MF_PARAMS(DepthwiseConv2DFullyConnectedS8Params, depthwise, fully_connected)
};

int fully_connected_channel_group_unit(const Params& p);

extern const KernelDef kDepthwiseConv2DFullyConnectedInputRowsS8;

inline const KernelDef kFullyConnectedS8{.function = "fully_connected_s8",
                                         .header = "microflow/kernels/fully_connected.h",
                                         .band_sink = "kBandFullyConnectedSink",
                                         .channel_split = &kSplitByOutputDepth<FullyConnectedS8Params, fully_connected_channel_group_unit>,
                                         .set_output_stride = set_output_stride_of<FullyConnectedS8Params>,
                                         .sample_params = sample_of<FullyConnectedS8Params>};
inline const KernelDef kFullyConnectedS16{.function = "fully_connected_s16",
                                          .header = "microflow/kernels/fully_connected.h",
                                          .sample_params = sample_of<FullyConnectedS16Params>};
inline const KernelDef kFullyConnectedF32{.function = "fully_connected_f32",
                                          .header = "microflow/kernels/fully_connected.h",
                                          .sample_params = sample_of<FullyConnectedF32Params>};
inline const KernelDef kDepthwiseConv2DFullyConnectedS8{
    .function = "depthwise_conv_2d_fully_connected_s8",
    .header = "microflow/kernels/depthwise_conv_2d_fully_connected.h",
    .row_form = &kDepthwiseConv2DFullyConnectedInputRowsS8,
    .sample_params = sample_of<DepthwiseConv2DFullyConnectedS8Params>};

}  // namespace microflow
