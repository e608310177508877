// DEPTHWISE_CONV_2D (TFLM reference DepthwiseConvPerChannel / float, docs §6), NHWC.
// Output channel oc = ic * depth_multiplier + m reads input channel ic and filter column oc.
#ifndef MICROFLOW_DEPTHWISE_CONV_2D_H_
#define MICROFLOW_DEPTHWISE_CONV_2D_H_

#include <stdint.h>
#include <string.h>

#include "microflow/variants/depthwise_blocks.h"
#include "microflow/exec/flash.h"
#include "microflow/exec/input_rows.h"
#include "microflow/kernel_util.h"

#if defined(__AVX2__)
#include "microflow/variants/depthwise_conv_2d_avx2.h"
#endif
#if defined(MF_DOT_RV32)
#include "microflow/variants/depthwise_one_channel_rv32.h"
#endif

namespace mf {

// output_depth = input_depth * depth_multiplier.
struct DepthwiseConv2DS8Params {
  int32_t batches;
  int32_t input_height, input_width, input_depth;
  int32_t output_height, output_width, output_depth;
  int32_t filter_height, filter_width, depth_multiplier;
  int32_t stride_height, stride_width, dilation_height, dilation_width;
  int32_t pad_top, pad_left;
  int32_t input_zero_point;  // value of out-of-image taps
  int32_t output_zero_point;
  const int32_t* channel_multiplier;  // [output_depth] flash
  const int32_t* channel_shift;       // [output_depth] flash
  int32_t act_min, act_max;
  const int8_t* output_table;  // flash [256] or nullptr: kernel_util.h's activate_s8
};

// Streaming input (input_rows.h): the layer reads its input row by row from a ring.
struct DepthwiseConv2DInputRowsS8Params {
  InputRowsParams rows;
  DepthwiseConv2DS8Params depthwise;
};

// int16 activations with int8 filters (TFLM's 16x8 DepthwiseConvPerChannel, an int64
// accumulator). Zero points are 0: out-of-image taps, which TFLM skips, would add 0.
struct DepthwiseConv2DS16Params {
  int32_t batches;
  int32_t input_height, input_width, input_depth;
  int32_t output_height, output_width, output_depth;
  int32_t filter_height, filter_width, depth_multiplier;
  int32_t stride_height, stride_width, dilation_height, dilation_width;
  int32_t pad_top, pad_left;
  // [output_depth] flash: the 15-bit multipliers of multiply_by_reduced_multiplier_s64 and
  // QuantizeMultiplier's shifts.
  const int32_t* channel_multiplier;
  const int32_t* channel_shift;
  int32_t act_min, act_max;
};

struct DepthwiseConv2DF32Params {
  int32_t batches;
  int32_t input_height, input_width, input_depth;
  int32_t output_height, output_width, output_depth;
  int32_t filter_height, filter_width, depth_multiplier;
  int32_t stride_height, stride_width, dilation_height, dilation_width;
  int32_t pad_top, pad_left;
  float act_min, act_max;
};

namespace detail {

// Sum over the window of w * x for output channel oc. `x` points at input channel ic of
// the image, `w` at filter column oc (flash, stride output_depth between taps).
// Out-of-image taps count as x == Z_in, cancelling the Z_in folded into the bias.
inline int32_t depthwise_window_dot_s8(const DepthwiseConv2DS8Params& p, int32_t origin_y,
                                       int32_t origin_x, bool interior, const int8_t* x,
                                       const int8_t* w) {
#if defined(__AVR__)
  // Each window row's in-image columns [kx_begin, kx_end) go through the strided LPM/MULS
  // loop (16-bit address arithmetic: flash and RAM are below 64 KB); the taps outside the
  // image add Z_in times their weights, summed first and multiplied once.
  (void)interior;
  const uint16_t w_stride = static_cast<uint16_t>(p.output_depth);
  const uint16_t pixel_stride = static_cast<uint16_t>(p.input_depth);
  const uint16_t x_stride = static_cast<uint16_t>(p.dilation_width) * pixel_stride;
  const uint16_t row_stride = static_cast<uint16_t>(p.input_width) * pixel_stride;
  const int16_t width = static_cast<int16_t>(p.filter_width), dilation = static_cast<int16_t>(p.dilation_width);
  int16_t kx_begin = 0, kx_end = width;
  while (kx_begin < kx_end && origin_x + kx_begin * dilation < 0) ++kx_begin;
  while (kx_end > kx_begin && origin_x + (kx_end - 1) * dilation >= p.input_width) --kx_end;
  int32_t acc = 0;
  int32_t outside = 0;  // sum of the out-of-image taps' weights
  for (int16_t ky = 0; ky < static_cast<int16_t>(p.filter_height); ++ky, w += width * w_stride) {
    const int16_t iy = static_cast<int16_t>(origin_y + ky * p.dilation_height);
    const bool row_inside = iy >= 0 && iy < p.input_height;
    if (!row_inside) {
      for (int16_t kx = 0; kx < width; ++kx) outside += flash_read(w + kx * w_stride);
      continue;
    }
    for (int16_t kx = 0; kx < kx_begin; ++kx) outside += flash_read(w + kx * w_stride);
    for (int16_t kx = kx_end; kx < width; ++kx) outside += flash_read(w + kx * w_stride);
    if (kx_end > kx_begin)
      acc += dot_s8_strided(w + kx_begin * w_stride, w_stride,
                            x + static_cast<uint16_t>(iy) * row_stride +
                                static_cast<uint16_t>(origin_x + kx_begin * dilation) * pixel_stride,
                            x_stride, static_cast<uint16_t>(kx_end - kx_begin));
  }
  return acc + outside * p.input_zero_point;
#else
  const int32_t pixel_stride = p.input_depth;
  const int32_t row_stride = p.input_width * pixel_stride;
  int32_t acc = 0;
  if (interior) {
    const int8_t* x_row = x + origin_y * row_stride + origin_x * pixel_stride;
    for (int32_t ky = 0; ky < p.filter_height; ++ky, x_row += p.dilation_height * row_stride) {
      const int8_t* x_tap = x_row;
      for (int32_t kx = 0; kx < p.filter_width; ++kx, w += p.output_depth) {
        acc += mul_s8(flash_read(w), *x_tap);
        x_tap += p.dilation_width * pixel_stride;
      }
    }
    return acc;
  }
  for (int32_t ky = 0; ky < p.filter_height; ++ky) {
    const int32_t iy = origin_y + ky * p.dilation_height;
    for (int32_t kx = 0; kx < p.filter_width; ++kx, w += p.output_depth) {
      const int32_t ix = origin_x + kx * p.dilation_width;
      const bool inside = iy >= 0 && iy < p.input_height && ix >= 0 && ix < p.input_width;
      const int8_t value =
          inside ? x[iy * row_stride + ix * pixel_stride] : static_cast<int8_t>(p.input_zero_point);
      acc += mul_s8(flash_read(w), value);
    }
  }
  return acc;
#endif
}

// Folds the window's in-image taps of output channel oc into `total` in TFLM's order
// (ky, kx), skipping out-of-image ones: total = step(total, w, x) per tap. `x` points at
// input channel ic of the image, `w` at filter column oc (flash, stride output_depth).
// The float and int16 kernels (zero point 0) take it.
template <typename Params, typename T, typename W, typename Total, typename Step>
MF_ALWAYS_INLINE Total depthwise_window_fold(const Params& p, int32_t origin_y, int32_t origin_x, const T* x,
                                             const W* w, Total total, Step step) {
  const int32_t pixel_stride = p.input_depth;
  const int32_t row_stride = p.input_width * pixel_stride;
  for (int32_t ky = 0; ky < p.filter_height; ++ky) {
    const int32_t iy = origin_y + ky * p.dilation_height;
    for (int32_t kx = 0; kx < p.filter_width; ++kx, w += p.output_depth) {
      const int32_t ix = origin_x + kx * p.dilation_width;
      if (iy >= 0 && iy < p.input_height && ix >= 0 && ix < p.input_width) {
        total = step(total, flash_read(w), x[iy * row_stride + ix * pixel_stride]);
      }
    }
  }
  return total;
}

// Every output pixel and channel in order (output channel oc = ic * depth_multiplier + m):
// *output++ = value(origin_y, origin_x, x at input channel ic, w at filter column oc, oc).
template <typename Params, typename T, typename W, typename Out, typename Value>
inline void for_each_depthwise_output(const Params& p, const T* input, const W* filter, Out* output, Value value) {
  const int32_t image_size = p.input_height * p.input_width * p.input_depth;
  for (int32_t b = 0; b < p.batches; ++b, input += image_size) {
    for (int32_t oy = 0; oy < p.output_height; ++oy) {
      const int32_t origin_y = oy * p.stride_height - p.pad_top;
      for (int32_t ox = 0; ox < p.output_width; ++ox) {
        const int32_t origin_x = ox * p.stride_width - p.pad_left;
        int32_t oc = 0;
        for (int32_t ic = 0; ic < p.input_depth; ++ic)
          for (int32_t m = 0; m < p.depth_multiplier; ++m, ++oc)
            *output++ = value(origin_y, origin_x, input + ic, filter + oc, oc);
      }
    }
  }
}

// Output channels oc_begin.. of every pixel, one channel at a time (any depth multiplier);
// sink(index, value) as in depthwise_blocks_s8.
template <typename Sink>
inline Sink depthwise_channels_s8(const DepthwiseConv2DS8Params& p, const int8_t* input, const int8_t* filter,
                                  const int32_t* folded_bias, int32_t oc_begin, Sink sink) {
  int32_t index = 0;
  for (int32_t oy = 0; oy < p.output_height; ++oy) {
    const int32_t origin_y = oy * p.stride_height - p.pad_top;
    const bool rows_inside = window_inside(origin_y, p.filter_height, p.dilation_height, p.input_height);
    for (int32_t ox = 0; ox < p.output_width; ++ox, index += p.output_depth) {
      const int32_t origin_x = ox * p.stride_width - p.pad_left;
      const bool interior = rows_inside && window_inside(origin_x, p.filter_width, p.dilation_width, p.input_width);
      for (int32_t oc = oc_begin; oc < p.output_depth; ++oc) {
        const int32_t acc = flash_read(folded_bias + oc) +
                            depthwise_window_dot_s8(p, origin_y, origin_x, interior,
                                                    input + oc / p.depth_multiplier, filter + oc);
        sink(index + oc, requantize_to_s8(acc, flash_read(p.channel_multiplier + oc),
                                          flash_read(p.channel_shift + oc), p.output_zero_point, p.act_min,
                                          p.act_max));
      }
    }
  }
  return sink;
}

inline DepthwiseGeometry depthwise_geometry(const DepthwiseConv2DS8Params& p) {
  return {p.input_height, p.input_width,  p.input_depth,     p.output_height,   p.output_width,
          p.output_depth, p.filter_height, p.filter_width,   p.depth_multiplier, p.stride_height,
          p.stride_width, p.dilation_height, p.dilation_width, p.pad_top,         p.pad_left,
          p.input_zero_point};
}

// Whether depthwise_blocks_s8 handles the layer: four channels share the window walk when
// they read four input channels (depth_multiplier 1) or one (a multiple of 4).
// Not on AVR, where the per-channel loop alone is the smaller program.
inline bool depthwise_uses_blocks(const DepthwiseConv2DS8Params& p) {
#if defined(__AVR__)
  (void)p;
  return false;
#else
  return p.filter_height * p.filter_width <= kDepthwiseMaxTaps &&
         (p.depth_multiplier == 1 || p.depth_multiplier % 4 == 0);
#endif
}

// Writes each value to out[index], through the layer's folded activation table if any.
struct StoreSink {
  int8_t* out;
  const int8_t* table;  // DepthwiseConv2DS8Params::output_table
  void operator()(int32_t index, int8_t value) { out[index] = activate_s8(table, value); }
#if defined(MF_DOT_RV32)
  // A run of n values from `index` on (depthwise_one_channel_rv32): written in place, or to
  // `scratch` first when they go through the table.
  int8_t* run_target(int32_t index, int8_t* scratch) { return table ? scratch : out + index; }
  void put_run(int32_t index, const int8_t* values, int32_t n) {
    if (table)
      for (int32_t i = 0; i < n; ++i) out[index + i] = activate_s8(table, values[i]);
  }
#endif
#if defined(__AVX2__)
  void put8(int32_t index, const int8_t* values) {  // depthwise_avx2_s8
    if (table) {
      for (int32_t i = 0; i < 8; ++i) (*this)(index + i, values[i]);
    } else {
      memcpy(out + index, values, 8);
    }
  }
#endif
#if defined(MF_DOT_ARM_MVE)
  // The low byte of each lane (values already clamped to int8), one VSTRB.
  void put4(int32_t index, int32x4_t values) {  // depthwise_blocks_s8
    if (table) {
      int32_t v[4];
      vstrwq_s32(v, values);
      for (int32_t i = 0; i < 4; ++i) (*this)(index + i, static_cast<int8_t>(v[i]));
    } else {
      vstrbq_s32(out + index, values);
    }
  }
#endif
};

// Every output of one image, to sink(index, value); returns the sink.
template <typename Sink>
inline Sink depthwise_image_s8(const DepthwiseConv2DS8Params& p, const int8_t* input, const int8_t* filter,
                               const int32_t* folded_bias, Sink sink) {
  int32_t done = 0;  // leading channels done by the AVX2 blocks of eight
#if defined(__AVX2__)
  done = depthwise_avx2_s8(p, input, filter, folded_bias, sink);
  if (done == p.output_depth) return sink;
#endif
#if defined(MF_DOT_RV32)
  if (depthwise_one_channel_rv32(depthwise_geometry(p), p, input, filter, folded_bias, sink)) return sink;
#endif
  const bool blocks = done == 0 && depthwise_uses_blocks(p);
  if (blocks) {
    const DepthwiseGeometry g = depthwise_geometry(p);
    sink = p.depth_multiplier == 1
               ? depthwise_blocks_s8<DepthwiseBlock::kElementwise>(g, p, input, filter, folded_bias, sink)
               : depthwise_blocks_s8<DepthwiseBlock::kBroadcast>(g, p, input, filter, folded_bias, sink);
  }
  // Channels left over by the blocks (all of them without blocks).
  return depthwise_channels_s8(p, input, filter, folded_bias, blocks ? p.output_depth & ~3 : done, sink);
}

// Output row oy over the held input rows first..first+held, to sink(index within the row,
// value): the same kernel on the short image the held rows form.
template <typename Sink>
inline Sink depthwise_row_s8(const DepthwiseConv2DS8Params& p, const InputRowsParams& rows, int32_t oy,
                             const int8_t* held_rows, int32_t held, int32_t first, const int8_t* filter,
                             const int32_t* folded_bias, Sink sink) {
  DepthwiseConv2DS8Params view = p;
  view.batches = 1;
  view.input_height = held;
  view.output_height = 1;
  view.pad_top = rows_pad_top(rows, oy, first);
  return depthwise_image_s8(view, held_rows, filter, folded_bias, sink);
}

}  // namespace detail

// folded_bias[oc] = bias[oc] - Z_in * sum_{ky,kx} w[0][ky][kx][oc] (compiler-computed).
// filter: flash [1][KH][KW][output_depth]; folded_bias: flash [output_depth].
inline void depthwise_conv_2d_s8(const DepthwiseConv2DS8Params& params, const int8_t* input,
                                 const int8_t* filter, const int32_t* folded_bias, int8_t* output) {
  const auto p = flash_load(params);
  const int32_t image_size = p.input_height * p.input_width * p.input_depth;
  const int32_t output_size = p.output_height * p.output_width * p.output_depth;
  for (int32_t b = 0; b < p.batches; ++b, input += image_size, output += output_size) {
    detail::depthwise_image_s8(p, input, filter, folded_bias, detail::StoreSink{output, p.output_table});
  }
}

// The same layer (one batch) one output row at a time: output row oy is complete before any
// byte of row oy + 1 is written, and it reads only input rows [oy * stride - pad_top, + span)
// clipped to the image. (depthwise_conv_2d_s8 walks the whole image once per block of
// channels, so it reads input rows again after writing every output row.) Input rows above
// the current window are never read again: the compiler places the output `gap` bytes in front
// of an input that dies here, so the output overwrites it as it goes (planner.cpp).
inline void depthwise_conv_2d_by_rows_s8(const DepthwiseConv2DS8Params& params, const int8_t* input,
                                         const int8_t* filter, const int32_t* folded_bias, int8_t* output) {
  const auto p = flash_load(params);
  const int32_t span = (p.filter_height - 1) * p.dilation_height + 1;
  const int32_t row_bytes = p.input_width * p.input_depth;
  DepthwiseConv2DS8Params row = p;
  row.output_height = 1;
  for (int32_t oy = 0; oy < p.output_height; ++oy, output += p.output_width * p.output_depth) {
    const int32_t origin_y = oy * p.stride_height - p.pad_top;
    const int32_t first = origin_y < 0 ? 0 : origin_y < p.input_height ? origin_y : p.input_height;
    const int32_t end = origin_y + span < first ? first : origin_y + span < p.input_height ? origin_y + span : p.input_height;
    row.input_height = end - first;
    row.pad_top = first - origin_y;
    detail::depthwise_image_s8(row, input + first * row_bytes, filter, folded_bias, detail::StoreSink{output, p.output_table});
  }
}

// Streaming form of depthwise_conv_2d_s8 (one batch): `ring` holds params.rows.window_rows
// input rows, `state` kInputRowsStateWords words; the next row goes to input_row_slot().
// Returns true when the row just written completed the output.
inline bool depthwise_conv_2d_input_rows_s8(const DepthwiseConv2DInputRowsS8Params& params, int8_t* ring, int32_t* state,
                                      const int8_t* filter, const int32_t* folded_bias, int8_t* output) {
  struct Kernel {
    const InputRowsParams& rows;
    const DepthwiseConv2DS8Params& p;
    const int8_t* filter;
    const int32_t* folded_bias;
    int8_t* output;
    void begin() {}
    void row(int32_t oy, const int8_t* held_rows, int32_t held, int32_t first) {
      detail::depthwise_row_s8(p, rows, oy, held_rows, held, first, filter, folded_bias,
                               detail::StoreSink{output + oy * p.output_width * p.output_depth, p.output_table});
    }
    void end() {}
  };
  const InputRowsParams rows = flash_load(params.rows);
  const DepthwiseConv2DS8Params p = flash_load(params.depthwise);
  Kernel kernel{rows, p, filter, folded_bias, output};
  return detail::input_rows_push(rows, ring, state, kernel);
}

// int16 input and output, int8 filter: flash [1][KH][KW][output_depth]; bias: flash int64
// [output_depth] or nullptr.
inline void depthwise_conv_2d_s16(const DepthwiseConv2DS16Params& params, const int16_t* input,
                                  const int8_t* filter, const int64_t* bias, int16_t* output) {
  const auto p = flash_load(params);
  detail::for_each_depthwise_output(
      p, input, filter, output, [&](int32_t origin_y, int32_t origin_x, const int16_t* x, const int8_t* w, int32_t oc) {
        const int64_t sum = detail::depthwise_window_fold(
            p, origin_y, origin_x, x, w, static_cast<int64_t>(0),
            [](int64_t t, int8_t wv, int16_t xv) { return t + static_cast<int32_t>(wv) * static_cast<int32_t>(xv); });
        return requantize_s16(sum, bias, oc, flash_read(p.channel_multiplier + oc), flash_read(p.channel_shift + oc),
                              p.act_min, p.act_max);
      });
}

// filter: flash [1][KH][KW][output_depth]; bias: flash [output_depth] or nullptr.
inline void depthwise_conv_2d_f32(const DepthwiseConv2DF32Params& params, const float* input,
                                  const float* filter, const float* bias, float* output) {
  const auto p = flash_load(params);
  detail::for_each_depthwise_output(
      p, input, filter, output, [&](int32_t origin_y, int32_t origin_x, const float* x, const float* w, int32_t oc) {
        const float total = detail::depthwise_window_fold(p, origin_y, origin_x, x, w, 0.f,
                                                          [](float t, float wv, float xv) { return t + xv * wv; });
        const float bias_value = bias != nullptr ? flash_read(bias + oc) : 0.f;
        return clamp_f32(total + bias_value, p.act_min, p.act_max);
      });
}

}  // namespace mf

#endif  // MICROFLOW_DEPTHWISE_CONV_2D_H_
