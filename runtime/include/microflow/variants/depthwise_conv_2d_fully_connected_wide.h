// DEPTHWISE_CONV_2D feeding FULLY_CONNECTED, the variant the compiler picks with --optimize=speed
// on Cortex-M for a one-channel input (output channels = depth multiplier, a multiple of 4) at
// dilation 1: the keyword-spotting front layer (micro_speech: 49x40 spectrogram, 10x8 filter,
// 8 channels). Everything model-dependent is decided by the compiler:
//   - the filter as int16 tap pairs in the order the SMLAD loop reads them (layout below);
//   - the window's rows padded to a multiple of 4 taps with zero weights;
//   - per-channel (multiplier, -shift - 1) pairs, in requantize_channel's range;
//   - sizes, zero points and activation bounds as template arguments.
// The KH input rows one output row reads are copied into a stack buffer whose padding columns
// and out-of-image rows hold Z_in, so every output pixel, border or not, runs the same
// unbranched window loop: an out-of-image tap counts as x == Z_in, which cancels the Z_in the
// compiler folded into the bias, TFLM's "skip" exactly. Each depthwise output is requantized as
// the separate kernel would and multiplied at once into the fully-connected sums (int8 weights
// as lowered), so the intermediate tensor is never stored and the result stays bit-exact.
// On Arm DSP each group of four taps of four channels is one LDR of inputs, two SXTB16, two
// LDMs of weights and eight SMLADs: 13 instructions for 16 MACs.
//
// Filter layout (int32 words, compiler: specialize.cpp), taps padded per row to KWP = KW
// rounded up to 4: blocks of four output channels, for each block, for each filter row ky,
// for each group of four taps kx = 4g..4g+3, per channel j of the block
//   (w[ky][4g][j], w[ky][4g+2][j]) and (w[ky][4g+1][j], w[ky][4g+3][j]) as int16 pairs (low
//   half first): the even and odd halves SXTB16 makes of four inputs.
#ifndef MICROFLOW_DEPTHWISE_CONV_2D_FULLY_CONNECTED_WIDE_H_
#define MICROFLOW_DEPTHWISE_CONV_2D_FULLY_CONNECTED_WIDE_H_

#include <stdint.h>
#include <string.h>

#include "microflow/variants/conv_2d_1x1_wide.h"
#include "microflow/arch/dot_s8.h"
#include "microflow/exec/flash.h"
#include "microflow/kernel_util.h"

