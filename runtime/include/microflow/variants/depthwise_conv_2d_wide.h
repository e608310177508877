// DEPTHWISE_CONV_2D with a 3x3 filter and stride 1 or 2, depth multiplier 1 or every output
// channel from one input channel (person_detect's first layer), the variant the compiler picks
// with --optimize=speed on Cortex-M cores with the DSP extension (not Helium): the layer's
// sizes, padding, zero points and activation are template arguments, so every tap offset is
// an immediate. One output row per call (band stages call it per row; the whole layer is its
// rows in order, so it can write over its input with a row gap, as
// depthwise_conv_2d_by_rows_s8). The window rows go to a stack strip per block of four channels
// (once per row with one input channel) whose out-of-image pixels hold Z_in (the folded bias
// assumes them), so every window, border or not, is the same interior block. Per block the
// nine int8 filter words (TFLite's [3][3][depth] layout, unchanged) are sign-extended once into
// channel pairs; each pixel is then one assembly block of nine taps (LDR + LDRD + 2 SXTB16 +
// 4 SMLAxy, or with one input channel LDRSB + LDRD + 4 SMLABx). Requantization: the compiler's
// (multiplier, -shift - 1) pairs through requantize_channel (|acc| < 2^30 checked by the compiler).
#ifndef MICROFLOW_DEPTHWISE_CONV_2D_WIDE_H_
#define MICROFLOW_DEPTHWISE_CONV_2D_WIDE_H_

#include <stdint.h>
#include <string.h>

#include "microflow/arch/dot_s8.h"
#include "microflow/exec/flash.h"
#include "microflow/kernel_util.h"
#include "microflow/variants/conv_2d_1x1_wide.h"

