// CONV_2D on a packed filter (dot_s8.h): one input pixel against four output channels at a
// time, so each input value is loaded once per four channels and the inner loop is the
// target's int8 SIMD. Same arithmetic as conv_2d_s8 (folded bias, out-of-image taps = Z_in);
// the compiler picks these for groups == 1 and dilation_width == 1.
#ifndef MICROFLOW_CONV_2D_PACKED_H_
#define MICROFLOW_CONV_2D_PACKED_H_

#include <stdint.h>
#include <string.h>

#include "microflow/kernels/conv_2d.h"
#include "microflow/arch/dot_s8.h"
#include "microflow/exec/flash.h"
#include "microflow/kernel_util.h"

#if defined(MF_DOT_SSE2)
#include "microflow/variants/conv_2d_1x1_sse2.h"
#endif
#if defined(__AVX2__)
#include "microflow/variants/conv_2d_avx2.h"
#endif

namespace mf {
namespace detail {

// Requantizes the sums of channels co..co+count-1 (count <= 4) into out.
inline void store_block4(const Conv2DS8Params& p, const detail::Block4Acc& acc, const int32_t* folded_bias,
                         int32_t co, int32_t count, int8_t* out) {
  int32_t sums[4];
  block4_sums(acc, sums);
  for (int32_t j = 0; j < count; ++j) {
    out[j] = activate_s8(p.output_table, requantize_to_s8(sums[j] + flash_read(folded_bias + co + j),
                                                          flash_read(p.channel_multiplier + co + j),
                                                          flash_read(p.channel_shift + co + j), p.output_zero_point,
                                                          p.act_min, p.act_max));
  }
}

#if defined(MF_DOT_RV32) || defined(MF_DOT_XTENSA)
// Pixels per pass of conv_1x1_blocks_scalar: RV32 takes them in threes (every weight load
// serving three), Xtensa, with 16 registers, one at a time.
#if defined(MF_DOT_RV32)
constexpr int32_t kConv1x1ScalarPixels = 3;
#else
constexpr int32_t kConv1x1ScalarPixels = 1;
#endif

// The 1x1 loop of the scalar cores in tiles of `tile` pixels (all of them, or a multiple of
// kConv1x1ScalarPixels), channel blocks outermost within a tile: a block's bias and
// requantization constants are read and prepared once for all the tile's pixels. A tile's
// first block writes its pixels before its last block reads them, so a caller whose output
// overlaps the input passes tiles short enough to stay behind the reads
// (conv_1x1_safe_tile). On RV32 a last pair goes through block4_dot_x2. Returns the pixels
// done (on RV32 all but an odd last one).
inline int32_t conv_1x1_blocks_scalar(const Conv2DS8Params& p, const int8_t* input, const int8_t* filter,
                                      const int32_t* folded_bias, int8_t* output, int32_t tile) {
  const int32_t depth = p.input_depth, pixels = p.batches * p.output_height * p.output_width;
#if defined(MF_DOT_RV32)
  const int32_t triples_end = pixels - pixels % 3;
  const int32_t done = pixels % 3 == 2 ? pixels : triples_end;
#else
  const int32_t done = pixels;
#endif
  const bool contiguous = p.stride_height == 1 && p.stride_width == 1;  // then pixel n is input + n * depth
  const auto pixel_input = [&](int32_t n) {
    if (contiguous) return input + n * depth;
    const int32_t ox = n % p.output_width, rest = n / p.output_width;
    const int32_t oy = rest % p.output_height, b = rest / p.output_height;
    return input + ((b * p.input_height + oy * p.stride_height) * p.input_width + ox * p.stride_width) * depth;
  };
  const int32_t zero_point = p.output_zero_point, act_min = p.act_min, act_max = p.act_max;
  const int8_t* table = p.output_table;
  for (int32_t tile_begin = 0; tile_begin < done; tile_begin += tile) {
    const int32_t tile_end = done - tile_begin < tile ? done : tile_begin + tile;
    const int8_t* w = filter;
    for (int32_t co = 0; co < p.output_depth; co += 4, w += 4 * depth) {
      const int32_t count = p.output_depth - co < 4 ? p.output_depth - co : 4;
      int32_t bias[4] = {0, 0, 0, 0}, multiplier[4] = {0, 0, 0, 0}, shift[4] = {0, 0, 0, 0};
      Q31Channel q31[4];
      bool all_q31 = count == 4;
      for (int32_t j = 0; j < 4; ++j) {
        if (j < count) {
          bias[j] = flash_read(folded_bias + co + j);
          multiplier[j] = flash_read(p.channel_multiplier + co + j), shift[j] = flash_read(p.channel_shift + co + j);
          all_q31 = all_q31 && is_q31_requantization(multiplier[j], shift[j]);
        }
        q31[j] = make_q31_channel(multiplier[j], shift[j]);
      }
      const auto store = [&](const detail::Block4Acc& acc, int32_t n) __attribute__((always_inline)) {
        int8_t* out = output + n * p.output_stride + co;
        const int32_t sums[4] = {acc.a0, acc.a1, acc.a2, acc.a3};
        if (all_q31) {
#pragma GCC unroll 4
          for (int32_t j = 0; j < 4; ++j)
            out[j] = activate_s8(table, clamp_to_s8(requantize_q31(sums[j], q31[j], zero_point), act_min, act_max));
        } else {
          for (int32_t j = 0; j < count; ++j)
            out[j] =
                activate_s8(table, requantize_to_s8(sums[j], multiplier[j], shift[j], zero_point, act_min, act_max));
        }
      };
      const detail::Block4Acc start = {bias[0], bias[1], bias[2], bias[3]};
#if defined(MF_DOT_XTENSA)
      for (int32_t n = tile_begin; n < tile_end; ++n) {
        detail::Block4Acc acc = start;
        detail::block4_dot(acc, pixel_input(n), w, depth);
        store(acc, n);
      }
#else
      int32_t n = tile_begin;
      for (; n + 3 <= tile_end; n += 3) {
        detail::Block4Acc acc_x = start, acc_y = start, acc_z = start;
        detail::block4_dot_x3(acc_x, acc_y, acc_z, pixel_input(n), pixel_input(n + 1), pixel_input(n + 2), w, depth);
        store(acc_x, n), store(acc_y, n + 1), store(acc_z, n + 2);
      }
      if (n < tile_end) {  // the last pair (tile_end == done)
        detail::Block4Acc acc_x = start, acc_y = start;
        detail::block4_dot_x2(acc_x, acc_y, pixel_input(n), pixel_input(n + 1), w, depth);
        store(acc_x, n), store(acc_y, n + 1);
      }
#endif
    }
  }
  return done;
}

// The longest tile of conv_1x1_blocks_scalar that never writes input it has still to read,
// 0 if none. Input pixel n is at input + n * depth, output pixel n at output + n * stride
// (stride <= depth, so the gap between them only grows): the tile [n, n + T) writes up to
// output + (n + T - 1) * stride + output_depth and reads from input + n * depth.
inline int32_t conv_1x1_safe_tile(const Conv2DS8Params& p, const int8_t* input, const int8_t* output) {
  const int32_t pixels = p.batches * p.output_height * p.output_width;
  const intptr_t in_begin = reinterpret_cast<intptr_t>(input), out_begin = reinterpret_cast<intptr_t>(output);
  const intptr_t in_end = in_begin + static_cast<intptr_t>(p.batches * p.input_height * p.input_width * p.input_depth);
  const intptr_t out_end = out_begin + static_cast<intptr_t>(pixels * p.output_stride);
  if (out_end <= in_begin || in_end <= out_begin) return pixels;  // no overlap
  const bool contiguous = p.stride_height == 1 && p.stride_width == 1;
  const intptr_t gap = in_begin - out_begin;
  if (!contiguous || p.output_stride > p.input_depth || gap < p.output_depth) return 0;
  const int32_t tile = static_cast<int32_t>((gap - p.output_depth) / p.output_stride) + 1;
  return tile - tile % kConv1x1ScalarPixels;
}
#endif

// Row buffer for window rows that cross the image border: out-of-image values are Z_in.
// A multiple of 8 (whole chunks); small on AVR, whose stack shares 2 KB with everything.
#if defined(__AVR__)
constexpr int32_t kConvRowSegment = 32;
#else
constexpr int32_t kConvRowSegment = 256;
#endif

// Adds filter row `ky` of a window that is not fully inside the image, in segments of
// whole chunks copied into a buffer with Z_in where the window leaves the image.
inline void conv_border_row(const Conv2DS8Params& p, detail::Block4Acc& acc, const int8_t* image, int32_t iy,
                            int32_t origin_x, const int8_t* w_row) {
  const int32_t row_length = p.filter_width * p.input_depth;
  // Values [valid_begin, valid_end) of the window row lie inside the image.
  const bool row_inside = iy >= 0 && iy < p.input_height;
  int32_t valid_begin = origin_x < 0 ? -origin_x * p.input_depth : 0;
  int32_t valid_end = (p.input_width - origin_x) * p.input_depth;
  if (valid_end > row_length) valid_end = row_length;
  if (!row_inside || valid_end < valid_begin) valid_end = valid_begin;
  const int32_t row_offset = (iy * p.input_width + origin_x) * p.input_depth;
  int8_t buffer[kConvRowSegment];
  for (int32_t begin = 0; begin < row_length; begin += kConvRowSegment) {
    const int32_t length = row_length - begin < kConvRowSegment ? row_length - begin : kConvRowSegment;
    for (int32_t i = 0; i < length; ++i) {
      const int32_t l = begin + i;
      buffer[i] = l >= valid_begin && l < valid_end ? image[row_offset + l] : static_cast<int8_t>(p.input_zero_point);
    }
    block4_dot(acc, buffer, w_row + 4 * begin, length);
  }
}

// A border window small enough for the stack is copied once per output pixel, its rows as
// they lie in the image (Z_in outside it), and every channel block then reads the copy as it
// reads an interior window: PAD folded into a convolution costs a copy per border pixel, not
// a per-value test per channel block and row (conv_border_row, the fallback for wide windows).
#if defined(__AVR__)
constexpr int32_t kConvWindowBuffer = 64;
#else
constexpr int32_t kConvWindowBuffer = 512;
#endif

inline void conv_border_window(const Conv2DS8Params& p, const int8_t* image, int32_t origin_y, int32_t origin_x,
                               int8_t* window) {
  const int32_t row_length = p.filter_width * p.input_depth;
  const int8_t z = static_cast<int8_t>(p.input_zero_point);
  const int32_t first = origin_x < 0 ? -origin_x : 0;  // in-image columns [first, last)
  int32_t last = p.input_width - origin_x;
  if (last > p.filter_width) last = p.filter_width;
  if (last < first) last = first;
  for (int32_t ky = 0; ky < p.filter_height; ++ky, window += row_length) {
    const int32_t iy = origin_y + ky * p.dilation_height;
    if (iy < 0 || iy >= p.input_height || last == first) {
      memset(window, z, static_cast<size_t>(row_length));
      continue;
    }
    memset(window, z, static_cast<size_t>(first * p.input_depth));
    memcpy(window + first * p.input_depth, image + (iy * p.input_width + origin_x + first) * p.input_depth,
           static_cast<size_t>((last - first) * p.input_depth));
    memset(window + last * p.input_depth, z, static_cast<size_t>((p.filter_width - last) * p.input_depth));
  }
}

}  // namespace detail

// The loop of conv_2d_1x1_s8 on parameters already in RAM (band_stream.h passes one band's).
// Writes pixel n only after reading pixel n's input (four pixels at a time with SSE2): a band
// stage in place (band_stream.h) writes its output row over its own input row, a few pixels
// behind. On RV32 and Xtensa channel blocks are outermost within tiles of pixels
// (conv_1x1_blocks_scalar), which writes a tile's first block before its last block reads the
// tile: where the output overlaps the input the tiles are as short as conv_1x1_safe_tile says.
inline void conv_2d_1x1_rows_s8(const Conv2DS8Params& p, const int8_t* input, const int32_t* filter,
                                const int32_t* folded_bias, int8_t* output) {
#if defined(__AVX2__)
  if (detail::conv_packed_avx2(p, input, reinterpret_cast<const int8_t*>(filter), folded_bias, output)) return;
#endif
  const int32_t depth = p.input_depth;
  int32_t pixel = 0;  // output pixels done by the four-pixel path
#if defined(MF_DOT_SSE2)
  if (depth <= detail::kConv1x1MaxDepth) {
    const int32_t pixels = p.batches * p.output_height * p.output_width;
    for (; pixel + 4 <= pixels; pixel += 4) {
      const int8_t* x[4];
      int8_t* out[4];
      for (int32_t i = 0; i < 4; ++i) {
        const int32_t n = pixel + i, ox = n % p.output_width, rest = n / p.output_width;
        const int32_t oy = rest % p.output_height, b = rest / p.output_height;
        x[i] = input + ((b * p.input_height + oy * p.stride_height) * p.input_width + ox * p.stride_width) * depth;
        out[i] = output + n * p.output_stride;
      }
      detail::conv_1x1_pixels4(p, x, reinterpret_cast<const int8_t*>(filter), folded_bias, out);
    }
    output += pixel * p.output_stride;
  }
#elif defined(MF_DOT_RV32) || defined(MF_DOT_XTENSA)
  const int32_t tile = detail::conv_1x1_safe_tile(p, input, output);
  if (tile > 0) {
    pixel = detail::conv_1x1_blocks_scalar(p, input, reinterpret_cast<const int8_t*>(filter), folded_bias, output,
                                           tile);
    output += pixel * p.output_stride;
  }
#endif
  for (int32_t b = 0; b < p.batches; ++b) {
    for (int32_t oy = 0; oy < p.output_height; ++oy) {
      const int8_t* x = input + ((b * p.input_height + oy * p.stride_height) * p.input_width) * depth;
      for (int32_t ox = 0; ox < p.output_width; ++ox, x += p.stride_width * depth) {
        if (pixel > 0) {  // done above
          --pixel;
          continue;
        }
        const int8_t* w = reinterpret_cast<const int8_t*>(filter);
        for (int32_t co = 0; co < p.output_depth; co += 4, w += 4 * depth) {
          detail::Block4Acc acc;
          detail::block4_init(acc);
          detail::block4_dot(acc, x, w, depth);
          const int32_t count = p.output_depth - co < 4 ? p.output_depth - co : 4;
          detail::store_block4(p, acc, folded_bias, co, count, output + co);
        }
        output += p.output_stride;
      }
    }
  }
}

// The loop of conv_2d_packed_s8 on parameters already in RAM.
inline void conv_2d_packed_rows_s8(const Conv2DS8Params& p, const int8_t* input, const int32_t* filter,
                                   const int32_t* folded_bias, int8_t* output) {
#if defined(__AVX2__)
  if (detail::conv_packed_avx2(p, input, reinterpret_cast<const int8_t*>(filter), folded_bias, output)) return;
#endif
  const int32_t row_length = p.filter_width * p.input_depth;
  const int32_t row_stride = p.input_width * p.input_depth;
  const int32_t image_size = p.input_height * row_stride;
  const bool window_fits = p.filter_height * row_length <= detail::kConvWindowBuffer;
  int8_t window[detail::kConvWindowBuffer];
  for (int32_t b = 0; b < p.batches; ++b, input += image_size) {
    for (int32_t oy = 0; oy < p.output_height; ++oy) {
      const int32_t origin_y = oy * p.stride_height - p.pad_top;
      const bool rows_inside = window_inside(origin_y, p.filter_height, p.dilation_height, p.input_height);
      for (int32_t ox = 0; ox < p.output_width; ++ox) {
        const int32_t origin_x = ox * p.stride_width - p.pad_left;
        const bool interior = rows_inside && window_inside(origin_x, p.filter_width, 1, p.input_width);
        // Where the rows are read: the image, or the window's copy (row stride row_length).
        const int8_t* rows = window;
        int32_t rows_stride = row_length;
        const bool copied = !interior && window_fits;
        if (interior) {
          rows = input + origin_y * row_stride + origin_x * p.input_depth;
          rows_stride = p.dilation_height * row_stride;
        } else if (copied) {
          detail::conv_border_window(p, input, origin_y, origin_x, window);
        }
        const int8_t* w = reinterpret_cast<const int8_t*>(filter);
        for (int32_t co = 0; co < p.output_depth; co += 4) {
          detail::Block4Acc acc;
          detail::block4_init(acc);
          for (int32_t ky = 0; ky < p.filter_height; ++ky, w += 4 * row_length) {
            if (interior || copied) {
              detail::block4_dot(acc, rows + ky * rows_stride, w, row_length);
            } else {
              detail::conv_border_row(p, acc, input, origin_y + ky * p.dilation_height, origin_x, w);
            }
          }
          const int32_t count = p.output_depth - co < 4 ? p.output_depth - co : 4;
          detail::store_block4(p, acc, folded_bias, co, count, output + co);
        }
        output += p.output_stride;
      }
    }
  }
}

// 1x1 filter (never padded): every output pixel is one input pixel times the filter matrix.
// filter: flash, packed [ceil(output_depth/4)] blocks of one row of input_depth values.
inline void conv_2d_1x1_s8(const Conv2DS8Params& params, const int8_t* input, const int32_t* filter,
                           const int32_t* folded_bias, int8_t* output) {
  conv_2d_1x1_rows_s8(flash_load(params), input, filter, folded_bias, output);
}

// Any filter size, stride, padding and dilation_height (groups == 1, dilation_width == 1).
// filter: flash, packed [ceil(output_depth/4)] blocks of filter_height rows of
// filter_width * input_depth values.
inline void conv_2d_packed_s8(const Conv2DS8Params& params, const int8_t* input, const int32_t* filter,
                              const int32_t* folded_bias, int8_t* output) {
  conv_2d_packed_rows_s8(flash_load(params), input, filter, folded_bias, output);
}

}  // namespace mf

#endif  // MICROFLOW_CONV_2D_PACKED_H_
