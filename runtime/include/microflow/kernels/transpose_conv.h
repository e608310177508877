// TRANSPOSE_CONV (TFLM reference: reference_ops::TransposeConv float,
// reference_integer_ops::TransposeConv int8 per-channel and 16x8).
//
// TFLM scatters: each input pixel adds input x filter into every output pixel it touches
// (an int32 / int64 scratch the size of the output), then requantizes. This is the gather
// form of the same sums: output (oy, ox) collects the input pixels iy with
// ky = oy + pad_top - iy * stride in [0, filter_height) (and likewise ix), so no scratch is
// needed. Integer sums are exact whatever the order. The float sum visits the input pixels
// in TFLM's order (iy, then ix, then input channel, ascending), so its roundings match too.
//
// Filter [output_depth][filter_height][filter_width][input_depth] as in the model.
#ifndef MICROFLOW_TRANSPOSE_CONV_H_
#define MICROFLOW_TRANSPOSE_CONV_H_

#include <stdint.h>

#include "microflow/exec/flash.h"
#include "microflow/fixed_point.h"
#include "microflow/kernel_util.h"

namespace mf {

// int8 and int16 (16x8).
struct TransposeConvParams {
  int32_t batches;
  int32_t input_height, input_width, input_depth;
  int32_t output_height, output_width, output_depth;
  int32_t filter_height, filter_width;
  int32_t stride_height, stride_width;
  int32_t pad_top, pad_left;  // TFLM padding_values, from the output size
  int32_t output_zero_point;  // int16: 0
  // int8: Z_in * sum over input channels of filter[oc][ky][kx][:], per (oc, ky, kx), so that
  // sum w * (x - Z_in) = dot(w, x) - tap_offset; nullptr when Z_in is 0 (always for int16).
  const int32_t* tap_offsets;
  const int32_t* channel_multiplier;  // [output_depth] flash; int16: 15-bit reduced multipliers
  const int32_t* channel_shift;
  int32_t act_min, act_max;
};

struct TransposeConvF32Params {
  int32_t batches;
  int32_t input_height, input_width, input_depth;
  int32_t output_height, output_width, output_depth;
  int32_t filter_height, filter_width;
  int32_t stride_height, stride_width;
  int32_t pad_top, pad_left;
  float act_min, act_max;
};

namespace detail {

// The input positions [first, last] (ascending) whose tap t - i * stride lies in
// [0, taps), for the output position with t = o + pad >= 0; empty when first > last.
struct TapRange {
  int32_t first, last;
};

inline TapRange tap_range(int32_t t, int32_t stride, int32_t taps, int32_t size) {
  TapRange r;
  r.last = t / stride;
  if (r.last > size - 1) r.last = size - 1;
  const int32_t lowest = t - (taps - 1);  // the smallest i * stride a tap reaches
  r.first = lowest <= 0 ? 0 : (lowest + stride - 1) / stride;
  return r;
}

// Calls tap(input_pixel, filter_row, oc) for each contributing (iy, ix) of output pixel
// (oy, ox), input pixels in ascending order, and finish(oc, output_index) after each
// output channel; P is either params struct.
template <typename P, typename Tap, typename Finish>
inline void transpose_conv_gather(const P& p, Tap tap, Finish finish) {
  const int32_t filter_row = p.input_depth;  // one (ky, kx) tap's input channels
  int32_t o = 0;
  for (int32_t b = 0; b < p.batches; ++b) {
    for (int32_t oy = 0; oy < p.output_height; ++oy) {
      const int32_t ty = oy + p.pad_top;
      const TapRange ry = tap_range(ty, p.stride_height, p.filter_height, p.input_height);
      for (int32_t ox = 0; ox < p.output_width; ++ox) {
        const int32_t tx = ox + p.pad_left;
        const TapRange rx = tap_range(tx, p.stride_width, p.filter_width, p.input_width);
        for (int32_t oc = 0; oc < p.output_depth; ++oc, ++o) {
          for (int32_t iy = ry.first; iy <= ry.last; ++iy) {
            const int32_t ky = ty - iy * p.stride_height;
            for (int32_t ix = rx.first; ix <= rx.last; ++ix) {
              const int32_t kx = tx - ix * p.stride_width;
              const int32_t pixel = ((b * p.input_height + iy) * p.input_width + ix) * p.input_depth;
              const int32_t tap_index = (oc * p.filter_height + ky) * p.filter_width + kx;
              tap(pixel, tap_index, tap_index * filter_row);
            }
          }
          finish(oc, o);
        }
      }
    }
  }
}

}  // namespace detail

inline void transpose_conv_s8(const TransposeConvParams& params, const int8_t* input, const int8_t* filter,
                              const int32_t* bias, int8_t* output) {
  const auto p = flash_load(params);
  int32_t acc = 0;
  detail::transpose_conv_gather(
      p,
      [&](int32_t pixel, int32_t tap_index, int32_t filter_offset) {
        acc += dot_s8(filter + filter_offset, input + pixel, p.input_depth);
        if (p.tap_offsets) acc -= flash_read(p.tap_offsets + tap_index);
      },
      [&](int32_t oc, int32_t o) {
        if (bias) acc += flash_read(bias + oc);
        output[o] = requantize_to_s8(acc, flash_read(p.channel_multiplier + oc), flash_read(p.channel_shift + oc),
                                     p.output_zero_point, p.act_min, p.act_max);
        acc = 0;
      });
}

inline void transpose_conv_s16(const TransposeConvParams& params, const int16_t* input, const int8_t* filter,
                               const int64_t* bias, int16_t* output) {
  const auto p = flash_load(params);
  int64_t acc = 0;
  detail::transpose_conv_gather(
      p,
      [&](int32_t pixel, int32_t, int32_t filter_offset) {
        const int16_t* x = input + pixel;
        const int8_t* w = filter + filter_offset;
        // int16 x int8 products (|p| <= 2^22) summed in int32 for up to 256 channels at a time.
        for (int32_t c = 0; c < p.input_depth;) {
          const int32_t end = p.input_depth - c > 256 ? c + 256 : p.input_depth;
          int32_t part = 0;
          for (; c < end; ++c) part += static_cast<int32_t>(x[c]) * flash_read(w + c);
          acc += part;
        }
      },
      [&](int32_t oc, int32_t o) {
        if (bias) acc += flash_read(bias + oc);
        const int32_t v =
            multiply_by_reduced_multiplier_s64(acc, flash_read(p.channel_multiplier + oc), flash_read(p.channel_shift + oc));
        output[o] = static_cast<int16_t>(v < p.act_min ? p.act_min : (v > p.act_max ? p.act_max : v));
        acc = 0;
      });
}

inline void transpose_conv_f32(const TransposeConvF32Params& params, const float* input, const float* filter,
                               const float* bias, float* output) {
  const auto p = flash_load(params);
  float acc = 0.f;
  detail::transpose_conv_gather(
      p,
      [&](int32_t pixel, int32_t, int32_t filter_offset) {
        acc = dot_f32(acc, filter + filter_offset, input + pixel, p.input_depth);
      },
      [&](int32_t oc, int32_t o) {
        if (bias) acc += flash_read(bias + oc);
        output[o] = clamp_f32(acc, p.act_min, p.act_max);
        acc = 0.f;
      });
}

}  // namespace mf

#endif  // MICROFLOW_TRANSPOSE_CONV_H_
