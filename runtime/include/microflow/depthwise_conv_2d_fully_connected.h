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

// accumulators: RAM scratch of fully_connected.output_depth int32 (in the arena).
inline void depthwise_conv_2d_fully_connected_s8(const DepthwiseConv2DFullyConnectedS8Params& params,
                                                 const int8_t* input, const int8_t* dw_filter,
                                                 const int32_t* dw_folded_bias, const int8_t* fc_weights,
                                                 const int32_t* fc_folded_bias, int32_t* accumulators,
                                                 int8_t* output) {
  const DepthwiseConv2DS8Params dw = flash_load(params.depthwise);
  const FullyConnectedS8Params fc = flash_load(params.fully_connected);
  for (int32_t o = 0; o < fc.output_depth; ++o) accumulators[o] = flash_read(fc_folded_bias + o);
  const int32_t row_stride = dw.input_width * dw.input_depth;
  int32_t input_sum = 0;  // sum of the intermediate values, for a nonzero weight zero point
  int32_t d = 0;          // index of the intermediate value in the flattened [1, K] FC input
  for (int32_t oy = 0; oy < dw.output_height; ++oy) {
    const int32_t origin_y = oy * dw.stride_height - dw.pad_top;
    for (int32_t ox = 0; ox < dw.output_width; ++ox) {
      const int32_t origin_x = ox * dw.stride_width - dw.pad_left;
      for (int32_t oc = 0; oc < dw.output_depth; ++oc, ++d) {
        const int32_t ic = oc / dw.depth_multiplier;
        int32_t acc = flash_read(dw_folded_bias + oc);
        const int8_t* w = dw_filter + oc;
        for (int32_t ky = 0; ky < dw.filter_height; ++ky) {
          const int32_t iy = origin_y + ky * dw.dilation_height;
          for (int32_t kx = 0; kx < dw.filter_width; ++kx, w += dw.output_depth) {
            const int32_t ix = origin_x + kx * dw.dilation_width;
            // Out-of-image taps count as Z_in, cancelling the Z_in folded into the bias.
            const bool inside = iy >= 0 && iy < dw.input_height && ix >= 0 && ix < dw.input_width;
            const int8_t x = inside ? input[iy * row_stride + ix * dw.input_depth + ic]
                                    : static_cast<int8_t>(dw.input_zero_point);
            acc += mul_s8(flash_read(w), x);
          }
        }
        const int8_t y = requantize_to_s8(acc, flash_read(dw.channel_multiplier + oc),
                                          flash_read(dw.channel_shift + oc), dw.output_zero_point, dw.act_min,
                                          dw.act_max);
        input_sum += y;
        const int8_t* fw = fc_weights + d;
        for (int32_t o = 0; o < fc.output_depth; ++o, fw += fc.input_depth) accumulators[o] += mul_s8(flash_read(fw), y);
      }
    }
  }
  const bool per_channel = fc.channel_multiplier != nullptr;
  for (int32_t o = 0; o < fc.output_depth; ++o) {
    const int32_t multiplier = per_channel ? flash_read(fc.channel_multiplier + o) : fc.multiplier;
    const int32_t shift = per_channel ? flash_read(fc.channel_shift + o) : fc.shift;
    output[o] = requantize_to_s8(accumulators[o] - fc.weights_zero_point * input_sum, multiplier, shift,
                                 fc.output_zero_point, fc.act_min, fc.act_max);
  }
}

}  // namespace mf

#endif  // MICROFLOW_DEPTHWISE_CONV_2D_FULLY_CONNECTED_H_
