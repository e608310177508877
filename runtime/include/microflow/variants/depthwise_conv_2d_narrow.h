// DEPTHWISE_CONV_2D with depth multiplier 1 and few output pixels per row (any KH x KW
// filter, stride, dilation; str_ww_ref_model's Kx1 filters over width-1 images), the variant the
// compiler picks with --optimize=speed on Cortex-M cores with the DSP extension (not Helium).
// The generic blocks cache a block's widened taps per row, which costs more than the MACs when a
// row has one pixel; here every tap reads its int8 filter words straight from flash and widens
// them in registers, all offsets immediates from the template sizes, the taps unrolled. Taps go
// in pairs (t, t + 1) so one SMLAD per channel takes both: the two input words are interleaved
// by PKHBT / PKHTB into [x_t c0, x_t c1, x_t+1 c0, x_t+1 c1] and [.. c2, .. c3 ..], whose SXTB16
// halves meet filter words laid out the same way (LDRD + LDR + LDR + 2 PKH + 8 SXTB16 + 4 SMLAD
// per eight MACs); an odd last tap is one word of four channels (4 SXTB16 + 4 SMLAxy).
// Filter layout (compiler: specialize.cpp narrow_depthwise_filter; as many bytes as TFLite's, in
// int32 words: aligned for LDRD):
// per block of four channels, per tap pair the words [w_t c0, w_t c1, w_t+1 c0, w_t+1 c1],
// [w_t c2, w_t c3, w_t+1 c2, w_t+1 c3], then for an odd tap count the last tap's [c0 c1 c2 c3]. A window crossing the border gathers its words with Z_in for the out-of-image taps
// (the folded bias counts them) and runs the same taps; layers whose windows never cross it
// compile no such path. Requantization: the compiler's (multiplier, -shift - 1) pairs through
// requantize_block4 (every channel in requantize_channel's range, checked by the compiler).
// One output row per call, as depthwise_conv_2d_s8_wide_row (same signature: band stages call
// it through BandDepthwiseRowParams; the whole layer is its rows in order, so it can write over
// its input with a row gap).
#ifndef MICROFLOW_DEPTHWISE_CONV_2D_NARROW_H_
#define MICROFLOW_DEPTHWISE_CONV_2D_NARROW_H_

#include <stdint.h>
#include <string.h>

#include "microflow/arch/dot_s8.h"
#include "microflow/exec/flash.h"
#include "microflow/kernel_util.h"
#include "microflow/variants/conv_2d_1x1_wide.h"

