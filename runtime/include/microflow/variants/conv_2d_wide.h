// CONV_2D with any filter (groups == 1, dilation_width == 1), the variant the compiler picks
// with --optimize=speed on Cortex-M cores with the DSP extension and without Helium: the int8
// weights of all KH * KW * input_depth taps of an output channel form one row of
// fully_connected_wide.h's channel-pair layout (rows = output channels, in blocks of four), so
// each weight word, one SXTB16 and four SMLADs give two channels' sums for two output pixels.
//
// Per pair of output pixels the two windows are copied into a stack buffer (out-of-image taps
// = Z_in, so border pixels run the same loop), group by group of four taps interleaved:
//   [group 0 of pixel a][group 0 of pixel b][group 1 of a][group 1 of b] ... ,
//   then the last K % 4 taps of a, then those of b,
// which pair_block4_x2<4, 8> reads in one pass per block of four channels. The copy is a few
// instructions per tap; the block loop runs it output_depth / 4 times.
// Same arithmetic as conv_2d_packed_s8 (folded bias; exact int32 sums), requantized by
// requantize_channel (the compiler checks every channel's multiplier, shift and accumulator
// bound). Parameters as the packed kernel's (also as a band stage: band_stream.h), but for
// channel_shift (below).
#ifndef MICROFLOW_CONV_2D_WIDE_H_
#define MICROFLOW_CONV_2D_WIDE_H_

#include <stdint.h>
#include <string.h>

#include "microflow/exec/flash.h"
#include "microflow/kernel_util.h"
#include "microflow/kernels/conv_2d.h"
#include "microflow/kernels/conv_2d_packed.h"
#include "microflow/variants/conv_2d_1x1_wide.h"
#include "microflow/variants/fully_connected_wide.h"

