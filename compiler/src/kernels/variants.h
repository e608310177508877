// The --optimize=speed kernel variants (runtime variants/): the layer's sizes and
// requantization as template arguments, weights re-laid-out per target family
// (passes/specialize.cpp).
#pragma once

#include "kernels/binary.h"
#include "kernels/conv.h"
#include "kernels/kernel.h"
#include "kernels/window.h"

namespace microflow {

// FullyConnectedS8Constants (AVR, Helium): the generic kernel's int8 weights.
struct FullyConnectedS8Constants : ParamsBase {
  int64_t batches = 0, input_depth = 0, output_depth = 0, weights_zero_point = 0, multiplier = 0, shift = 0;
  int64_t output_zero_point = 0, act_min = 0, act_max = 0;
  MF_PARAMS(FullyConnectedS8Constants, batches, input_depth, output_depth, weights_zero_point, multiplier, shift,
            output_zero_point, act_min, act_max)
};

// FullyConnectedS8WideConstants: int16 (w - Z_w) weights, so no weights zero point.
struct FullyConnectedS8WideConstants : ParamsBase {
  int64_t batches = 0, input_depth = 0, output_depth = 0, multiplier = 0, shift = 0;
  int64_t output_zero_point = 0, act_min = 0, act_max = 0;
  MF_PARAMS(FullyConnectedS8WideConstants, batches, input_depth, output_depth, multiplier, shift, output_zero_point,
            act_min, act_max)
};

struct Conv2D1x1S8WideConstants : ParamsBase {
  int64_t pixels = 0, input_depth = 0, output_depth = 0, output_stride = 0, output_zero_point = 0, act_min = 0,
          act_max = 0;
  MF_PARAMS(Conv2D1x1S8WideConstants, pixels, input_depth, output_depth, output_stride, output_zero_point, act_min,
            act_max)
};

struct DepthwiseConv2DFullyConnectedS8WideConstants : ParamsBase {
  int64_t input_height = 0, input_width = 0, output_height = 0, output_width = 0, channels = 0;
  int64_t filter_height = 0, filter_width = 0, stride_height = 1, stride_width = 1, pad_top = 0, pad_left = 0;
  int64_t input_zero_point = 0, output_zero_point = 0, act_min = 0, act_max = 0;
  int64_t units = 0, weights_zero_point = 0, fc_output_zero_point = 0, fc_act_min = 0, fc_act_max = 0;
  MF_PARAMS(DepthwiseConv2DFullyConnectedS8WideConstants, input_height, input_width, output_height, output_width,
            channels, filter_height, filter_width, stride_height, stride_width, pad_top, pad_left, input_zero_point,
            output_zero_point, act_min, act_max, units, weights_zero_point, fc_output_zero_point, fc_act_min,
            fc_act_max)
};

// depthwise_conv_2d_s8_wide_fixed: 3x3, one batch, input_depth = depth (multiplier 1) or 1.
struct DepthwiseConv2DS8WideConstants : WindowedParams {
  int64_t input_height = 0, input_width = 0, input_depth = 0, depth = 0, output_height = 0, output_width = 0;
  int64_t stride = 1, pad_top = 0, pad_left = 0, input_zero_point = 0, output_zero_point = 0, act_min = 0,
          act_max = 0;
  RowWindow window() const override {
    return {1, input_height, input_width, input_depth, output_height, output_width, depth, stride, pad_top, 3};
  }
  MF_PARAMS(DepthwiseConv2DS8WideConstants, input_height, input_width, input_depth, depth, output_height,
            output_width, stride, pad_top, pad_left, input_zero_point, output_zero_point, act_min, act_max)
};

// depthwise_conv_2d_s8_narrow_fixed: depth multiplier 1, any filter, few output pixels per row.
struct DepthwiseConv2DS8NarrowConstants : WindowedParams {
  int64_t input_height = 0, input_width = 0, depth = 0, output_height = 0, output_width = 0;
  int64_t filter_height = 0, filter_width = 0, stride_height = 1, stride_width = 1, dilation_height = 1,
          dilation_width = 1, pad_top = 0, pad_left = 0, input_zero_point = 0, output_zero_point = 0, act_min = 0,
          act_max = 0;
  RowWindow window() const override {
    return {1, input_height, input_width, depth, output_height, output_width, depth, stride_height, pad_top,
            dilation_height * (filter_height - 1) + 1};
  }
  MF_PARAMS(DepthwiseConv2DS8NarrowConstants, input_height, input_width, depth, output_height, output_width,
            filter_height, filter_width, stride_height, stride_width, dilation_height, dilation_width, pad_top,
            pad_left, input_zero_point, output_zero_point, act_min, act_max)
};

struct AddS8TableConstants : ParamsBase {
  int64_t size = 0, output_multiplier = 0, output_n = 0, output_zero_point = 0, act_min = 0, act_max = 0;
  MF_PARAMS(AddS8TableConstants, size, output_multiplier, output_n, output_zero_point, act_min, act_max)
};

template <typename Constants>
constexpr KernelDef template_kernel(const char* function, const char* header, const char* band = nullptr) {
  return {.function = function, .header = header, .template_constants = true, .band = band,
          .sample_params = sample_of<Constants>};
}

inline const KernelDef kFullyConnectedS8Fixed =
    template_kernel<FullyConnectedS8Constants>("fully_connected_s8_fixed", "microflow/kernels/fully_connected.h");
inline const KernelDef kFullyConnectedS8RowsFixed = template_kernel<FullyConnectedS8Constants>(
    "fully_connected_s8_rows_fixed", "microflow/variants/fully_connected_wide.h");
inline const KernelDef kFullyConnectedS8WideFixed = template_kernel<FullyConnectedS8WideConstants>(
    "fully_connected_s8_wide_fixed", "microflow/variants/fully_connected_wide.h");
inline const KernelDef kFullyConnectedS8LanesFixed = template_kernel<FullyConnectedS8WideConstants>(
    "fully_connected_s8_lanes_fixed", "microflow/variants/fully_connected_lanes.h");
// As band stages these run one output row through the stage table's row pointer.
inline const KernelDef kConv2D1x1S8WideFixed = template_kernel<Conv2D1x1S8WideConstants>(
    "conv_2d_1x1_s8_wide_fixed", "microflow/variants/conv_2d_1x1_wide.h", "kBandConv1x1Wide");
inline const KernelDef kConv2D1x1S8RowsFixed = template_kernel<Conv2D1x1S8WideConstants>(
    "conv_2d_1x1_s8_rows_fixed", "microflow/variants/conv_2d_1x1_wide.h");
inline const KernelDef kConv2D1x1S8LanesFixed = template_kernel<Conv2D1x1S8WideConstants>(
    "conv_2d_1x1_s8_lanes_fixed", "microflow/variants/conv_2d_1x1_lanes.h", "kBandConv1x1Wide");
// Output rows in order, each reading only its window's rows: in place with a row gap as the
// generic kernel's by-rows form; as a band stage one row through BandStage::depthwise_row.
inline const KernelDef kDepthwiseConv2DS8WideFixed{.function = "depthwise_conv_2d_s8_wide_fixed",
                                                   .header = "microflow/variants/depthwise_conv_2d_wide.h",
                                                   .template_constants = true,
                                                   .band = "kBandDepthwiseWide",
                                                   .in_place = InPlaceKind::RowWindow,
                                                   .sample_params = sample_of<DepthwiseConv2DS8WideConstants>};
// The same row order and stage kind (its row function has the 3x3 one's signature).
inline const KernelDef kDepthwiseConv2DS8NarrowFixed{.function = "depthwise_conv_2d_s8_narrow_fixed",
                                                     .header = "microflow/variants/depthwise_conv_2d_narrow.h",
                                                     .template_constants = true,
                                                     .band = "kBandDepthwiseWide",
                                                     .in_place = InPlaceKind::RowWindow,
                                                     .sample_params = sample_of<DepthwiseConv2DS8NarrowConstants>};
// CONV_2D of any filter on the packed kernel's parameters, the filter as channel pairs over all
// taps (Arm DSP without Helium); as a band stage through its own BandKernel.
inline const KernelDef kConv2DS8Wide{.function = "conv_2d_s8_wide",
                                     .header = "microflow/variants/conv_2d_wide.h",
                                     .band = "kBandConvWide",
                                     .sample_params = sample_of<Conv2DS8Params>};
// int8 ADD through per-input rescaling tables; element-wise in place as the generic ADD.
inline const KernelDef kAddS8TableFixed{.function = "add_s8_table_fixed",
                                        .header = "microflow/variants/add_s8_table.h",
                                        .template_constants = true,
                                        .in_place = InPlaceKind::Elementwise,
                                        .sample_params = sample_of<AddS8TableConstants>};
inline const KernelDef kDepthwiseConv2DFullyConnectedS8WideFixed =
    template_kernel<DepthwiseConv2DFullyConnectedS8WideConstants>(
        "depthwise_conv_2d_fully_connected_s8_wide_fixed", "microflow/variants/depthwise_conv_2d_fully_connected_wide.h");

}  // namespace microflow