namespace mf {

template <int32_t InputHeight, int32_t InputWidth, int32_t OutputHeight, int32_t OutputWidth, int32_t Channels,
          int32_t FilterHeight, int32_t FilterWidth, int32_t StrideHeight, int32_t StrideWidth, int32_t PadTop,
          int32_t PadLeft, int32_t InputZeroPoint, int32_t OutputZeroPoint, int32_t ActMin, int32_t ActMax,
          int32_t Units, int32_t WeightsZeroPoint, int32_t FcOutputZeroPoint, int32_t FcActMin, int32_t FcActMax>
struct DepthwiseConv2DFullyConnectedS8WideConstants {
  static constexpr int32_t input_height = InputHeight, input_width = InputWidth;
  static constexpr int32_t output_height = OutputHeight, output_width = OutputWidth, channels = Channels;
  static constexpr int32_t filter_height = FilterHeight, filter_width = FilterWidth;
  static constexpr int32_t stride_height = StrideHeight, stride_width = StrideWidth;
  static constexpr int32_t pad_top = PadTop, pad_left = PadLeft;
  static constexpr int32_t input_zero_point = InputZeroPoint, output_zero_point = OutputZeroPoint;
  static constexpr int32_t act_min = ActMin, act_max = ActMax;
  static constexpr int32_t units = Units, weights_zero_point = WeightsZeroPoint;
  static constexpr int32_t fc_output_zero_point = FcOutputZeroPoint, fc_act_min = FcActMin, fc_act_max = FcActMax;
  // Taps per filter row as stored (zero weights past filter_width), in groups of four.
  static constexpr int32_t row_taps = (FilterWidth + 3) / 4 * 4, groups = row_taps / 4;
  // Row buffer width: every window of an output row, padding included (column b = image
  // column b - pad_left).
  static constexpr int32_t buffer_width = (OutputWidth - 1) * StrideWidth + row_taps;
  // Image columns a window can reach (a VALID layer may leave the last ones unread).
  static constexpr int32_t copy_width =
      InputWidth < buffer_width - PadLeft ? InputWidth : buffer_width - PadLeft;
  static constexpr int32_t block_words = FilterHeight * groups * 8;  // filter words per 4 channels
  static constexpr int32_t depth = OutputHeight * OutputWidth * Channels;  // of the fully-connected layer
};

namespace detail {

#if defined(MF_DOT_ARM_DSP)

// Four taps x[0..3] of four channels: a<j> += (even, odd pairs of x) . (w[2j], w[2j+1]);
// x advances by 4, w by 8 words. In assembly for the two LDMs that fetch the eight weight
// words (GCC issues one load per word and runs out of registers for the accumulators).
MF_ALWAYS_INLINE void dw_wide_group4(int32_t& a0, int32_t& a1, int32_t& a2, int32_t& a3, const int8_t*& x,
                                     const int32_t*& w) {
  register int32_t w0 __asm__("r0");
  register int32_t w1 __asm__("r1");
  register int32_t w2 __asm__("r2");
  register int32_t w3 __asm__("r3");
  int32_t v, even;
  __asm__(
      "ldr %[v], [%[x]], #4\n\t"
      "sxtb16 %[e], %[v]\n\t"
      "sxtb16 %[v], %[v], ror #8\n\t"
      "ldmia %[w]!, {%[w0], %[w1], %[w2], %[w3]}\n\t"
      "smlad %[a0], %[w0], %[e], %[a0]\n\t"
      "smlad %[a0], %[w1], %[v], %[a0]\n\t"
      "smlad %[a1], %[w2], %[e], %[a1]\n\t"
      "smlad %[a1], %[w3], %[v], %[a1]\n\t"
      "ldmia %[w]!, {%[w0], %[w1], %[w2], %[w3]}\n\t"
      "smlad %[a2], %[w0], %[e], %[a2]\n\t"
      "smlad %[a2], %[w1], %[v], %[a2]\n\t"
      "smlad %[a3], %[w2], %[e], %[a3]\n\t"
      "smlad %[a3], %[w3], %[v], %[a3]"
      : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [x] "+r"(x), [w] "+r"(w), [v] "=&r"(v),
        [e] "=&r"(even), [w0] "=&r"(w0), [w1] "=&r"(w1), [w2] "=&r"(w2), [w3] "=&r"(w3)
      :
      : "memory");
}

// acc.a<j> += the window at x (rows buffer_width apart) times the block's filter w.
template <typename C>
MF_ALWAYS_INLINE void dw_wide_window4(Acc4& acc, const int8_t* x, const int32_t* w) {
  int32_t a0 = acc.a0, a1 = acc.a1, a2 = acc.a2, a3 = acc.a3;
#pragma GCC unroll 16
  for (int32_t ky = 0; ky < C::filter_height; ++ky) {
#pragma GCC unroll 4
    for (int32_t g = 0; g < C::groups; ++g) dw_wide_group4(a0, a1, a2, a3, x, w);
    x += C::buffer_width - C::row_taps;
  }
  acc.a0 = a0, acc.a1 = a1, acc.a2 = a2, acc.a3 = a3;
}

// sums[u] += the four depthwise outputs v (int8 values) times fully-connected weights
// w[u][0..3] (flash, rows depth apart); input_sum += their sum when Z_w needs it.
template <typename C>
MF_ALWAYS_INLINE void fc_wide_sink4(int32_t* sums, int32_t& input_sum, const int8_t* w, int32_t v0, int32_t v1,
                                    int32_t v2, int32_t v3) {
  const int32_t even = pack_halves(v0, v2), odd = pack_halves(v1, v3);
  if (C::weights_zero_point != 0) input_sum = __smlad(even, 0x00010001, __smlad(odd, 0x00010001, input_sum));
#pragma GCC unroll 8
  for (int32_t u = 0; u < C::units; ++u, w += C::depth) {
    const int32_t wv = flash_s8x4(w);
    sums[u] = __smlad(sxtb16_ror8(wv), odd, __smlad(__sxtb16(wv), even, sums[u]));
  }
}

#else

// Plain C over the same layout, read as int16 through flash.h.
template <typename C>
inline void dw_wide_window4(Acc4& acc, const int8_t* x, const int32_t* words) {
  const int16_t* w = reinterpret_cast<const int16_t*>(words);
  for (int32_t ky = 0; ky < C::filter_height; ++ky) {
    for (int32_t g = 0; g < C::groups; ++g, w += 16) {
      const int8_t* t = x + ky * C::buffer_width + 4 * g;
      const int32_t x0 = t[0], x1 = t[1], x2 = t[2], x3 = t[3];
      acc.a0 += flash_read(w) * x0 + flash_read(w + 1) * x2 + flash_read(w + 2) * x1 + flash_read(w + 3) * x3;
      acc.a1 += flash_read(w + 4) * x0 + flash_read(w + 5) * x2 + flash_read(w + 6) * x1 + flash_read(w + 7) * x3;
      acc.a2 += flash_read(w + 8) * x0 + flash_read(w + 9) * x2 + flash_read(w + 10) * x1 + flash_read(w + 11) * x3;
      acc.a3 += flash_read(w + 12) * x0 + flash_read(w + 13) * x2 + flash_read(w + 14) * x1 + flash_read(w + 15) * x3;
    }
  }
}

template <typename C>
inline void fc_wide_sink4(int32_t* sums, int32_t& input_sum, const int8_t* w, int32_t v0, int32_t v1, int32_t v2,
                          int32_t v3) {
  if (C::weights_zero_point != 0) input_sum += v0 + v1 + v2 + v3;
  for (int32_t u = 0; u < C::units; ++u, w += C::depth)
    sums[u] += flash_read(w) * v0 + flash_read(w + 1) * v1 + flash_read(w + 2) * v2 + flash_read(w + 3) * v3;
}

#endif

}  // namespace detail

// dw_weights: the layout above; dw_folded_bias[c] = bias[c] - Z_in * sum of channel c's taps;
// dw_requant: flash [channels][2] = (multiplier, -shift - 1); fc_weights: flash [units][depth]
// int8 (depth = the depthwise output size, NHWC order); fc_folded_bias and fc_requant
// [units][2] = (multiplier, shift) as the generic fused kernel's; accumulators: RAM scratch of
// `units` int32. C: DepthwiseConv2DFullyConnectedS8WideConstants<...>.
template <typename C>
inline void depthwise_conv_2d_fully_connected_s8_wide_fixed(const int8_t* input, const int32_t* dw_weights,
                                                            const int32_t* dw_folded_bias, const int32_t* dw_requant,
                                                            const int8_t* fc_weights, const int32_t* fc_folded_bias,
                                                            const int32_t* fc_requant, int32_t* accumulators,
                                                            int8_t* output) {
  static_assert(C::channels % 4 == 0, "depthwise_conv_2d_fully_connected_s8_wide_fixed: channels in fours");
  constexpr int32_t kRowsBytes = C::filter_height * C::buffer_width;
  int32_t rows_words[(kRowsBytes + 3) / 4];  // word-aligned for the loads of four taps
  int8_t* const rows = reinterpret_cast<int8_t*>(rows_words);
  memset(rows, C::input_zero_point, kRowsBytes);
  for (int32_t u = 0; u < C::units; ++u) accumulators[u] = flash_read(fc_folded_bias + u);
  int32_t input_sum = 0;
  const int8_t* fc_w = fc_weights;
  for (int32_t oy = 0; oy < C::output_height; ++oy) {
    // The window rows of this output row; padding columns stay Z_in from the memset.
    for (int32_t ky = 0; ky < C::filter_height; ++ky) {
      const int32_t iy = oy * C::stride_height - C::pad_top + ky;
      int8_t* dst = rows + ky * C::buffer_width + C::pad_left;
      if (iy >= 0 && iy < C::input_height)
        memcpy(dst, input + iy * C::input_width, C::copy_width);
      else
        memset(dst, C::input_zero_point, C::copy_width);
    }
    const int8_t* x = rows;
    for (int32_t ox = 0; ox < C::output_width; ++ox, x += C::stride_width) {
      const int32_t* w = dw_weights;
      const int32_t* bias = dw_folded_bias;
      const int32_t* rq = dw_requant;
      for (int32_t b = 0; b < C::channels / 4; ++b, w += C::block_words, bias += 4, rq += 8, fc_w += 4) {
        detail::Acc4 acc = {flash_read(bias), flash_read(bias + 1), flash_read(bias + 2), flash_read(bias + 3)};
        detail::dw_wide_window4<C>(acc, x, w);
        const int32_t v0 = detail::requantize_channel_s32(acc.a0, flash_read(rq), flash_read(rq + 1),
                                                          C::output_zero_point, C::act_min, C::act_max);
        const int32_t v1 = detail::requantize_channel_s32(acc.a1, flash_read(rq + 2), flash_read(rq + 3),
                                                          C::output_zero_point, C::act_min, C::act_max);
        const int32_t v2 = detail::requantize_channel_s32(acc.a2, flash_read(rq + 4), flash_read(rq + 5),
                                                          C::output_zero_point, C::act_min, C::act_max);
        const int32_t v3 = detail::requantize_channel_s32(acc.a3, flash_read(rq + 6), flash_read(rq + 7),
                                                          C::output_zero_point, C::act_min, C::act_max);
        detail::fc_wide_sink4<C>(accumulators, input_sum, fc_w, v0, v1, v2, v3);
      }
    }
  }
  for (int32_t u = 0; u < C::units; ++u)
    output[u] = requantize_to_s8(accumulators[u] - C::weights_zero_point * input_sum, flash_read(fc_requant + 2 * u),
                                 flash_read(fc_requant + 2 * u + 1), C::fc_output_zero_point, C::fc_act_min,
                                 C::fc_act_max);
}

}  // namespace mf

#endif  // MICROFLOW_DEPTHWISE_CONV_2D_FULLY_CONNECTED_WIDE_H_