namespace mf {

template <int32_t InputHeight, int32_t InputWidth, int32_t Depth, int32_t OutputHeight, int32_t OutputWidth,
          int32_t FilterHeight, int32_t FilterWidth, int32_t StrideHeight, int32_t StrideWidth, int32_t DilationHeight,
          int32_t DilationWidth, int32_t PadTop, int32_t PadLeft, int32_t InputZeroPoint, int32_t OutputZeroPoint,
          int32_t ActMin, int32_t ActMax>
struct DepthwiseConv2DS8NarrowConstants {
  static constexpr int32_t input_height = InputHeight, input_width = InputWidth, depth = Depth;
  static constexpr int32_t output_height = OutputHeight, output_width = OutputWidth;
  static constexpr int32_t filter_height = FilterHeight, filter_width = FilterWidth;
  static constexpr int32_t stride_height = StrideHeight, stride_width = StrideWidth;
  static constexpr int32_t dilation_height = DilationHeight, dilation_width = DilationWidth;
  static constexpr int32_t pad_top = PadTop, pad_left = PadLeft, input_zero_point = InputZeroPoint;
  static constexpr int32_t output_zero_point = OutputZeroPoint, act_min = ActMin, act_max = ActMax;
};

namespace detail {

// acc += the last tap of an odd count for four channels: inputs at x + XOffset, its filter
// word [c0 c1 c2 c3] at w + WOffset.
template <int32_t XOffset, int32_t WOffset>
MF_ALWAYS_INLINE void narrow_tap4(Acc4& acc, const int8_t* x, const int8_t* w) {
#if defined(MF_DOT_ARM_DSP)
  if (XOffset <= 4095 && WOffset <= 4095) {  // LDR immediates
    // In assembly (both forms): GCC hoists the loads of all taps, then spills them and the accumulators.
    int32_t v, odd, wv, w_odd;
    __asm__(
        "ldr %[v], [%[x], %[xo]]\n\t"
        "ldr %[wv], [%[w], %[wo]]\n\t"
        "sxtb16 %[odd], %[v], ror #8\n\t"
        "sxtb16 %[v], %[v]\n\t"
        "sxtb16 %[w_odd], %[wv], ror #8\n\t"
        "sxtb16 %[wv], %[wv]\n\t"
        "smlabb %[a0], %[v], %[wv], %[a0]\n\t"
        "smlatt %[a2], %[v], %[wv], %[a2]\n\t"
        "smlabb %[a1], %[odd], %[w_odd], %[a1]\n\t"
        "smlatt %[a3], %[odd], %[w_odd], %[a3]\n\t"
        : [a0] "+r"(acc.a0), [a1] "+r"(acc.a1), [a2] "+r"(acc.a2), [a3] "+r"(acc.a3), [v] "=&r"(v),
          [odd] "=&r"(odd), [wv] "=&r"(wv), [w_odd] "=&r"(w_odd)
        : [x] "r"(x), [w] "r"(w), [xo] "i"(XOffset), [wo] "i"(WOffset)
        : "memory");
    return;
  }
#endif
  mac4_elementwise(acc, x + XOffset, w + WOffset);
}

// acc += taps t (inputs at x + XA) and t + 1 (at x + XB) for four channels, their two filter
// words (the pair layout above) at w + WOffset.
template <int32_t XA, int32_t XB, int32_t WOffset>
MF_ALWAYS_INLINE void narrow_tap_pair4(Acc4& acc, const int8_t* x, const int8_t* w) {
#if defined(MF_DOT_ARM_DSP)
  if (XA <= 4095 && XB <= 4095 && WOffset <= 1020) {  // LDR and LDRD immediates
    int32_t a, b, t, e, w0, w1;
    __asm__(
        "ldr %[a], [%[x], %[xa]]\n\t"
        "ldr %[b], [%[x], %[xb]]\n\t"
        "ldrd %[w0], %[w1], [%[w], %[wo]]\n\t"
        "pkhbt %[t], %[a], %[b], lsl #16\n\t"  // [a c0, a c1, b c0, b c1]
        "pkhtb %[b], %[b], %[a], asr #16\n\t"  // [a c2, a c3, b c2, b c3]
        "sxtb16 %[a], %[t]\n\t"
        "sxtb16 %[e], %[w0]\n\t"
        "smlad %[a0], %[a], %[e], %[a0]\n\t"
        "sxtb16 %[t], %[t], ror #8\n\t"
        "sxtb16 %[e], %[w0], ror #8\n\t"
        "smlad %[a1], %[t], %[e], %[a1]\n\t"
        "sxtb16 %[a], %[b]\n\t"
        "sxtb16 %[e], %[w1]\n\t"
        "smlad %[a2], %[a], %[e], %[a2]\n\t"
        "sxtb16 %[b], %[b], ror #8\n\t"
        "sxtb16 %[e], %[w1], ror #8\n\t"
        "smlad %[a3], %[b], %[e], %[a3]\n\t"
        : [a0] "+r"(acc.a0), [a1] "+r"(acc.a1), [a2] "+r"(acc.a2), [a3] "+r"(acc.a3), [a] "=&r"(a), [b] "=&r"(b),
          [t] "=&r"(t), [e] "=&r"(e), [w0] "=&r"(w0), [w1] "=&r"(w1)
        : [x] "r"(x), [w] "r"(w), [xa] "i"(XA), [xb] "i"(XB), [wo] "i"(WOffset)
        : "memory");
    return;
  }
#endif
  int8_t wv[8];
  flash_copy(wv, w + WOffset, 8);
  const int8_t* xa = x + XA;
  const int8_t* xb = x + XB;
  acc.a0 += mul_s8(xa[0], wv[0]) + mul_s8(xb[0], wv[2]);
  acc.a1 += mul_s8(xa[1], wv[1]) + mul_s8(xb[1], wv[3]);
  acc.a2 += mul_s8(xa[2], wv[4]) + mul_s8(xb[2], wv[6]);
  acc.a3 += mul_s8(xa[3], wv[5]) + mul_s8(xb[3], wv[7]);
}

// Taps [I, KH * KW) of narrow_taps4 in pairs, unrolled so every offset is a constant; tap i's
// inputs at x + (i / KW) * RowStep + (i % KW) * ColumnStep, its pair's words at w + 4 i.
template <typename C, int32_t RowStep, int32_t ColumnStep>
constexpr int32_t narrow_offset(int32_t i) {
  return i / C::filter_width * RowStep + i % C::filter_width * ColumnStep;
}

template <typename C, int32_t RowStep, int32_t ColumnStep, int32_t I,
          int32_t Left = C::filter_height * C::filter_width - I>
struct NarrowTaps {
  static MF_ALWAYS_INLINE void run(Acc4& acc, const int8_t* x, const int8_t* w) {
    narrow_tap_pair4<narrow_offset<C, RowStep, ColumnStep>(I), narrow_offset<C, RowStep, ColumnStep>(I + 1), 4 * I>(
        acc, x, w);
    NarrowTaps<C, RowStep, ColumnStep, I + 2>::run(acc, x, w);
  }
};

template <typename C, int32_t RowStep, int32_t ColumnStep, int32_t I>
struct NarrowTaps<C, RowStep, ColumnStep, I, 1> {
  static MF_ALWAYS_INLINE void run(Acc4& acc, const int8_t* x, const int8_t* w) {
    narrow_tap4<narrow_offset<C, RowStep, ColumnStep>(I), 4 * I>(acc, x, w);
  }
};

template <typename C, int32_t RowStep, int32_t ColumnStep, int32_t I>
struct NarrowTaps<C, RowStep, ColumnStep, I, 0> {
  static MF_ALWAYS_INLINE void run(Acc4&, const int8_t*, const int8_t*) {}
};

// acc += the window's taps for four channels: tap (ky, kx)'s inputs at x + ky * RowStep +
// kx * ColumnStep; w: the block's filter words (KH * KW * 4 bytes, the layout above).
template <typename C, int32_t RowStep, int32_t ColumnStep>
MF_ALWAYS_INLINE void narrow_taps4(Acc4& acc, const int8_t* x, const int8_t* w) {
  NarrowTaps<C, RowStep, ColumnStep, 0>::run(acc, x, w);
}

// Whether some window of the layer (or of a band's held rows, which hold every in-image row a
// window reads) reaches outside the image.
template <typename C>
constexpr bool narrow_may_cross() {
  return C::pad_top > 0 || C::pad_left > 0 ||
         (C::output_height - 1) * C::stride_height - C::pad_top + (C::filter_height - 1) * C::dilation_height >=
             C::input_height ||
         (C::output_width - 1) * C::stride_width - C::pad_left + (C::filter_width - 1) * C::dilation_width >=
             C::input_width;
}

// One output pixel whose window crosses the border: per block the window's words gathered with
// Z_in in every byte for the out-of-image taps. rows: rows [0, held) of the image.
template <typename C>
inline void narrow_border_pixel(const int8_t* rows, int32_t held, int32_t origin_y, int32_t origin_x,
                                const int8_t* filter, const int32_t* folded_bias, const int32_t* requant,
                                int8_t* out) {
  constexpr int32_t taps = C::filter_height * C::filter_width;
  constexpr int32_t zero_word =
      static_cast<int32_t>((static_cast<uint32_t>(C::input_zero_point) & 0xFFu) * 0x01010101u);
  for (int32_t c = 0; c < C::depth; c += 4) {
    int32_t window[taps];
    for (int32_t ky = 0; ky < C::filter_height; ++ky) {
      const int32_t iy = origin_y + ky * C::dilation_height;
      for (int32_t kx = 0; kx < C::filter_width; ++kx) {
        const int32_t ix = origin_x + kx * C::dilation_width;
        int32_t& word = window[ky * C::filter_width + kx];
        if (iy >= 0 && iy < held && ix >= 0 && ix < C::input_width)
          memcpy(&word, rows + (iy * C::input_width + ix) * C::depth + c, 4);
        else
          word = zero_word;
      }
    }
    Acc4 acc = {flash_read(folded_bias + c), flash_read(folded_bias + c + 1), flash_read(folded_bias + c + 2),
                flash_read(folded_bias + c + 3)};
    narrow_taps4<C, 4 * C::filter_width, 4>(acc, reinterpret_cast<const int8_t*>(window), filter + c * taps);
    requantize_block4<C>(acc, requant + 2 * c, out + c);
  }
}

}  // namespace detail

// Output row whose window starts at input row `top` of `rows` (rows [0, held) of the image
// are there, the others are outside it): the row's output_width * depth values to `output`.
// filter: flash, the layout above (KH * KW * depth int8, 4-byte aligned); folded_bias[c] = bias[c] - Z_in * sum of channel c's taps;
// requant: flash [depth][2] = (multiplier, -shift - 1). C: DepthwiseConv2DS8NarrowConstants<...>.
template <typename C>
inline void depthwise_conv_2d_s8_narrow_row(const int8_t* rows, int32_t held, int32_t top, const int8_t* filter,
                                            const int32_t* folded_bias, const int32_t* requant, int8_t* output) {
  static_assert(C::depth % 4 == 0, "depthwise_conv_2d_s8_narrow_row: channels in fours");
  constexpr int32_t row_bytes = C::input_width * C::depth;
  constexpr int32_t span = (C::filter_height - 1) * C::dilation_height + 1;
  constexpr int32_t taps = C::filter_height * C::filter_width;
  const bool rows_inside = top >= 0 && top + span <= held;
  for (int32_t ox = 0; ox < C::output_width; ++ox, output += C::depth) {
    const int32_t origin_x = ox * C::stride_width - C::pad_left;
    if (detail::narrow_may_cross<C>() &&
        (!rows_inside || origin_x < 0 || origin_x + (C::filter_width - 1) * C::dilation_width >= C::input_width)) {
      detail::narrow_border_pixel<C>(rows, held, top, origin_x, filter, folded_bias, requant, output);
      continue;
    }
    const int8_t* x = rows + top * row_bytes + origin_x * C::depth;
    const int8_t* w = filter;
    const int32_t* bias = folded_bias;
    const int32_t* rq = requant;
    int8_t* out = output;
    for (int32_t c = 0; c < C::depth; c += 4, x += 4, w += 4 * taps, bias += 4, rq += 8, out += 4) {
      detail::Acc4 acc = {flash_read(bias), flash_read(bias + 1), flash_read(bias + 2), flash_read(bias + 3)};
      detail::narrow_taps4<C, C::dilation_height * row_bytes, C::dilation_width * C::depth>(acc, x, w);
      detail::requantize_block4<C>(acc, rq, out);
    }
  }
}

// The whole layer (one batch), output row by output row: row oy is complete before row oy + 1
// is written and reads input rows from oy * stride - pad_top on, so the compiler may place the
// output in front of an input that dies here (planner.cpp's row gap).
template <typename C>
inline void depthwise_conv_2d_s8_narrow_fixed(const int8_t* input, const int32_t* filter, const int32_t* folded_bias,
                                              const int32_t* requant, int8_t* output) {
  for (int32_t oy = 0; oy < C::output_height; ++oy, output += C::output_width * C::depth)
    depthwise_conv_2d_s8_narrow_row<C>(input, C::input_height, oy * C::stride_height - C::pad_top,
                                       reinterpret_cast<const int8_t*>(filter), folded_bias, requant, output);
}

}  // namespace mf

#endif  // MICROFLOW_DEPTHWISE_CONV_2D_NARROW_H_