namespace mf {

// InputDepth: Depth (depth multiplier 1) or 1 (every output channel reads the one input channel).
template <int32_t InputHeight, int32_t InputWidth, int32_t InputDepth, int32_t Depth, int32_t OutputHeight,
          int32_t OutputWidth, int32_t Stride, int32_t PadTop, int32_t PadLeft, int32_t InputZeroPoint,
          int32_t OutputZeroPoint, int32_t ActMin, int32_t ActMax>
struct DepthwiseConv2DS8WideConstants {
  static constexpr int32_t input_height = InputHeight, input_width = InputWidth, input_depth = InputDepth;
  static constexpr int32_t depth = Depth;
  static constexpr int32_t output_height = OutputHeight, output_width = OutputWidth, stride = Stride;
  static constexpr int32_t pad_top = PadTop, pad_left = PadLeft, input_zero_point = InputZeroPoint;
  static constexpr int32_t output_zero_point = OutputZeroPoint, act_min = ActMin, act_max = ActMax;
};

// The stack strip of depthwise_conv_2d_s8_wide_row: three rows of `width` pixels, strip column
// ox * stride + kx under output pixel ox's tap kx. The compiler bounds its bytes
// (kWideDepthwiseStripBytes in passes/specialize.cpp).
template <typename C>
struct DepthwiseWideStrip {
  static constexpr int32_t width = (C::output_width - 1) * C::stride + 3;
  static constexpr int32_t bytes = 3 * width * (C::input_depth == C::depth ? 4 : 1);
};

namespace detail {

// The nine taps of four channels: on Arm DSP per tap the SXTB16 pairs (channels 0, 2 | 1, 3)
// next to each other for one LDRD; elsewhere the raw int8 word.
struct Taps3x3 {
  int32_t w[18];
};

// In line with the layer's depth: the nine flash words at immediate offsets, once per block and row.
template <int32_t Depth>
MF_ALWAYS_INLINE void load_taps3x3(Taps3x3& t, const int8_t* w) {
  for (int32_t i = 0; i < 9; ++i) {
    int32_t v;
    flash_copy(&v, w + i * Depth, 4);
#if defined(MF_DOT_ARM_DSP)
    t.w[2 * i] = __sxtb16(v);
    t.w[2 * i + 1] = sxtb16_ror8(v);
#else
    t.w[2 * i] = v;
#endif
  }
}

// The four channels' int8 inputs as one word: four bytes, or (Broadcast: one input channel)
// the byte at x in all four.
template <bool Broadcast>
MF_ALWAYS_INLINE int32_t input_word(const int8_t* x) {
  if (Broadcast) return static_cast<int32_t>(static_cast<uint8_t>(*x) * 0x01010101u);
  int32_t v;
  memcpy(&v, x, 4);
  return v;
}

// acc += the four channels of input word x times tap i.
MF_ALWAYS_INLINE void tap3x3(Acc4& acc, int32_t x, const Taps3x3& t, int32_t i) {
#if defined(MF_DOT_ARM_DSP)
  const int32_t even = __sxtb16(x), odd = sxtb16_ror8(x);
  acc.a0 = __smlabb(even, t.w[2 * i], acc.a0), acc.a2 = __smlatt(even, t.w[2 * i], acc.a2);
  acc.a1 = __smlabb(odd, t.w[2 * i + 1], acc.a1), acc.a3 = __smlatt(odd, t.w[2 * i + 1], acc.a3);
#else
  const uint32_t w = static_cast<uint32_t>(t.w[2 * i]), v = static_cast<uint32_t>(x);
  acc.a0 += static_cast<int8_t>(v) * static_cast<int8_t>(w);
  acc.a1 += static_cast<int8_t>(v >> 8) * static_cast<int8_t>(w >> 8);
  acc.a2 += static_cast<int8_t>(v >> 16) * static_cast<int8_t>(w >> 16);
  acc.a3 += static_cast<int8_t>(v >> 24) * static_cast<int8_t>(w >> 24);
#endif
}

// A window inside the image: tap (ky, kx) at x + ky * Row + kx * Pixel (bytes).
template <int32_t Row, int32_t Pixel, bool Broadcast = false>
MF_ALWAYS_INLINE void window3x3(Acc4& acc, const int8_t* x, const Taps3x3& t) {
#if defined(MF_DOT_ARM_DSP)
  static_assert(2 * Row + 2 * Pixel <= 4095, "window3x3: LDR immediate offsets");
  // In assembly: GCC reloads the offsets or spills accumulators when it schedules the taps.
  int32_t v, odd, w_even, w_odd;
  if (Broadcast) {  // one sign-extended input byte times both halves of each pair
#define MF_DW3_TAP(off, woff)                                                                         \
  "ldrsb %[v], [%[x], %[" off "]]\n\t"                                                                \
  "ldrd %[we], %[wo], [%[w], #" woff "]\n\t"                                                          \
  "smlabb %[a0], %[v], %[we], %[a0]\n\t"                                                              \
  "smlabt %[a2], %[v], %[we], %[a2]\n\t"                                                              \
  "smlabb %[a1], %[v], %[wo], %[a1]\n\t"                                                              \
  "smlabt %[a3], %[v], %[wo], %[a3]\n\t"
    __asm__(MF_DW3_TAP("t0", "0") MF_DW3_TAP("t1", "8") MF_DW3_TAP("t2", "16") MF_DW3_TAP("t3", "24")
                MF_DW3_TAP("t4", "32") MF_DW3_TAP("t5", "40") MF_DW3_TAP("t6", "48") MF_DW3_TAP("t7", "56")
                    MF_DW3_TAP("t8", "64")
            : [a0] "+r"(acc.a0), [a1] "+r"(acc.a1), [a2] "+r"(acc.a2), [a3] "+r"(acc.a3), [v] "=&r"(v),
              [we] "=&r"(w_even), [wo] "=&r"(w_odd)
            : [x] "r"(x), [w] "r"(t.w), [t0] "i"(0), [t1] "i"(Pixel), [t2] "i"(2 * Pixel), [t3] "i"(Row),
              [t4] "i"(Row + Pixel), [t5] "i"(Row + 2 * Pixel), [t6] "i"(2 * Row), [t7] "i"(2 * Row + Pixel),
              [t8] "i"(2 * Row + 2 * Pixel)
            : "memory");
#undef MF_DW3_TAP
    (void)odd;
    return;
  }
#define MF_DW3_TAP(off, woff)                                                                         \
  "ldr %[v], [%[x], %[" off "]]\n\t"                                                                  \
  "ldrd %[we], %[wo], [%[w], #" woff "]\n\t"                                                          \
  "sxtb16 %[o], %[v], ror #8\n\t"                                                                     \
  "sxtb16 %[v], %[v]\n\t"                                                                             \
  "smlabb %[a0], %[v], %[we], %[a0]\n\t"                                                              \
  "smlatt %[a2], %[v], %[we], %[a2]\n\t"                                                              \
  "smlabb %[a1], %[o], %[wo], %[a1]\n\t"                                                              \
  "smlatt %[a3], %[o], %[wo], %[a3]\n\t"
  __asm__(MF_DW3_TAP("t0", "0") MF_DW3_TAP("t1", "8") MF_DW3_TAP("t2", "16") MF_DW3_TAP("t3", "24")
              MF_DW3_TAP("t4", "32") MF_DW3_TAP("t5", "40") MF_DW3_TAP("t6", "48") MF_DW3_TAP("t7", "56")
                  MF_DW3_TAP("t8", "64")
          : [a0] "+r"(acc.a0), [a1] "+r"(acc.a1), [a2] "+r"(acc.a2), [a3] "+r"(acc.a3), [v] "=&r"(v), [o] "=&r"(odd),
            [we] "=&r"(w_even), [wo] "=&r"(w_odd)
          : [x] "r"(x), [w] "r"(t.w), [t0] "i"(0), [t1] "i"(Pixel), [t2] "i"(2 * Pixel), [t3] "i"(Row),
            [t4] "i"(Row + Pixel), [t5] "i"(Row + 2 * Pixel), [t6] "i"(2 * Row), [t7] "i"(2 * Row + Pixel),
            [t8] "i"(2 * Row + 2 * Pixel)
          : "memory");
#undef MF_DW3_TAP
#else
  for (int32_t ky = 0; ky < 3; ++ky)
    for (int32_t kx = 0; kx < 3; ++kx) tap3x3(acc, input_word<Broadcast>(x + ky * Row + kx * Pixel), t, 3 * ky + kx);
#endif
}

// The three window rows of one output row in a stack strip, so every window is an interior
// one: strip column j is image column j - pad_left. Rows [ky_begin, ky_end) of the strip are
// image rows (copied per block, below); the other rows and the columns outside [begin, end)
// hold Z_in (`zero`, in every byte) and stay so for every block of the row. One copy for every
// layer (noinline), once per row.
inline __attribute__((noinline)) void strip_zero3x3(int8_t* strip, int32_t ky_begin, int32_t ky_end,
                                                    int32_t begin_bytes, int32_t end_bytes, int32_t row_bytes,
                                                    int32_t zero) {
  for (int32_t ky = 0; ky < 3; ++ky, strip += row_bytes) {
    if (ky < ky_begin || ky >= ky_end) {
      memset(strip, zero, static_cast<size_t>(row_bytes));
    } else {
      memset(strip, zero, static_cast<size_t>(begin_bytes));
      memset(strip + end_bytes, zero, static_cast<size_t>(row_bytes - end_bytes));
    }
  }
}

// The image part of a strip row: `count` pixels `image_pixel` bytes apart to consecutive words
// (a block's four channels), two per step with immediate offsets.
template <int32_t Count, int32_t ImagePixel>
MF_ALWAYS_INLINE void strip_copy_words(int32_t* out, const int8_t* x) {
  for (int32_t j = 0; j + 1 < Count; j += 2, x += 2 * ImagePixel, out += 2) {
    memcpy(out, x, 4);
    memcpy(out + 1, x + ImagePixel, 4);
  }
  if (Count % 2 != 0) memcpy(out, x, 4);
}

}  // namespace detail

// Output row whose window starts at input row `top` of `rows` (rows [0, held) of the image
// are there, the others are outside it): the row's output_width * depth values to `output`.
// filter: flash [3][3][depth] int8; folded_bias[c] = bias[c] - Z_in * sum of channel c's taps;
// requant: flash [depth][2] = (multiplier, -shift - 1). C: DepthwiseConv2DS8WideConstants<...>.
template <typename C>
inline void depthwise_conv_2d_s8_wide_row(const int8_t* rows, int32_t held, int32_t top, const int8_t* filter,
                                          const int32_t* folded_bias, const int32_t* requant, int8_t* output) {
  static_assert(C::depth % 4 == 0 && (C::input_depth == C::depth || C::input_depth == 1),
                "depthwise_conv_2d_s8_wide_row: channels in fours, depth multiplier 1 or all from one channel");
  constexpr bool broadcast = C::input_depth != C::depth;
  constexpr int32_t depth = C::depth, pixel = broadcast ? 1 : 4;
  constexpr int32_t strip_width = DepthwiseWideStrip<C>::width, strip_row = strip_width * pixel;
  // Strip columns [begin, end) are image columns.
  constexpr int32_t begin = C::pad_left < strip_width ? C::pad_left : strip_width;
  constexpr int32_t end = C::pad_left + C::input_width < strip_width ? C::pad_left + C::input_width : strip_width;
  constexpr int32_t image_row = C::input_width * C::input_depth;
  int32_t strip[(3 * strip_row + 3) / 4];  // words: the interior loop reads them as words
  int8_t* const strip_bytes = reinterpret_cast<int8_t*>(strip);
  // Window rows [ky_begin, ky_end) are image rows.
  const int32_t ky_begin = top < 0 ? (-top < 3 ? -top : 3) : 0;
  const int32_t ky_end = held - top < 3 ? (held - top > ky_begin ? held - top : ky_begin) : 3;
  detail::strip_zero3x3(strip_bytes, ky_begin, ky_end, begin * pixel, end * pixel, strip_row, C::input_zero_point);
  const int8_t* const image = rows + (top * C::input_width + begin - C::pad_left) * C::input_depth;
  if (broadcast)  // the one input channel's strip serves every block
    for (int32_t ky = ky_begin; ky < ky_end; ++ky)
      memcpy(strip_bytes + ky * strip_row + begin, image + ky * image_row, static_cast<size_t>(end - begin));
  for (int32_t c = 0; c < depth; c += 4) {
    detail::Taps3x3 taps;
    detail::load_taps3x3<depth>(taps, filter + c);
    const detail::Acc4 bias = {flash_read(folded_bias + c), flash_read(folded_bias + c + 1),
                               flash_read(folded_bias + c + 2), flash_read(folded_bias + c + 3)};
    const int32_t* rq = requant + 2 * c;
    if (!broadcast)
      for (int32_t ky = ky_begin; ky < ky_end; ++ky)
        detail::strip_copy_words<end - begin, depth>(strip + ky * strip_width + begin, image + ky * image_row + c);
    const int8_t* x = strip_bytes;
    int8_t* out = output + c;
    for (int32_t ox = 0; ox < C::output_width; ++ox, x += C::stride * pixel, out += depth) {
      detail::Acc4 acc = bias;
      detail::window3x3<strip_row, pixel, broadcast>(acc, x, taps);
      detail::requantize_block4<C>(acc, rq, out);
    }
  }
}

// The whole layer (one batch), output row by output row: row oy is complete before row oy + 1
// is written and reads input rows from oy * stride - pad_top on, so the compiler may place the
// output in front of an input that dies here (planner.cpp's row gap).
template <typename C>
inline void depthwise_conv_2d_s8_wide_fixed(const int8_t* input, const int8_t* filter, const int32_t* folded_bias,
                                            const int32_t* requant, int8_t* output) {
  for (int32_t oy = 0; oy < C::output_height; ++oy, output += C::output_width * C::depth)
    depthwise_conv_2d_s8_wide_row<C>(input, C::input_height, oy * C::stride - C::pad_top, filter, folded_bias,
                                     requant, output);
}

}  // namespace mf

#endif  // MICROFLOW_DEPTHWISE_CONV_2D_WIDE_H_
