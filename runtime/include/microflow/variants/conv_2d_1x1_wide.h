// CONV_2D with a 1x1 filter, stride 1 and no padding, the variant the compiler picks with
// --optimize=speed on Cortex-M: a matrix product over pixels, each pixel a FULLY_CONNECTED
// row through fully_connected_wide.h's channel pairs (int8 weights laid out by the compiler,
// four output channels per input pass), with per-channel requantization constants prepared
// by the compiler and the layer's sizes as template arguments.
#ifndef MICROFLOW_CONV_2D_1X1_WIDE_H_
#define MICROFLOW_CONV_2D_1X1_WIDE_H_

#include <stdint.h>

#include "microflow/fixed_point.h"
#include "microflow/exec/flash.h"
#include "microflow/variants/fully_connected_wide.h"
#include "microflow/kernel_util.h"

namespace mf {

// OutputStride: elements from one output pixel to the next (OutputDepth, or more when the
// output is a channel slice of a larger tensor: a CONCATENATION view, passes/views.cpp).
template <int32_t Pixels, int32_t InputDepth, int32_t OutputDepth, int32_t OutputStride, int32_t OutputZeroPoint,
          int32_t ActMin, int32_t ActMax>
struct Conv2D1x1S8WideConstants {
  static constexpr int32_t pixels = Pixels, input_depth = InputDepth, output_depth = OutputDepth;
  static constexpr int32_t output_stride = OutputStride;
  static constexpr int32_t output_zero_point = OutputZeroPoint, act_min = ActMin, act_max = ActMax;
};

namespace detail {

// requantize_q31 + zero point + clamp for a multiplier in [2^30, 2^31) and n = -shift - 1 in
// [0, 30], for |acc| < 2^30 (the compiler checks the layer's accumulator bound), or any int32
// acc when n >= 1 (|t| <= |acc| < 2^31, so |u >> n| < 2^30 below). As int32 for
// callers that keep computing with the value (no sign extension after SSAT).
MF_ALWAYS_INLINE int32_t requantize_channel_s32(int32_t acc, int32_t multiplier, int32_t n, int32_t zero_point,
                                                int32_t act_min, int32_t act_max) {
#if defined(MF_DOT_ARM_DSP)
  // t = acc + round(acc * (2 multiplier - 2^32) / 2^32) in one SMMLAR (acc as its addend).
  int32_t t;
  __asm__("smmlar %0, %1, %2, %1"
          : "=r"(t)
          : "r"(acc), "r"(static_cast<int32_t>(static_cast<uint32_t>(multiplier) << 1)));
  const int32_t u = t - static_cast<int32_t>(static_cast<uint32_t>(t) >> 31);
  // As wide_requantize: ((u >> n) + 1 + 2 Z) >> 1 with SSAT's shift; |u| < 2^30 keeps the sum in range.
  int32_t v;
  __asm__("ssat %0, #8, %1, asr #1" : "=r"(v) : "r"((u >> n) + 1 + 2 * zero_point));
  if (act_min > -128 && v < act_min) v = act_min;
  if (act_max < 127 && v > act_max) v = act_max;
  return v;
#else
  return clamp_to_s8(requantize_q31(acc, make_q31_channel(multiplier, -n - 1), zero_point), act_min, act_max);
#endif
}

MF_ALWAYS_INLINE int8_t requantize_channel(int32_t acc, int32_t multiplier, int32_t n, int32_t zero_point,
                                           int32_t act_min, int32_t act_max) {
  return static_cast<int8_t>(requantize_channel_s32(acc, multiplier, n, zero_point, act_min, act_max));
}

// Four channels' accumulators through their (multiplier, n) pairs at rq (flash) to output[0..3].
template <typename C>
MF_ALWAYS_INLINE void requantize_block4(const Acc4& acc, const int32_t* rq, int8_t* output) {
  output[0] = requantize_channel(acc.a0, flash_read(rq), flash_read(rq + 1), C::output_zero_point, C::act_min,
                                 C::act_max);
  output[1] = requantize_channel(acc.a1, flash_read(rq + 2), flash_read(rq + 3), C::output_zero_point, C::act_min,
                                 C::act_max);
  output[2] = requantize_channel(acc.a2, flash_read(rq + 4), flash_read(rq + 5), C::output_zero_point, C::act_min,
                                 C::act_max);
  output[3] = requantize_channel(acc.a3, flash_read(rq + 6), flash_read(rq + 7), C::output_zero_point, C::act_min,
                                 C::act_max);
}

#if defined(MF_DOT_ARM_DSP)

// Two pixels' inputs widened once for all channel blocks: per group of four inputs the words
// A even, B even, A odd, B odd (SXTB16 and its ROR #8 form of pixel A's and B's word), so a
// block reads both pixels' int16 pairs of a half group with one LDRD.
template <int32_t Depth>
MF_ALWAYS_INLINE void widen_pixel_pair(const int8_t* a, const int8_t* b, int32_t* wide) {
  for (int32_t g = 0; g < Depth / 4; ++g, a += 4, b += 4, wide += 4) {
    const int32_t va = load_s8x4(a), vb = load_s8x4(b);
    wide[0] = __sxtb16(va), wide[1] = __sxtb16(vb), wide[2] = sxtb16_ror8(va), wide[3] = sxtb16_ror8(vb);
  }
}

// S and U (fully_connected_wide.h) of a block's pairs 0 and 1 for pixels a and b.
struct PairSums4x2 {
  int32_t s0a, s0b, u0a, u0b, s1a, s1b, u1a, u1b;
};

// pair_block4_x2 over widen_pixel_pair's words and the half-major weights (fully_connected_wide.h):
// per half group one LDRD for both pixels' inputs and one for both pairs' weight words, each
// word split once, 8 SMLADs: 24 instructions for 32 MACs. The 8 sums, 4 operands and 2
// pointers take 14 registers, so the loop's end is read from the stack; up to four groups run
// unrolled, more loop by up to four per pass. Adds to the sums in s (their start: the bias);
// w at the block, returns past it.
template <int32_t Groups>
MF_ALWAYS_INLINE const int32_t* widened_block4_x2(PairSums4x2& s, const int32_t* x, const int32_t* w) {
  static_assert(Groups >= 1, "widened_block4_x2: at least one group");
  const int32_t* end = x + 4 * Groups;
  int32_t xa, xb, v0, v1;
#define MF_WIDE_PAIR(v, s_a, s_b, u_a, u_b)       \
  "smlad %[" s_a "], %[" v "], %[xa], %[" s_a "]\n\t" \
  "smlad %[" s_b "], %[" v "], %[xb], %[" s_b "]\n\t" \
  "sxtb16 %[" v "], %[" v "]\n\t"                    \
  "smlad %[" u_a "], %[" v "], %[xa], %[" u_a "]\n\t" \
  "smlad %[" u_b "], %[" v "], %[xb], %[" u_b "]\n\t"
#define MF_WIDE_HALF(x_address, w_address)                                                              \
  "ldrd %[xa], %[xb], " x_address "\n\t"                                                                 \
  "ldrd %[v0], %[v1], " w_address "\n\t" MF_WIDE_PAIR("v0", "s0a", "s0b", "u0a", "u0b")                 \
      MF_WIDE_PAIR("v1", "s1a", "s1b", "u1a", "u1b")
#define MF_WIDE_GROUP MF_WIDE_HALF("[%[x]], #16", "[%[w]], #16") MF_WIDE_HALF("[%[x], #-8]", "[%[w], #-8]")
  __asm__ volatile(
      ".if %c[groups] <= 4\n\t"
      ".rept %c[groups]\n\t" MF_WIDE_GROUP ".endr\n\t"
      ".else\n"
      "1:\n\t"
      ".rept %c[per_pass]\n\t" MF_WIDE_GROUP ".endr\n\t"
      "ldr %[v0], %[end]\n\t"
      "cmp %[x], %[v0]\n\t"
      "bne 1b\n\t"
      ".endif"
      : [s0a] "+r"(s.s0a), [s0b] "+r"(s.s0b), [u0a] "+r"(s.u0a), [u0b] "+r"(s.u0b), [s1a] "+r"(s.s1a),
        [s1b] "+r"(s.s1b), [u1a] "+r"(s.u1a), [u1b] "+r"(s.u1b), [xa] "=&r"(xa), [xb] "=&r"(xb), [v0] "=&r"(v0),
        [v1] "=&r"(v1), [x] "+r"(x), [w] "+r"(w)
      : [end] "m"(end), [groups] "i"(Groups), [per_pass] "i"(Groups % 4 == 0 ? 4 : Groups % 2 == 0 ? 2 : 1)
      : "cc", "memory");
#undef MF_WIDE_GROUP
#undef MF_WIDE_HALF
#undef MF_WIDE_PAIR
  return w;
}

// One channel of both pixels, its (multiplier, n) read once.
template <typename C>
MF_ALWAYS_INLINE void requantize_x2(int32_t acc_a, int32_t acc_b, const int32_t* rq, int8_t* out_a, int8_t* out_b) {
  const int32_t multiplier = flash_read(rq), n = flash_read(rq + 1);
  *out_a = requantize_channel(acc_a, multiplier, n, C::output_zero_point, C::act_min, C::act_max);
  *out_b = requantize_channel(acc_b, multiplier, n, C::output_zero_point, C::act_min, C::act_max);
}

// All channels of pixels a and b (widened at wide) in blocks of four (output_depth % 4 == 0,
// input_depth % 4 == 0: the half-major layout has no last pair, odd row or tails). Each pair's A bias
// starts both its sums, so U is A's accumulator and S - U = 256 Σ B·x still; B's bias is added
// after the split.
template <typename C>
MF_ALWAYS_INLINE void conv_1x1_pixel_pair(const int32_t* wide, const int32_t* w, const int32_t* bias,
                                          const int32_t* rq, int8_t* out_a, int8_t* out_b) {
  for (int32_t i = 0; i < C::output_depth / 4; ++i, bias += 4, rq += 8, out_a += 4, out_b += 4) {
    const int32_t bias0 = flash_read(bias), bias2 = flash_read(bias + 2);
    PairSums4x2 s = {bias0, bias0, bias0, bias0, bias2, bias2, bias2, bias2};
    w = widened_block4_x2<C::input_depth / 4>(s, wide, w);
    requantize_x2<C>(s.u0a, s.u0b, rq, out_a, out_b);
    const int32_t bias1 = flash_read(bias + 1);
    requantize_x2<C>(bias1 + ((s.s0a - s.u0a) >> 8), bias1 + ((s.s0b - s.u0b) >> 8), rq + 2, out_a + 1, out_b + 1);
    requantize_x2<C>(s.u1a, s.u1b, rq + 4, out_a + 2, out_b + 2);
    const int32_t bias3 = flash_read(bias + 3);
    requantize_x2<C>(bias3 + ((s.s1a - s.u1a) >> 8), bias3 + ((s.s1b - s.u1b) >> 8), rq + 6, out_a + 3, out_b + 3);
  }
}

#endif

}  // namespace detail

// folded_bias[c] = bias[c] - Z_in * sum_k w[c][k]; weights: fully_connected_wide.h's channel pairs with
// rows = output channels; requant: flash [output_depth][2] = (multiplier, -shift - 1).
// C: Conv2D1x1S8WideConstants<...>.
template <typename C>
inline void conv_2d_1x1_s8_wide_fixed(const int8_t* input, const int32_t* weights, const int32_t* folded_bias,
                                      const int32_t* requant, int8_t* output) {
  auto store = [&](int8_t* out) {
    return [=](int32_t c, int32_t sum) {
      out[c] = detail::requantize_channel(flash_read(folded_bias + c) + sum, flash_read(requant + 2 * c),
                                          flash_read(requant + 2 * c + 1), C::output_zero_point, C::act_min,
                                          C::act_max);
    };
  };
  int32_t px = 0;
#if defined(MF_DOT_ARM_DSP)
  // Whole groups and blocks (the compiler lays the weights out half-major): two pixels per
  // pass, their inputs widened once into a stack copy (4 bytes per input channel); an odd last
  // pixel alone.
  if (C::input_depth % 4 == 0 && C::output_depth % 4 == 0) {
    int32_t wide[C::input_depth];
    for (; px + 2 <= C::pixels; px += 2, input += 2 * C::input_depth, output += 2 * C::output_stride) {
      detail::widen_pixel_pair<C::input_depth>(input, input + C::input_depth, wide);
      detail::conv_1x1_pixel_pair<C>(wide, weights, folded_bias, requant, output, output + C::output_stride);
    }
    if (px < C::pixels) detail::pair_rows<C::input_depth, C::output_depth, true>(input, weights, store(output));
    return;
  }
  if (C::input_depth >= 4 && C::input_depth <= 4095 && C::output_depth >= 4) {  // LDR offsets: imm12
    // Two pixels per pass: each weight word loaded and split once for both.
    for (; px + 2 <= C::pixels; px += 2, input += 2 * C::input_depth, output += 2 * C::output_stride)
      detail::pair_rows_x2<C::input_depth, C::output_depth>(input, weights, store(output),
                                                            store(output + C::output_stride));
  }
#endif
  for (; px < C::pixels; ++px, input += C::input_depth, output += C::output_stride)
    detail::pair_rows<C::input_depth, C::output_depth>(input, weights, store(output));
}

// The same product on TFLite's int8 [output_depth][input_depth] rows, for cores whose int8
// dot products are vector instructions (Helium/MVE: rows4_dot / dot_s8 take 16 int8 per
// VMLADAVA, the tail predicated). folded_bias and requant as above. C: Conv2D1x1S8WideConstants<...>.
template <typename C>
inline void conv_2d_1x1_s8_rows_fixed(const int8_t* input, const int8_t* weights, const int32_t* folded_bias,
                                      const int32_t* requant, int8_t* output) {
  const int32_t depth = C::input_depth;
  for (int32_t px = 0; px < C::pixels; ++px, input += depth) {
    const int8_t* w = weights;
    const int32_t* bias = folded_bias;
    const int32_t* rq = requant;
    for (int32_t i = 0; i < C::output_depth / 4; ++i, bias += 4, rq += 8, w += 4 * depth) {
      detail::Acc4 acc = {flash_read(bias), flash_read(bias + 1), flash_read(bias + 2), flash_read(bias + 3)};
      detail::rows4_dot(acc, input, w, depth, depth);
      detail::requantize_block4<C>(acc, rq, output);
      output += 4;
    }
    for (int32_t i = 0; i < C::output_depth % 4; ++i, rq += 2, w += depth) {
      *output++ = detail::requantize_channel(flash_read(bias++) + dot_s8(w, input, depth), flash_read(rq),
                                             flash_read(rq + 1), C::output_zero_point, C::act_min, C::act_max);
    }
    output += C::output_stride - C::output_depth;
  }
}

}  // namespace mf

#endif  // MICROFLOW_CONV_2D_1X1_WIDE_H_
