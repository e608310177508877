// DEPTHWISE_CONV_2D with a 3x3 filter and stride 1 or 2, depth multiplier 1 or every output
// channel from one input channel (person_detect's first layer), the variant the compiler picks
// with --optimize=speed on Cortex-M cores with the DSP extension (not Helium): the layer's
// sizes, padding, zero points and activation are template arguments, so every offset is an
// immediate. One output row per call (band stages call it per row; the whole layer is its rows
// in order, so it can write over its input with a row gap, as depthwise_conv_2d_by_rows_s8).
// The window rows go to a stack strip of int16 planes, one per channel of a block of four
// (once per row with one input channel: one plane for every block), out-of-image values Z_in
// (the folded bias assumes them), so border and interior windows are the same code. A plane
// row holds each channel's consecutive columns as halfword pairs, which is what SMLAD takes:
// per channel and filter row the weight pairs (w0, w1) and (w1, w2) stay in registers, and
// two output pixels cost one LDRD (stride 2: + one LDR) and four SMLAxy per filter row
// (1.5 MACs per multiply, against one with the channels side by side). Filter: TFLite's int8
// [3][3][depth], unchanged. Requantization per channel: the compiler's (multiplier,
// -shift - 1) pairs through requantize_channel (|acc| < 2^30 checked by the compiler).
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

// The stack strip of depthwise_conv_2d_s8_wide_row: `planes` (4, or 1 with one input channel)
// of three rows of `width` int16 columns; column j is image column j - pad_left. Output pixels
// go in pairs from an even column, the pair (i, i + 1) reading columns stride * i up to
// stride * i + 2 * stride + 1, so `width` is even and covers the last pair. The compiler bounds
// `bytes` and the LDRD offsets (kWideDepthwiseStripBytes in passes/specialize.cpp).
template <typename C>
struct DepthwiseWideStrip {
  static constexpr int32_t planes = C::input_depth == C::depth ? 4 : 1;
  static constexpr int32_t width = C::stride * ((C::output_width - 1) / 2 * 2) + 2 * C::stride + 2;
  static constexpr int32_t row_bytes = 2 * width, plane_words = 3 * width / 2;
  static constexpr int32_t bytes = planes * 3 * row_bytes;
  // Columns [begin, end) are image columns.
  static constexpr int32_t begin = C::pad_left < width ? C::pad_left : width;
  static constexpr int32_t end = C::pad_left + C::input_width < width ? C::pad_left + C::input_width : width;
};

