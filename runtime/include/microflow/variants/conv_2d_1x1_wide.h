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
  int32_t high;
  __asm__("smmulr %0, %1, %2" : "=r"(high) : "r"(acc), "r"(static_cast<int32_t>(static_cast<uint32_t>(multiplier) << 1)));
  const int32_t t = high + acc;
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
  // Two pixels per pass: each weight word loaded and split once for both.
  if (C::input_depth >= 4 && C::input_depth <= 4095 && C::output_depth >= 4)  // LDR offsets: imm12
    for (; px + 2 <= C::pixels; px += 2, input += 2 * C::input_depth, output += 2 * C::output_stride)
      detail::pair_rows_x2<C::input_depth, C::output_depth>(input, weights, store(output),
                                                            store(output + C::output_stride));
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