namespace mf {

// The most taps (KH * KW * input_depth) of a layer: 2 bytes per tap on the stack (3,072 B). The compiler keeps larger filters on conv_2d_packed_s8 (passes/specialize.cpp, same value).
constexpr int32_t kConvWideMaxTaps = 1536;

// The kernel's channel_shift holds n = -shift - 1 (requantize_channel's), plus this flag on both
// channels of a pair the compiler stored second channel first (its weights fit the halfwords
// only that way round): the pair's two sums come out swapped.
constexpr int32_t kConvWideSwapped = 256;

namespace detail {

// Windows of at most this many taps that are not whole words per filter row, or cross the
// image border, are copied whole first (small first layers: 3x3x3); larger border windows go
// tap by tap.
constexpr int32_t kConvWideFlatTaps = 256;

// The window buffer of layers up to 3x3x64 (1,152 B of stack); larger ones take kConvWideMaxTaps'.
constexpr int32_t kConvWideSmallTaps = 576;

// Pixel n's window (n counts output pixels over batches and rows) into lane `lane` (0: a, 1: b)
// of the interleaved buffer.
inline void conv_wide_window(const Conv2DS8Params& p, const int8_t* input, int32_t n, int32_t lane, int8_t* buffer) {
  const int32_t ox = n % p.output_width, rest = n / p.output_width;
  const int32_t oy = rest % p.output_height, batch = rest / p.output_height;
  const int8_t* image = input + batch * p.input_height * p.input_width * p.input_depth;
  const int32_t origin_y = oy * p.stride_height - p.pad_top, origin_x = ox * p.stride_width - p.pad_left;
  const int32_t row_length = p.filter_width * p.input_depth, taps = p.filter_height * row_length;
  const int32_t grouped = taps / 4 * 4, rest_taps = taps - grouped;
  const bool interior = window_inside(origin_y, p.filter_height, p.dilation_height, p.input_height) &&
                        window_inside(origin_x, p.filter_width, 1, p.input_width);
  if (interior && row_length % 4 == 0) {  // whole words: groups never straddle two filter rows
    int8_t* out = buffer + 4 * lane;
    for (int32_t ky = 0; ky < p.filter_height; ++ky) {
      const int8_t* row = image + ((origin_y + ky * p.dilation_height) * p.input_width + origin_x) * p.input_depth;
      for (int32_t i = 0; i < row_length; i += 4, out += 8) memcpy(out, row + i, 4);
    }
    return;
  }
  int8_t* tail = buffer + 2 * grouped + lane * rest_taps;
  if (taps <= kConvWideFlatTaps) {  // the window as it lies (conv_2d_packed.h's copy), then by words
    int8_t flat[kConvWideFlatTaps];
    conv_border_window(p, image, origin_y, origin_x, flat);
    for (int32_t k = 0; k < grouped; k += 4) memcpy(buffer + 2 * k + 4 * lane, flat + k, 4);
    memcpy(tail, flat + grouped, static_cast<size_t>(rest_taps));
    return;
  }
  const int8_t z = static_cast<int8_t>(p.input_zero_point);
  int32_t k = 0;  // tap index in the window
  for (int32_t ky = 0; ky < p.filter_height; ++ky) {
    const int32_t iy = origin_y + ky * p.dilation_height;
    for (int32_t kx = 0; kx < p.filter_width; ++kx) {
      const int32_t ix = origin_x + kx;
      const bool inside = iy >= 0 && iy < p.input_height && ix >= 0 && ix < p.input_width;
      const int8_t* x = image + (iy * p.input_width + ix) * p.input_depth;
      for (int32_t c = 0; c < p.input_depth; ++c, ++k) {
        const int8_t v = inside ? x[c] : z;
        if (k < grouped) {
          buffer[2 * (k & ~3) + 4 * lane + (k & 3)] = v;
        } else {
          tail[k - grouped] = v;
        }
      }
    }
  }
}

// S and U of both pairs of a block of four channels for both pixels (pair_block4_x2's order).
inline const int32_t* conv_wide_block4(uint32_t* su, const int8_t* buffer, const int32_t* w, int32_t groups) {
#if defined(MF_DOT_ARM_DSP)
  return pair_block4_x2<4, 8>(su, buffer, w, groups);
#else
  uint32_t s[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  for (int32_t g = 0; g < groups; ++g, buffer += 8, w += 4)
    for (int32_t pixel = 0; pixel < 2; ++pixel) {
      const int8_t* x = buffer + 4 * pixel;
      pair_group(s[2 * pixel], s[2 * pixel + 1], w, x[0], x[1], x[2], x[3]);
      pair_group(s[4 + 2 * pixel], s[5 + 2 * pixel], w + 2, x[0], x[1], x[2], x[3]);
    }
  for (int32_t i = 0; i < 8; ++i) su[i] = s[i];
  return w;
#endif
}

// The loop with a window buffer for up to MaxTaps taps (int32 for the block loop's word loads).
// Table: through the folded activation's table (p.output_table, kernel_util.h's activate_s8) as
// each output is stored; a separate instance, so layers without one test nothing per output.
template <int32_t MaxTaps, bool Table>
inline void conv_wide_pixels(const Conv2DS8Params& p, const int8_t* input, const int32_t* filter,
                             const int32_t* folded_bias, int8_t* output) {
  const int32_t taps = p.filter_height * p.filter_width * p.input_depth;
  const int32_t groups = taps / 4, rest_taps = taps % 4;
  int32_t words[(2 * MaxTaps + 3) / 4];
  int8_t* buffer = reinterpret_cast<int8_t*>(words);
  const int8_t* tail_a = buffer + 8 * groups;
  const int8_t* tail_b = tail_a + rest_taps;
  const uint8_t* tails = reinterpret_cast<const uint8_t*>(filter + (p.output_depth / 2) * groups * 2);
  const int32_t pixels = p.batches * p.output_height * p.output_width;
  const int32_t zero_point = p.output_zero_point, act_min = p.act_min, act_max = p.act_max;
  const int8_t* const table = p.output_table;
  for (int32_t n = 0; n < pixels; n += 2) {
    // An odd last pixel runs as both lanes and is stored once.
    const int32_t m = n + 1 < pixels ? n + 1 : n;
    detail::conv_wide_window(p, input, n, 0, buffer);
    detail::conv_wide_window(p, input, m, 1, buffer);
    int8_t* out_a = output + n * p.output_stride;
    int8_t* out_b = output + m * p.output_stride;
    const int32_t* w = filter;
    const uint8_t* t = tails;
    for (int32_t co = 0; co < p.output_depth; co += 4) {
      uint32_t su[8];
      w = detail::conv_wide_block4(su, buffer, w, groups);
      detail::Acc4 a = {0, 0, 0, 0}, b = {0, 0, 0, 0};
      detail::pair_split(a.a0, a.a1, su[0], su[1]);
      detail::pair_split(b.a0, b.a1, su[2], su[3]);
      detail::pair_split(a.a2, a.a3, su[4], su[5]);
      detail::pair_split(b.a2, b.a3, su[6], su[7]);
      if (rest_taps != 0) {
        detail::pair_tail(a.a0, a.a1, tail_a, t, rest_taps), t = detail::pair_tail(b.a0, b.a1, tail_b, t, rest_taps);
        detail::pair_tail(a.a2, a.a3, tail_a, t, rest_taps), t = detail::pair_tail(b.a2, b.a3, tail_b, t, rest_taps);
      }
      const int32_t code0 = flash_read(p.channel_shift + co), code2 = flash_read(p.channel_shift + co + 2);
      const bool swap0 = (code0 & kConvWideSwapped) != 0, swap2 = (code2 & kConvWideSwapped) != 0;
      const int32_t sums_a[4] = {swap0 ? a.a1 : a.a0, swap0 ? a.a0 : a.a1, swap2 ? a.a3 : a.a2, swap2 ? a.a2 : a.a3};
      const int32_t sums_b[4] = {swap0 ? b.a1 : b.a0, swap0 ? b.a0 : b.a1, swap2 ? b.a3 : b.a2, swap2 ? b.a2 : b.a3};
      for (int32_t j = 0; j < 4; ++j) {
        const int32_t c = co + j, bias = flash_read(folded_bias + c);
        const int32_t multiplier = flash_read(p.channel_multiplier + c);
        const int32_t n = flash_read(p.channel_shift + c) & (kConvWideSwapped - 1);
        const int8_t vb = detail::requantize_channel(bias + sums_b[j], multiplier, n, zero_point, act_min, act_max);
        const int8_t va = detail::requantize_channel(bias + sums_a[j], multiplier, n, zero_point, act_min, act_max);
        out_b[c] = Table ? flash_read(table + static_cast<uint8_t>(vb)) : vb;
        out_a[c] = Table ? flash_read(table + static_cast<uint8_t>(va)) : va;
      }
    }
  }
}

}  // namespace detail

// The loop on parameters already in RAM (band_stream.h passes one band's). filter: the
// channel-pair words of the K-tap rows (output_depth a multiple of 4); folded_bias as the
// packed kernel's; multipliers in requantize_channel's range, channel_shift its n and the
// kConvWideSwapped flags.
// Windows up to kConvWideSmallTaps taps take the smaller stack buffer.
inline void conv_2d_wide_rows_s8(const Conv2DS8Params& p, const int8_t* input, const int32_t* filter,
                                 const int32_t* folded_bias, int8_t* output) {
  const bool small = p.filter_height * p.filter_width * p.input_depth <= detail::kConvWideSmallTaps;
  if (p.output_table != nullptr) {
    if (small) detail::conv_wide_pixels<detail::kConvWideSmallTaps, true>(p, input, filter, folded_bias, output);
    else detail::conv_wide_pixels<kConvWideMaxTaps, true>(p, input, filter, folded_bias, output);
  } else {
    if (small) detail::conv_wide_pixels<detail::kConvWideSmallTaps, false>(p, input, filter, folded_bias, output);
    else detail::conv_wide_pixels<kConvWideMaxTaps, false>(p, input, filter, folded_bias, output);
  }
}

// filter: flash, fully_connected_wide.h's channel pairs over each channel's
// KH * KW * input_depth taps (the TFLite filter's [output_depth][KH][KW][input_depth] rows).
inline void conv_2d_s8_wide(const Conv2DS8Params& params, const int8_t* input, const int32_t* filter,
                            const int32_t* folded_bias, int8_t* output) {
  conv_2d_wide_rows_s8(flash_load(params), input, filter, folded_bias, output);
}

}  // namespace mf

#endif  // MICROFLOW_CONV_2D_WIDE_H_