namespace detail {

// Z_in in the plane rows and column pairs no image value reaches: rows outside [ky_begin,
// ky_end), and in the others the word pairs before begin / 2 and from (end + 1) / 2 on (the
// pairs between are written per block). `zero`: Z_in in both halves. One copy for every
// layer (noinline), once per row.
inline __attribute__((noinline)) void strip_zero3x3(int32_t* strip, int32_t planes, int32_t ky_begin, int32_t ky_end,
                                                    int32_t begin, int32_t end, int32_t row_words, int32_t zero) {
  for (int32_t p = 0; p < planes; ++p)
    for (int32_t ky = 0; ky < 3; ++ky, strip += row_words) {
      const bool image = ky >= ky_begin && ky < ky_end && begin < end;
      const int32_t first = image ? begin / 2 : row_words, last = image ? (end + 1) / 2 : row_words;
      for (int32_t q = 0; q < first; ++q) strip[q] = zero;
      for (int32_t q = last; q < row_words; ++q) strip[q] = zero;
    }
}

// Two image pixels' four channels (words v0, v1: channels in bytes) to the column pair of each
// channel's plane at w (planes `PlaneWords` apart).
template <int32_t PlaneWords>
MF_ALWAYS_INLINE void strip_pair4(int32_t* w, int32_t v0, int32_t v1) {
#if defined(MF_DOT_ARM_DSP)
  // Bytes (v0: c0, c1; v1: c0, c1) and (v0: c2, c3; v1: c2, c3): SXTB16 takes bytes 0 and 2.
  const int32_t low = pack_halves(v0, v1), high = pack_tops(v0, v1);
  w[0] = __sxtb16(low), w[PlaneWords] = sxtb16_ror8(low);
  w[2 * PlaneWords] = __sxtb16(high), w[3 * PlaneWords] = sxtb16_ror8(high);
#else
  for (int32_t c = 0; c < 4; ++c) {
    const uint32_t lo = static_cast<uint16_t>(static_cast<int8_t>(static_cast<uint32_t>(v0) >> (8 * c)));
    const uint32_t hi = static_cast<uint16_t>(static_cast<int8_t>(static_cast<uint32_t>(v1) >> (8 * c)));
    w[c * PlaneWords] = static_cast<int32_t>(lo | hi << 16);
  }
#endif
}

// One image row of a block into its four planes' row at `plane` (word 0 = column pair 0):
// x is the block's first channel at image column 0, pixels Depth bytes apart; columns
// [begin, end) of the strip. Pairs half outside take Z_in (zero: in every byte) for that half.
template <typename C>
MF_ALWAYS_INLINE void strip_row4(int32_t* plane, const int8_t* x, int32_t zero) {
  typedef DepthwiseWideStrip<C> S;
  constexpr int32_t depth = C::depth, begin = S::begin, end = S::end;
  if (begin >= end) return;
  const int8_t* at = x + (begin - C::pad_left) * depth;  // image column of strip column begin
  int32_t* w = plane + begin / 2;
  if (begin % 2 != 0) strip_pair4<S::plane_words>(w++, zero, load_s8x4(at)), at += depth;
#pragma GCC unroll 4  // the loop control is a third of a pair's twelve instructions
  for (int32_t j = (begin + 1) / 2 * 2; j + 1 < end; j += 2, at += 2 * depth, ++w)
    strip_pair4<S::plane_words>(w, load_s8x4(at), load_s8x4(at + depth));
  if (end % 2 != 0) strip_pair4<S::plane_words>(w, load_s8x4(at), zero);
}

// The one input channel's image row (bytes) into the single plane's row: as strip_row4.
template <typename C>
MF_ALWAYS_INLINE void strip_row1(int32_t* plane, const int8_t* x, int32_t zero) {
  typedef DepthwiseWideStrip<C> S;
  constexpr int32_t begin = S::begin, end = S::end;
  if (begin >= end) return;
  const int8_t* at = x + begin - C::pad_left;
  int16_t* h = reinterpret_cast<int16_t*>(plane) + begin;
  for (int32_t j = begin; j < end; ++j) *h++ = *at++;
  if (end % 2 != 0) *h = static_cast<int16_t>(zero);
  if (begin % 2 != 0) reinterpret_cast<int16_t*>(plane)[begin - 1] = static_cast<int16_t>(zero);
}

// One channel's filter row r as the SMLAD pairs (w0, w1) and (w1, w2).
struct Taps3 {
  int32_t w01[3], w12[3];
};

// The four channels of the block at `filter` (flash, taps Depth bytes apart): per tap one word
// of four channels, split by SXTB16 and paired across taps by PKHBT / PKHTB. Once per block and row.
template <int32_t Depth>
MF_ALWAYS_INLINE void load_taps3x4(Taps3* t, const int8_t* filter) {
  for (int32_t r = 0; r < 3; ++r) {
    int32_t v[3];  // three scalar copies: a loop keeps v in memory
    flash_copy(&v[0], filter + 3 * r * Depth, 4);
    flash_copy(&v[1], filter + (3 * r + 1) * Depth, 4);
    flash_copy(&v[2], filter + (3 * r + 2) * Depth, 4);
#if defined(MF_DOT_ARM_DSP)
    const int32_t e0 = __sxtb16(v[0]), e1 = __sxtb16(v[1]), e2 = __sxtb16(v[2]);
    const int32_t o0 = sxtb16_ror8(v[0]), o1 = sxtb16_ror8(v[1]), o2 = sxtb16_ror8(v[2]);
    t[0].w01[r] = pack_halves(e0, e1), t[0].w12[r] = pack_halves(e1, e2);
    t[1].w01[r] = pack_halves(o0, o1), t[1].w12[r] = pack_halves(o1, o2);
    t[2].w01[r] = pack_tops(e0, e1), t[2].w12[r] = pack_tops(e1, e2);
    t[3].w01[r] = pack_tops(o0, o1), t[3].w12[r] = pack_tops(o1, o2);
#else
    for (int32_t c = 0; c < 4; ++c) {
      uint32_t w[3];
      for (int32_t k = 0; k < 3; ++k)
        w[k] = static_cast<uint16_t>(static_cast<int8_t>(static_cast<uint32_t>(v[k]) >> (8 * c)));
      t[c].w01[r] = static_cast<int32_t>(w[0] | w[1] << 16), t[c].w12[r] = static_cast<int32_t>(w[1] | w[2] << 16);
    }
#endif
  }
}

// a0, a1 += output pixels i, i + 1 of one channel, its plane at column stride * i (x, 4-aligned),
// rows Row bytes apart.
template <int32_t Row, int32_t Stride>
MF_ALWAYS_INLINE void pair3x3(int32_t& a0, int32_t& a1, const int8_t* x, const Taps3& t) {
#if defined(MF_DOT_ARM_DSP)
  static_assert(2 * Row + 8 <= 1020, "pair3x3: LDRD immediate offsets");
  int32_t p, q, r;
  if (Stride == 1) {
    // Columns (0, 1), (2, 3): a0 += x0 w0 + x1 w1 + x2 w2; a1 += x1 w0 + x2 w1 + x3 w2.
#define MF_DW3_ROW(off, k)                                                                       \
  "ldrd %[p], %[q], [%[x], #" off "]\n\t"                                                        \
  "smlad %[a0], %[p], %[w01_" k "], %[a0]\n\t"                                                   \
  "smlabt %[a0], %[q], %[w12_" k "], %[a0]\n\t"                                                  \
  "smlatb %[a1], %[p], %[w01_" k "], %[a1]\n\t"                                                  \
  "smlad %[a1], %[q], %[w12_" k "], %[a1]\n\t"
    __asm__(MF_DW3_ROW("%c[r0]", "0") MF_DW3_ROW("%c[r1]", "1") MF_DW3_ROW("%c[r2]", "2")
            : [a0] "+r"(a0), [a1] "+r"(a1), [p] "=&r"(p), [q] "=&r"(q)
            : [x] "r"(x), [w01_0] "r"(t.w01[0]), [w12_0] "r"(t.w12[0]), [w01_1] "r"(t.w01[1]),
              [w12_1] "r"(t.w12[1]), [w01_2] "r"(t.w01[2]), [w12_2] "r"(t.w12[2]), [r0] "i"(0), [r1] "i"(Row),
              [r2] "i"(2 * Row)
            : "memory");
#undef MF_DW3_ROW
    (void)r;
  } else {
    // Columns (0, 1), (2, 3), (4, 5): a0 += x0 w0 + x1 w1 + x2 w2; a1 += x2 w0 + x3 w1 + x4 w2.
#define MF_DW3_ROW(off, off8, k)                                                                 \
  "ldrd %[p], %[q], [%[x], #" off "]\n\t"                                                        \
  "ldr %[r], [%[x], #" off8 "]\n\t"                                                              \
  "smlad %[a0], %[p], %[w01_" k "], %[a0]\n\t"                                                   \
  "smlabt %[a0], %[q], %[w12_" k "], %[a0]\n\t"                                                  \
  "smlad %[a1], %[q], %[w01_" k "], %[a1]\n\t"                                                   \
  "smlabt %[a1], %[r], %[w12_" k "], %[a1]\n\t"
    __asm__(MF_DW3_ROW("%c[r0]", "%c[s0]", "0") MF_DW3_ROW("%c[r1]", "%c[s1]", "1")
                MF_DW3_ROW("%c[r2]", "%c[s2]", "2")
            : [a0] "+r"(a0), [a1] "+r"(a1), [p] "=&r"(p), [q] "=&r"(q), [r] "=&r"(r)
            : [x] "r"(x), [w01_0] "r"(t.w01[0]), [w12_0] "r"(t.w12[0]), [w01_1] "r"(t.w01[1]),
              [w12_1] "r"(t.w12[1]), [w01_2] "r"(t.w01[2]), [w12_2] "r"(t.w12[2]), [r0] "i"(0), [r1] "i"(Row),
              [r2] "i"(2 * Row), [s0] "i"(8), [s1] "i"(Row + 8), [s2] "i"(2 * Row + 8)
            : "memory");
#undef MF_DW3_ROW
  }
#else
  for (int32_t ky = 0; ky < 3; ++ky) {
    int16_t v[2 * Stride + 2];  // the pair's columns
    memcpy(v, x + ky * Row, sizeof(v));
    const int32_t w0 = static_cast<int16_t>(t.w01[ky]), w1 = static_cast<int16_t>(t.w12[ky]);
    const int32_t w2 = static_cast<int16_t>(static_cast<uint32_t>(t.w12[ky]) >> 16);
    a0 += v[0] * w0 + v[1] * w1 + v[2] * w2;
    a1 += v[Stride] * w0 + v[Stride + 1] * w1 + v[Stride + 2] * w2;
  }
#endif
}

#if defined(MF_DOT_ARM_DSP)
// What the channel loop below reads from memory once per pass (registers are all taken).
struct ChannelPass {
  int32_t bias, multiplier2, n;  // multiplier2: the multiplier << 1
  const int8_t* end;  // x after the last pass
};

// Every whole output pixel pair of one channel with no activation clamp (SSAT's range), then
// with Last (an odd width) the last pixel: from the plane at x (the first pair's first column,
// 4-aligned; rows Row bytes apart) to out, out[Depth], pairs 2 * Depth apart, requantized as
// requantize_channel (SMMLAR adds acc to its high product: SMMULR + ADD in one). pass.end: x
// after the whole pairs (at least one).
// In assembly: GCC spills the six weight words of the loop when it keeps the requantization
// constants, the pointers and both sums in registers (12 of them here). Volatile: its stores
// are its only effect.
template <int32_t Row, int32_t Stride, int32_t Depth, int32_t OutputZeroPoint, bool Last>
MF_ALWAYS_INLINE void channel_pairs3x3(const int8_t* x, int8_t* out, const Taps3& t, const ChannelPass& pass) {
  static_assert(2 * Row + 8 <= 1020, "channel_pairs3x3: LDRD immediate offsets");
  int32_t a0, a1, p, q;
  // One filter row at offset `off` (k: its weight registers); row 0 last, its LDRD advancing x.
#define MF_DW3_ROW1(load, k)                                                                     \
  load "\n\t"                                                                                    \
  "smlad %[a0], %[p], %[w01_" k "], %[a0]\n\t"                                                   \
  "smlabt %[a0], %[q], %[w12_" k "], %[a0]\n\t"                                                  \
  "smlatb %[a1], %[p], %[w01_" k "], %[a1]\n\t"                                                  \
  "smlad %[a1], %[q], %[w12_" k "], %[a1]\n\t"
#define MF_DW3_ROW2(load, off8, k)                                                               \
  load "\n\t"                                                                                    \
  "smlad %[a0], %[p], %[w01_" k "], %[a0]\n\t"                                                   \
  "smlabt %[a0], %[q], %[w12_" k "], %[a0]\n\t"                                                  \
  "smlad %[a1], %[q], %[w01_" k "], %[a1]\n\t"                                                   \
  "ldr %[p], [%[x], " off8 "]\n\t"                                                               \
  "smlabt %[a1], %[p], %[w12_" k "], %[a1]\n\t"
#define MF_DW3_PASS1                                                                             \
  "ldr %[a0], %[bias]\n\t"                                                                       \
  "mov %[a1], %[a0]\n\t"                                                                         \
  MF_DW3_ROW1("ldrd %[p], %[q], [%[x], %[row1]]", "1")                                           \
  MF_DW3_ROW1("ldrd %[p], %[q], [%[x], %[row2]]", "2")                                           \
  MF_DW3_ROW1("ldrd %[p], %[q], [%[x]], %[step]", "0")
#define MF_DW3_PASS2                                                                             \
  "ldr %[a0], %[bias]\n\t"                                                                       \
  "mov %[a1], %[a0]\n\t"                                                                         \
  MF_DW3_ROW2("ldrd %[p], %[q], [%[x], %[row1]]", "%[row18]", "1")                               \
  MF_DW3_ROW2("ldrd %[p], %[q], [%[x], %[row2]]", "%[row28]", "2")                               \
  "ldr %[p], [%[x], #8]\n\t"                                                                     \
  "smlabt %[a1], %[p], %[w12_0], %[a1]\n\t"                                                      \
  "ldrd %[p], %[q], [%[x]], %[step]\n\t"                                                         \
  "smlad %[a0], %[p], %[w01_0], %[a0]\n\t"                                                       \
  "smlabt %[a0], %[q], %[w12_0], %[a0]\n\t"                                                      \
  "smlad %[a1], %[q], %[w01_0], %[a1]\n\t"
// Both sums requantized and stored, out advanced, back to 1: while x is not at pass.end.
#define MF_DW3_PAIR                                                                              \
  "ldr %[q], %[m]\n\t"                                                                           \
  "smmlar %[a0], %[a0], %[q], %[a0]\n\t"                                                         \
  "smmlar %[a1], %[a1], %[q], %[a1]\n\t"                                                         \
  "sub %[a0], %[a0], %[a0], lsr #31\n\t"                                                         \
  "sub %[a1], %[a1], %[a1], lsr #31\n\t"                                                         \
  "ldr %[p], %[n]\n\t"                                                                           \
  "asr %[a0], %[a0], %[p]\n\t"                                                                   \
  "asr %[a1], %[a1], %[p]\n\t"                                                                   \
  "add %[a0], %[a0], %[k]\n\t"                                                                   \
  "add %[a1], %[a1], %[k]\n\t"                                                                   \
  "ssat %[a0], #8, %[a0], asr #1\n\t"                                                            \
  "ssat %[a1], #8, %[a1], asr #1\n\t"                                                            \
  "strb %[a1], [%[out], %[depth]]\n\t"                                                           \
  "strb %[a0], [%[out]]\n\t"                                                                     \
  "add %[out], %[out], %[depth2]\n\t"                                                            \
  "ldr %[p], %[end]\n\t"                                                                         \
  "cmp %[x], %[p]\n\t"                                                                           \
  "bne 1b\n\t"
// An odd width's last pixel: the first sum of one more pair only.
#define MF_DW3_LAST                                                                              \
  "ldr %[q], %[m]\n\t"                                                                           \
  "smmlar %[a0], %[a0], %[q], %[a0]\n\t"                                                         \
  "sub %[a0], %[a0], %[a0], lsr #31\n\t"                                                         \
  "ldr %[p], %[n]\n\t"                                                                           \
  "asr %[a0], %[a0], %[p]\n\t"                                                                   \
  "add %[a0], %[a0], %[k]\n\t"                                                                   \
  "ssat %[a0], #8, %[a0], asr #1\n\t"                                                            \
  "strb %[a0], [%[out]]\n\t"
#define MF_DW3_OPERANDS                                                                          \
  : [a0] "=&r"(a0), [a1] "=&r"(a1), [p] "=&r"(p), [q] "=&r"(q), [x] "+r"(x), [out] "+r"(out)      \
  : [w01_0] "r"(t.w01[0]), [w12_0] "r"(t.w12[0]), [w01_1] "r"(t.w01[1]), [w12_1] "r"(t.w12[1]),   \
    [w01_2] "r"(t.w01[2]), [w12_2] "r"(t.w12[2]), [m] "m"(pass.multiplier2), [bias] "m"(pass.bias), \
    [n] "m"(pass.n), [end] "m"(pass.end), [k] "i"(1 + 2 * OutputZeroPoint), [depth] "i"(Depth),   \
    [depth2] "i"(2 * Depth), [row1] "i"(Row), [row2] "i"(2 * Row), [step] "i"(4 * Stride),          \
    [row18] "i"(Row + 8), [row28] "i"(2 * Row + 8)                                                 \
  : "memory", "cc"
  if (Stride == 1 && !Last)
    __asm__ volatile("1:\n\t" MF_DW3_PASS1 MF_DW3_PAIR MF_DW3_OPERANDS);
  else if (Stride == 1)
    __asm__ volatile("1:\n\t" MF_DW3_PASS1 MF_DW3_PAIR MF_DW3_PASS1 MF_DW3_LAST MF_DW3_OPERANDS);
  else if (!Last)
    __asm__ volatile("1:\n\t" MF_DW3_PASS2 MF_DW3_PAIR MF_DW3_OPERANDS);
  else
    __asm__ volatile("1:\n\t" MF_DW3_PASS2 MF_DW3_PAIR MF_DW3_PASS2 MF_DW3_LAST MF_DW3_OPERANDS);
#undef MF_DW3_ROW1
#undef MF_DW3_ROW2
#undef MF_DW3_PASS1
#undef MF_DW3_PASS2
#undef MF_DW3_PAIR
#undef MF_DW3_LAST
#undef MF_DW3_OPERANDS
}
#endif

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
  typedef DepthwiseWideStrip<C> S;
  constexpr bool broadcast = S::planes == 1;
  constexpr int32_t depth = C::depth, row_words = S::width / 2, image_row = C::input_width * C::input_depth;
  int32_t strip[S::bytes / 4];
  // Z_in in every byte (a pixel word) and in both halves (a plane word).
  constexpr uint32_t zero_byte = static_cast<uint32_t>(C::input_zero_point) & 0xFFu;
  constexpr int32_t zero_word = static_cast<int32_t>(zero_byte * 0x01010101u);
  constexpr int32_t zero_pair = static_cast<int32_t>((static_cast<uint32_t>(C::input_zero_point) & 0xFFFFu) * 0x10001u);
  // Window rows [ky_begin, ky_end) are image rows.
  const int32_t ky_begin = top < 0 ? (-top < 3 ? -top : 3) : 0;
  const int32_t ky_end = held - top < 3 ? (held - top > ky_begin ? held - top : ky_begin) : 3;
  detail::strip_zero3x3(strip, S::planes, ky_begin, ky_end, S::begin, S::end, row_words, zero_pair);
  if (broadcast)  // the one input channel's plane serves every block
    for (int32_t ky = ky_begin; ky < ky_end; ++ky)
      detail::strip_row1<C>(strip + ky * row_words, rows + (top + ky) * image_row, C::input_zero_point);
  for (int32_t c = 0; c < depth; c += 4) {
    if (!broadcast)
      for (int32_t ky = ky_begin; ky < ky_end; ++ky)
        detail::strip_row4<C>(strip + ky * row_words, rows + (top + ky) * image_row + c, zero_word);
    detail::Taps3 block_taps[4];
    detail::load_taps3x4<depth>(block_taps, filter + c);
    for (int32_t k = 0; k < 4; ++k) {
      const detail::Taps3& taps = block_taps[k];
      const int32_t bias = flash_read(folded_bias + c + k);
      const int32_t multiplier = flash_read(requant + 2 * (c + k)), n = flash_read(requant + 2 * (c + k) + 1);
      const int8_t* x = reinterpret_cast<const int8_t*>(strip + (broadcast ? 0 : k * S::plane_words));
      int8_t* out = output + c + k;
      constexpr int32_t pairs = C::output_width / 2;
#if defined(MF_DOT_ARM_DSP)
      if (C::act_min == -128 && C::act_max == 127 && pairs > 0) {
        const detail::ChannelPass pass = {bias, static_cast<int32_t>(static_cast<uint32_t>(multiplier) << 1), n,
                                          x + pairs * 4 * C::stride};
        detail::channel_pairs3x3<S::row_bytes, C::stride, depth, C::output_zero_point, C::output_width % 2 != 0>(
            x, out, taps, pass);
        continue;
      }
#endif
      for (int32_t i = 0; i < pairs; ++i, x += 4 * C::stride, out += 2 * depth) {
        int32_t a0 = bias, a1 = bias;
        detail::pair3x3<S::row_bytes, C::stride>(a0, a1, x, taps);
        out[0] = detail::requantize_channel(a0, multiplier, n, C::output_zero_point, C::act_min, C::act_max);
        out[depth] = detail::requantize_channel(a1, multiplier, n, C::output_zero_point, C::act_min, C::act_max);
      }
      if (C::output_width % 2 != 0) {  // the last pixel: a pair whose second pixel is not stored
        int32_t a0 = bias, a1 = bias;
        detail::pair3x3<S::row_bytes, C::stride>(a0, a1, x, taps);
        out[0] = detail::requantize_channel(a0, multiplier, n, C::output_zero_point, C::act_min, C::act_max);
      }
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
