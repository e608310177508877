// CONV_2D (TFLM reference ConvPerChannel / float Conv, docs §5), NHWC, with groups and dilation.
#ifndef MICROFLOW_CONV_2D_H_
#define MICROFLOW_CONV_2D_H_

#include <stdint.h>

#include "microflow/exec/flash.h"
#include "microflow/exec/input_rows.h"
#include "microflow/kernel_util.h"

namespace mf {

struct Conv2DS8Params {
  int32_t batches;
  int32_t input_height, input_width, input_depth;
  int32_t output_height, output_width, output_depth;
  int32_t filter_height, filter_width, filter_depth;  // filter_depth = input_depth / groups
  int32_t stride_height, stride_width, dilation_height, dilation_width;
  int32_t pad_top, pad_left;  // TFLM padding_values; the odd extra pixel is at bottom/right
  int32_t input_zero_point;   // value of out-of-image taps
  int32_t output_zero_point;
  const int32_t* channel_multiplier;  // [output_depth] flash
  const int32_t* channel_shift;       // [output_depth] flash
  int32_t act_min, act_max;
  // Elements from one output pixel to the next: output_depth, or the whole layer's depth
  // when this call computes one group of its output channels (weights paged in from
  // external memory a group at a time, see the emitter).
  int32_t output_stride;
  const int8_t* output_table;  // flash [256] or nullptr: kernel_util.h's activate_s8
};

// Streaming input (input_rows.h): the layer reads its input row by row from a ring.
struct Conv2DInputRowsS8Params {
  InputRowsParams rows;
  Conv2DS8Params conv;
};

// int16 activations with int8 filters (TFLM's 16x8 ConvPerChannel). Zero points are 0, so
// there is no input offset and out-of-image taps, which TFLM skips, would add 0 anyway.
struct Conv2DS16Params {
  int32_t batches;
  int32_t input_height, input_width, input_depth;
  int32_t output_height, output_width, output_depth;
  int32_t filter_height, filter_width, filter_depth;
  int32_t stride_height, stride_width, dilation_height, dilation_width;
  int32_t pad_top, pad_left;
  // [output_depth] flash. conv_2d_s16: the 15-bit multipliers of
  // multiply_by_reduced_multiplier_s64 and QuantizeMultiplier's shifts; conv_2d_s16_acc32:
  // QuantizeMultiplier's (multiplier, shift) pairs.
  const int32_t* channel_multiplier;
  const int32_t* channel_shift;
  int32_t act_min, act_max;
};

struct Conv2DF32Params {
  int32_t batches;
  int32_t input_height, input_width, input_depth;
  int32_t output_height, output_width, output_depth;
  int32_t filter_height, filter_width, filter_depth;
  int32_t stride_height, stride_width, dilation_height, dilation_width;
  int32_t pad_top, pad_left;
  float act_min, act_max;
};

namespace detail {

// Filter window of one output pixel. Filter rows are split into `runs` dot products of
// `run` elements; with unit dilation and no groups a whole row (kx, ci) is contiguous
// in both the input and the filter, so it is a single run.
struct ConvWindow {
  int32_t origin_y, origin_x;
  bool interior;  // no tap falls outside the image
  int32_t run, runs;
};

template <typename Params>
inline ConvWindow conv_window(const Params& p, int32_t oy, int32_t ox) {
  ConvWindow win;
  win.origin_y = oy * p.stride_height - p.pad_top;
  win.origin_x = ox * p.stride_width - p.pad_left;
  win.interior = window_inside(win.origin_y, p.filter_height, p.dilation_height, p.input_height) &&
                 window_inside(win.origin_x, p.filter_width, p.dilation_width, p.input_width);
  const bool contiguous_rows = p.dilation_width == 1 && p.filter_depth == p.input_depth;
  win.run = contiguous_rows ? p.filter_width * p.filter_depth : p.filter_depth;
  win.runs = contiguous_rows ? 1 : p.filter_width;
  return win;
}

// Sum over the window of w * x for one output channel. `x` points at the channel group
// of the image; `w` at the channel's filter [KH][KW][filter_depth] in flash.
// Out-of-image taps count as x == Z_in, which cancels the Z_in folded into the bias and
// so reproduces TFLM skipping them.
inline int32_t conv_window_dot_s8(const Conv2DS8Params& p, const ConvWindow& win, const int8_t* x,
                                  const int8_t* w) {
  const int32_t pixel_stride = p.input_depth;
  const int32_t row_stride = p.input_width * pixel_stride;
  int32_t acc = 0;
  if (win.interior) {
    const int8_t* x_row = x + win.origin_y * row_stride + win.origin_x * pixel_stride;
    for (int32_t ky = 0; ky < p.filter_height; ++ky) {
      for (int32_t r = 0; r < win.runs; ++r) {
        acc += dot_s8(w, x_row + r * p.dilation_width * pixel_stride, win.run);
        w += win.run;
      }
      x_row += p.dilation_height * row_stride;
    }
    return acc;
  }
  for (int32_t ky = 0; ky < p.filter_height; ++ky) {
    const int32_t iy = win.origin_y + ky * p.dilation_height;
    for (int32_t kx = 0; kx < p.filter_width; ++kx, w += p.filter_depth) {
      const int32_t ix = win.origin_x + kx * p.dilation_width;
      if (iy >= 0 && iy < p.input_height && ix >= 0 && ix < p.input_width) {
        acc += dot_s8(w, x + iy * row_stride + ix * pixel_stride, p.filter_depth);
      } else {
        acc += p.input_zero_point * sum_flash_s8(w, p.filter_depth);
      }
    }
  }
  return acc;
}

// Folds the window's in-image taps into `total` in TFLM's order (ky, kx, ci), skipping
// out-of-image ones: total = step(total, w, x, n) per contiguous run of n taps. The float and
// int16 kernels (whose zero point is 0) take it; int8 counts outside taps as Z_in instead.
template <typename Params, typename T, typename W, typename Total, typename Step>
MF_ALWAYS_INLINE Total conv_window_fold(const Params& p, const ConvWindow& win, const T* x, const W* w, Total total,
                                        Step step) {
  const int32_t pixel_stride = p.input_depth;
  const int32_t row_stride = p.input_width * pixel_stride;
  if (win.interior) {
    const T* x_row = x + win.origin_y * row_stride + win.origin_x * pixel_stride;
    for (int32_t ky = 0; ky < p.filter_height; ++ky) {
      for (int32_t r = 0; r < win.runs; ++r) {
        total = step(total, w, x_row + r * p.dilation_width * pixel_stride, win.run);
        w += win.run;
      }
      x_row += p.dilation_height * row_stride;
    }
    return total;
  }
  for (int32_t ky = 0; ky < p.filter_height; ++ky) {
    const int32_t iy = win.origin_y + ky * p.dilation_height;
    for (int32_t kx = 0; kx < p.filter_width; ++kx, w += p.filter_depth) {
      const int32_t ix = win.origin_x + kx * p.dilation_width;
      if (iy >= 0 && iy < p.input_height && ix >= 0 && ix < p.input_width) {
        total = step(total, w, x + iy * row_stride + ix * pixel_stride, p.filter_depth);
      }
    }
  }
  return total;
}

// Every output pixel and channel in order: *output++ = value(window, x, w, channel), x at
// the channel's group in the image, w at the channel's filter [KH][KW][filter_depth].
template <typename Params, typename T, typename W, typename Out, typename Value>
inline void for_each_conv_output(const Params& p, const T* input, const W* filter, Out* output, Value value) {
  const int32_t groups = p.input_depth / p.filter_depth;
  const int32_t channels_per_group = p.output_depth / groups;
  const int32_t filter_size = p.filter_height * p.filter_width * p.filter_depth;
  const int32_t image_size = p.input_height * p.input_width * p.input_depth;
  for (int32_t b = 0; b < p.batches; ++b, input += image_size) {
    for (int32_t oy = 0; oy < p.output_height; ++oy) {
      for (int32_t ox = 0; ox < p.output_width; ++ox) {
        const ConvWindow win = conv_window(p, oy, ox);
        const W* w = filter;
        int32_t co = 0;
        for (int32_t g = 0; g < groups; ++g) {
          const T* x = input + g * p.filter_depth;
          for (int32_t k = 0; k < channels_per_group; ++k, ++co, w += filter_size) *output++ = value(win, x, w, co);
        }
      }
    }
  }
}

template <typename Bias>
inline void conv_2d_s16_layer(const Conv2DS16Params& params, const int16_t* input, const int8_t* filter, const Bias* bias,
                        int16_t* output) {
  const auto p = flash_load(params);
  for_each_conv_output(p, input, filter, output,
                       [&](const ConvWindow& win, const int16_t* x, const int8_t* w, int32_t co) {
                         const int64_t sum = conv_window_fold(
                             p, win, x, w, static_cast<int64_t>(0),
                             [](int64_t t, const int8_t* wr, const int16_t* xr, int32_t n) {
                               return t + dot_s8_s16(wr, xr, n);
                             });
                         return requantize_s16(sum, bias, co, flash_read(p.channel_multiplier + co),
                                               flash_read(p.channel_shift + co), p.act_min, p.act_max);
                       });
}

}  // namespace detail

namespace detail {

// Every output of one image (p already out of flash); output pixels output_stride apart.
inline void conv_2d_image_s8(const Conv2DS8Params& p, const int8_t* input, const int8_t* filter,
                             const int32_t* folded_bias, int8_t* output) {
  const int32_t groups = p.input_depth / p.filter_depth;
  const int32_t channels_per_group = p.output_depth / groups;
  const int32_t filter_size = p.filter_height * p.filter_width * p.filter_depth;
  const int32_t pixel_skip = p.output_stride - p.output_depth;
  for (int32_t oy = 0; oy < p.output_height; ++oy) {
    for (int32_t ox = 0; ox < p.output_width; ++ox, output += pixel_skip) {
      const ConvWindow win = conv_window(p, oy, ox);
      const int8_t* w = filter;
      int32_t co = 0;
      for (int32_t g = 0; g < groups; ++g) {
        const int8_t* x = input + g * p.filter_depth;
        for (int32_t k = 0; k < channels_per_group; ++k, ++co, w += filter_size) {
          const int32_t acc = flash_read(folded_bias + co) + conv_window_dot_s8(p, win, x, w);
          *output++ = activate_s8(p.output_table, requantize_to_s8(acc, flash_read(p.channel_multiplier + co),
                                                                   flash_read(p.channel_shift + co),
                                                                   p.output_zero_point, p.act_min, p.act_max));
        }
      }
    }
  }
}

}  // namespace detail

// folded_bias[co] = bias[co] - Z_in * sum_{ky,kx,ci} w[co][ky][kx][ci] (compiler-computed).
// filter: flash [output_depth][KH][KW][filter_depth]; folded_bias: flash [output_depth].
// A 1x1 stride-1 unpadded conv runs as one dot product per (pixel, channel): a matrix product.
inline void conv_2d_s8(const Conv2DS8Params& params, const int8_t* input, const int8_t* filter,
                       const int32_t* folded_bias, int8_t* output) {
  const auto p = flash_load(params);
  const int32_t image_size = p.input_height * p.input_width * p.input_depth;
  const int32_t output_size = p.output_height * p.output_width * p.output_stride;
  for (int32_t b = 0; b < p.batches; ++b, input += image_size, output += output_size)
    detail::conv_2d_image_s8(p, input, filter, folded_bias, output);
}

// Streaming form of conv_2d_s8 (one batch): `ring` holds params.rows.window_rows input
// rows, `state` kInputRowsStateWords words; the next row goes to input_row_slot().
// Returns true when the row just written completed the output.
inline bool conv_2d_input_rows_s8(const Conv2DInputRowsS8Params& params, int8_t* ring, int32_t* state, const int8_t* filter,
                            const int32_t* folded_bias, int8_t* output) {
  struct Kernel {
    const InputRowsParams& rows;
    const Conv2DS8Params& p;
    const int8_t* filter;
    const int32_t* folded_bias;
    int8_t* output;
    void begin() {}
    void row(int32_t oy, const int8_t* held_rows, int32_t held, int32_t first) {
      Conv2DS8Params view = p;
      view.batches = 1;
      view.input_height = held;
      view.output_height = 1;
      view.pad_top = detail::rows_pad_top(rows, oy, first);
      detail::conv_2d_image_s8(view, held_rows, filter, folded_bias, output + oy * p.output_width * p.output_stride);
    }
    void end() {}
  };
  const InputRowsParams rows = flash_load(params.rows);
  const Conv2DS8Params p = flash_load(params.conv);
  Kernel kernel{rows, p, filter, folded_bias, output};
  return detail::input_rows_push(rows, ring, state, kernel);
}

// int16 input and output, int8 filter: flash [output_depth][KH][KW][filter_depth];
// bias: flash int64 [output_depth] or nullptr. TFLM's int64 accumulator.
inline void conv_2d_s16(const Conv2DS16Params& params, const int16_t* input, const int8_t* filter,
                        const int64_t* bias, int16_t* output) {
  detail::conv_2d_s16_layer(params, input, filter, bias, output);
}

// The same with an int32 bias (or none), which TFLM runs with an int32 accumulator.
inline void conv_2d_s16_acc32(const Conv2DS16Params& params, const int16_t* input, const int8_t* filter,
                              const int32_t* bias, int16_t* output) {
  detail::conv_2d_s16_layer(params, input, filter, bias, output);
}

// filter: flash [output_depth][KH][KW][filter_depth]; bias: flash [output_depth] or nullptr.
inline void conv_2d_f32(const Conv2DF32Params& params, const float* input, const float* filter,
                        const float* bias, float* output) {
  const auto p = flash_load(params);
  detail::for_each_conv_output(p, input, filter, output,
                               [&](const detail::ConvWindow& win, const float* x, const float* w, int32_t co) {
                                 const float total = detail::conv_window_fold(
                                     p, win, x, w, 0.f, [](float t, const float* wr, const float* xr, int32_t n) {
                                       return dot_f32(t, wr, xr, n);
                                     });
                                 const float bias_value = bias != nullptr ? flash_read(bias + co) : 0.f;
                                 return clamp_f32(total + bias_value, p.act_min, p.act_max);
                               });
}

}  // namespace mf

#endif  // MICROFLOW_CONV_2D_H_
