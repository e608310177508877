// CONV_2D and DEPTHWISE_CONV_2D kernels (runtime kernels/conv_2d.h,
// kernels/conv_2d_packed.h, kernels/depthwise_conv_2d.h).
#pragma once

#include "kernels/kernel.h"
#include "kernels/window.h"

namespace microflow {

// The fields every convolution struct starts with.
struct ConvGeometryFields {
  int64_t batches = 0, input_height = 0, input_width = 0, input_depth = 0;
  int64_t output_height = 0, output_width = 0, output_depth = 0;
  int64_t filter_height = 0, filter_width = 0;
  int64_t stride_height = 1, stride_width = 1, dilation_height = 1, dilation_width = 1;
  int64_t pad_top = 0, pad_left = 0;

  RowWindow conv_window() const {
    return {batches, input_height, input_width, input_depth, output_height, output_width, output_depth,
            stride_height, pad_top, dilation_height * (filter_height - 1) + 1};
  }
};

struct Conv2DS8Params : WindowedParams, ConvGeometryFields {
  int64_t filter_depth = 0;  // input_depth / groups
  int64_t input_zero_point = 0, output_zero_point = 0;
  ArrayRef channel_multiplier, channel_shift;
  int64_t act_min = 0, act_max = 0;
  int64_t output_stride = 0;
  // The int8 activation folded into this layer (passes/activation_fold.cpp): its table, or null.
  ArrayRef output_table;
  RowWindow window() const override { return conv_window(); }
  MF_PARAMS(Conv2DS8Params, batches, input_height, input_width, input_depth, output_height, output_width,
            output_depth, filter_height, filter_width, filter_depth, stride_height, stride_width, dilation_height,
            dilation_width, pad_top, pad_left, input_zero_point, output_zero_point, channel_multiplier, channel_shift,
            act_min, act_max, output_stride, output_table)
};

struct Conv2DF32Params : WindowedParams, ConvGeometryFields {
  int64_t filter_depth = 0;
  float act_min = 0, act_max = 0;
  RowWindow window() const override { return conv_window(); }
  MF_PARAMS(Conv2DF32Params, batches, input_height, input_width, input_depth, output_height, output_width,
            output_depth, filter_height, filter_width, filter_depth, stride_height, stride_width, dilation_height,
            dilation_width, pad_top, pad_left, act_min, act_max)
};

struct DepthwiseConv2DS8Params : WindowedParams, ConvGeometryFields {
  int64_t depth_multiplier = 1;
  int64_t input_zero_point = 0, output_zero_point = 0;
  ArrayRef channel_multiplier, channel_shift;
  int64_t act_min = 0, act_max = 0;
  // The int8 activation folded into this layer (passes/activation_fold.cpp): its table, or null.
  ArrayRef output_table;
  RowWindow window() const override { return conv_window(); }
  MF_PARAMS(DepthwiseConv2DS8Params, batches, input_height, input_width, input_depth, output_height, output_width,
            output_depth, filter_height, filter_width, depth_multiplier, stride_height, stride_width,
            dilation_height, dilation_width, pad_top, pad_left, input_zero_point, output_zero_point,
            channel_multiplier, channel_shift, act_min, act_max, output_table)
};

struct DepthwiseConv2DF32Params : WindowedParams, ConvGeometryFields {
  int64_t depth_multiplier = 1;
  float act_min = 0, act_max = 0;
  RowWindow window() const override { return conv_window(); }
  MF_PARAMS(DepthwiseConv2DF32Params, batches, input_height, input_width, input_depth, output_height, output_width,
            output_depth, filter_height, filter_width, depth_multiplier, stride_height, stride_width,
            dilation_height, dilation_width, pad_top, pad_left, act_min, act_max)
};

// int16 activations with int8 filters (TFLM's 16x8 kernels): no input offset to fold, biases
// as the model has them. Not windowed parameters: band streaming, streaming input and row-gap
// placement assume int8 rows, and these kernels have none of those forms.
struct Conv2DS16Params : ParamsBase, ConvGeometryFields {
  int64_t filter_depth = 0;
  ArrayRef channel_multiplier, channel_shift;
  int64_t act_min = 0, act_max = 0;
  MF_PARAMS(Conv2DS16Params, batches, input_height, input_width, input_depth, output_height, output_width,
            output_depth, filter_height, filter_width, filter_depth, stride_height, stride_width, dilation_height,
            dilation_width, pad_top, pad_left, channel_multiplier, channel_shift, act_min, act_max)
};

struct DepthwiseConv2DS16Params : ParamsBase, ConvGeometryFields {
  int64_t depth_multiplier = 1;
  ArrayRef channel_multiplier, channel_shift;
  int64_t act_min = 0, act_max = 0;
  MF_PARAMS(DepthwiseConv2DS16Params, batches, input_height, input_width, input_depth, output_height, output_width,
            output_depth, filter_height, filter_width, depth_multiplier, stride_height, stride_width,
            dilation_height, dilation_width, pad_top, pad_left, channel_multiplier, channel_shift, act_min, act_max)
};

int conv_channel_group_unit(const Params& p);    // general conv: 1 without groups, else 0
int packed_channel_group_unit(const Params& p);  // packed filters: blocks of 4 channels

extern const KernelDef kConv2DInputRowsS8, kDepthwiseConv2DInputRowsS8, kDepthwiseConv2DByRowsS8;
extern const KernelDef kDepthwiseConv2DFullyConnectedS8;

inline const KernelDef kConv2DS8{.function = "conv_2d_s8",
                                 .header = "microflow/kernels/conv_2d.h",
                                 .row_form = &kConv2DInputRowsS8,
                                 .channel_split = &kSplitByOutputDepth<Conv2DS8Params, conv_channel_group_unit>,
                                 .set_output_stride = set_output_stride_of<Conv2DS8Params>,
                                 .sample_params = sample_of<Conv2DS8Params>};
inline const KernelDef kConv2D1x1S8{.function = "conv_2d_1x1_s8",
                                    .header = "microflow/kernels/conv_2d_packed.h",
                                    .band = "kBandConv1x1",
                                    .channel_split = &kSplitByOutputDepth<Conv2DS8Params, packed_channel_group_unit>,
                                    .set_output_stride = set_output_stride_of<Conv2DS8Params>,
                                    .sample_params = sample_of<Conv2DS8Params>};
inline const KernelDef kConv2DPackedS8{.function = "conv_2d_packed_s8",
                                       .header = "microflow/kernels/conv_2d_packed.h",
                                       .band = "kBandConvPacked",
                                       .channel_split = &kSplitByOutputDepth<Conv2DS8Params, packed_channel_group_unit>,
                                       .set_output_stride = set_output_stride_of<Conv2DS8Params>,
                                       .sample_params = sample_of<Conv2DS8Params>};
inline const KernelDef kConv2DF32{.function = "conv_2d_f32",
                                  .header = "microflow/kernels/conv_2d.h",
                                  .sample_params = sample_of<Conv2DF32Params>};
inline const KernelDef kDepthwiseConv2DS8{.function = "depthwise_conv_2d_s8",
                                          .header = "microflow/kernels/depthwise_conv_2d.h",
                                          .band = "kBandDepthwise",
                                          .row_form = &kDepthwiseConv2DInputRowsS8,
                                          .fuses_fully_connected = &kDepthwiseConv2DFullyConnectedS8,
                                          .in_place = InPlaceKind::RowWindow,
                                          .in_place_form = &kDepthwiseConv2DByRowsS8,
                                          .sample_params = sample_of<DepthwiseConv2DS8Params>};
// 16x8: an int64 bias (or, for DEPTHWISE_CONV_2D, none) runs TFLM's int64 accumulator,
// CONV_2D's int32 bias or none its int32 one. Generic kernels only: no traits.
inline const KernelDef kConv2DS16{.function = "conv_2d_s16",
                                  .header = "microflow/kernels/conv_2d.h",
                                  .sample_params = sample_of<Conv2DS16Params>};
inline const KernelDef kConv2DS16Acc32{.function = "conv_2d_s16_acc32",
                                       .header = "microflow/kernels/conv_2d.h",
                                       .sample_params = sample_of<Conv2DS16Params>};
inline const KernelDef kDepthwiseConv2DS16{.function = "depthwise_conv_2d_s16",
                                           .header = "microflow/kernels/depthwise_conv_2d.h",
                                           .sample_params = sample_of<DepthwiseConv2DS16Params>};
inline const KernelDef kDepthwiseConv2DF32{.function = "depthwise_conv_2d_f32",
                                           .header = "microflow/kernels/depthwise_conv_2d.h",
                                           .sample_params = sample_of<DepthwiseConv2DF32Params>};

}  // namespace microflow
