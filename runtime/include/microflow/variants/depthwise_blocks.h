// Depthwise int8 in blocks of four output channels that share one walk over the image:
// the block's filter taps and requantization constants are loaded once (kept on the
// stack, already sign-extended on Arm DSP) and reused for every output pixel. Output
// values go to a sink, so the fused DEPTHWISE+FULLY_CONNECTED kernel reuses the loops.
#ifndef MICROFLOW_DEPTHWISE_BLOCKS_H_
#define MICROFLOW_DEPTHWISE_BLOCKS_H_

#include <stdint.h>

#include "microflow/arch/depthwise_taps.h"
#include "microflow/arch/dot_s8.h"
#include "microflow/exec/flash.h"
#include "microflow/kernel_util.h"

namespace mf {
namespace detail {

// Geometry of a depthwise layer as the block loops need it (all in elements).
struct DepthwiseGeometry {
  int32_t input_height, input_width, input_depth, output_height, output_width, output_depth;
  int32_t filter_height, filter_width, depth_multiplier;
  int32_t stride_height, stride_width, dilation_height, dilation_width, pad_top, pad_left;
  int32_t input_zero_point;
};

// Bias and requantization of the block's four channels.
struct Requant4 {
  int32_t bias[4], multiplier[4], shift[4];  // TFLM's, for the general path
  Q31Channel q31[4];
  bool all_q31;  // every channel fits requantize_q31
};

// Unrolled by hand: GCC turns the loop's three array copies into memcpy calls, which
// picolibc (RV32, Xtensa) runs a byte at a time.
inline void load_requant4(Requant4& r, const int32_t* bias, const int32_t* multiplier, const int32_t* shift) {
  r.all_q31 = true;
  const auto channel = [&](int32_t j) __attribute__((always_inline)) {
    r.bias[j] = flash_read(bias + j);
    r.multiplier[j] = flash_read(multiplier + j);
    r.shift[j] = flash_read(shift + j);
    r.all_q31 = r.all_q31 && is_q31_requantization(r.multiplier[j], r.shift[j]);
    r.q31[j] = make_q31_channel(r.multiplier[j], r.shift[j]);
  };
  channel(0), channel(1), channel(2), channel(3);
}

// The output stage's per-layer values, held in locals (an int8 store through a pointer
// could alias a params struct and force reloads).
struct OutputRange {
  int32_t zero_point, act_min, act_max;
};

// Requantizes four sums (bias included) and hands them to sink(index + j, value).
template <typename Sink>
MF_ALWAYS_INLINE void emit4(const OutputRange& o, const Requant4& rq, const Acc4& acc, int32_t index, Sink& sink) {
  if (rq.all_q31) {
    sink(index, clamp_to_s8(requantize_q31(acc.a0, rq.q31[0], o.zero_point), o.act_min, o.act_max));
    sink(index + 1, clamp_to_s8(requantize_q31(acc.a1, rq.q31[1], o.zero_point), o.act_min, o.act_max));
    sink(index + 2, clamp_to_s8(requantize_q31(acc.a2, rq.q31[2], o.zero_point), o.act_min, o.act_max));
    sink(index + 3, clamp_to_s8(requantize_q31(acc.a3, rq.q31[3], o.zero_point), o.act_min, o.act_max));
    return;
  }
  const int32_t sums[4] = {acc.a0, acc.a1, acc.a2, acc.a3};
  for (int32_t j = 0; j < 4; ++j) {
    const int32_t v = multiply_by_quantized_multiplier(sums[j], rq.multiplier[j], rq.shift[j]);
    sink(index + j, clamp_to_s8(v + o.zero_point, o.act_min, o.act_max));
  }
}

#if defined(MF_DOT_ARM_MVE)
// The same on Helium's vector of four sums: q31 requantization lane-wise, four int8 to
// sink.put4. VQRDMULH is SRDHM (no saturation: the multiplier is below 2^31); VRSHL by
// shift < 0 rounds halves up, TFLM's RoundingDivideByPOT rounds them away from zero, so a
// negative t first loses one: ((t - (t < 0)) + 2^(n-1)) >> n, as requantize_q31.
template <typename Sink>
MF_ALWAYS_INLINE void emit4(const OutputRange& o, const Requant4& rq, int32x4_t acc, int32_t index, Sink& sink) {
  if (rq.all_q31) {
    const int32x4_t t = vqrdmulhq_s32(acc, vldrwq_s32(rq.multiplier));
    const int32x4_t r = vrshlq_s32(vaddq_s32(t, vshrq_n_s32(t, 31)), vldrwq_s32(rq.shift));
    const int32x4_t v = vaddq_n_s32(r, o.zero_point);
    sink.put4(index, vminq_s32(vmaxq_s32(v, vdupq_n_s32(o.act_min)), vdupq_n_s32(o.act_max)));
    return;
  }
  const Acc4 sums = {vgetq_lane_s32(acc, 0), vgetq_lane_s32(acc, 1), vgetq_lane_s32(acc, 2), vgetq_lane_s32(acc, 3)};
  emit4(o, rq, sums, index, sink);
}
#endif

// A window crossing the image border, in TFLM's formulation: from the unfolded bias, the
// in-image taps only, each as w * (x - Z_in).
template <DepthwiseBlock Mode>
inline Sum4 border_window4(const Acc4& bias, const DepthwiseGeometry& g, const int8_t* image, int32_t origin_y,
                           int32_t origin_x, int32_t ic, const TapWeights4& t) {
  BorderAcc acc = border_begin(bias);
  const int32_t width = g.input_width, depth = g.input_depth, zero_point = g.input_zero_point;
  const int32_t tap_step = g.dilation_width * depth;
  // Columns kx in [kx_begin, kx_end) are inside the image, the same in every row: the tap
  // loop below needs no bounds checks (and gets the geometry in registers).
  int32_t kx_begin = 0, kx_end = g.filter_width;
  while (kx_begin < kx_end && origin_x + kx_begin * g.dilation_width < 0) ++kx_begin;
  while (kx_end > kx_begin && origin_x + (kx_end - 1) * g.dilation_width >= width) --kx_end;
  for (int32_t ky = 0, i = kx_begin; ky < g.filter_height; ++ky, i += g.filter_width) {
    const int32_t iy = origin_y + ky * g.dilation_height;
    if (iy < 0 || iy >= g.input_height) continue;
    const int8_t* x = image + (iy * width + origin_x + kx_begin * g.dilation_width) * depth + ic;
    for (int32_t kx = kx_begin, k = i; kx < kx_end; ++kx, ++k, x += tap_step) tap_zp4<Mode>(acc, x, zero_point, t, k);
  }
  return border_end(acc);
}

// Runs every output pixel of one image through four-channel blocks; sink(index, value)
// receives each int8 output with its NHWC index in the output tensor, and is returned.
// The caller checks that the window has at most kDepthwiseMaxTaps taps.
template <DepthwiseBlock Mode, typename Params, typename Sink>
inline Sink depthwise_blocks_s8(const DepthwiseGeometry& g, const Params& p, const int8_t* image,
                                const int8_t* filter, const int32_t* folded_bias, Sink sink) {
  const int32_t taps = g.filter_height * g.filter_width;
  int32_t offsets[kDepthwiseMaxTaps];  // of each tap from the window's first, in the image
  for (int32_t ky = 0, i = 0; ky < g.filter_height; ++ky)
    for (int32_t kx = 0; kx < g.filter_width; ++kx, ++i)
      offsets[i] = (ky * g.dilation_height * g.input_width + kx * g.dilation_width) * g.input_depth;
  const int32_t pixel_step = g.stride_width * g.input_depth;
  TapWeights4 weights;
  Requant4 rq;
  const OutputRange range = {p.output_zero_point, p.act_min, p.act_max};
  for (int32_t oc = 0; oc + 4 <= g.output_depth; oc += 4) {
    const int32_t ic = Mode == DepthwiseBlock::kBroadcast ? oc / g.depth_multiplier : oc;
    load_tap_weights4(weights, filter + oc, taps, g.output_depth);
    load_requant4(rq, folded_bias + oc, p.channel_multiplier + oc, p.channel_shift + oc);
    const Acc4 bias = {rq.bias[0], rq.bias[1], rq.bias[2], rq.bias[3]};
    // The bias before the compiler folded Z_in * (sum of the block's taps) into it.
    Acc4 unfolded = bias;
    for (int32_t i = 0; i < taps; ++i) {
      const int8_t* w = filter + i * g.output_depth + oc;
      unfolded.a0 += g.input_zero_point * flash_read(w), unfolded.a1 += g.input_zero_point * flash_read(w + 1);
      unfolded.a2 += g.input_zero_point * flash_read(w + 2), unfolded.a3 += g.input_zero_point * flash_read(w + 3);
    }
    for (int32_t oy = 0; oy < g.output_height; ++oy) {
      const int32_t origin_y = oy * g.stride_height - g.pad_top;
      const bool rows_inside = window_inside(origin_y, g.filter_height, g.dilation_height, g.input_height);
      int32_t index = oy * g.output_width * g.output_depth + oc;
      for (int32_t ox = 0; ox < g.output_width;) {
        const int32_t origin_x = ox * g.stride_width - g.pad_left;
        if (!rows_inside || !window_inside(origin_x, g.filter_width, g.dilation_width, g.input_width)) {
          emit4(range, rq, border_window4<Mode>(unfolded, g, image, origin_y, origin_x, ic, weights), index, sink);
          ++ox, index += g.output_depth;
          continue;
        }
        // A run of interior pixels: the window moves by pixel_step.
        int32_t end = ox + 1;
        while (end < g.output_width &&
               window_inside(end * g.stride_width - g.pad_left, g.filter_width, g.dilation_width, g.input_width))
          ++end;
        const int8_t* x = image + (origin_y * g.input_width + origin_x) * g.input_depth + ic;
#if defined(MF_DOT_ARM_MVE) || defined(MF_DOT_RV32)
        for (; ox + 2 <= end; ox += 2, index += 2 * g.output_depth, x += 2 * pixel_step) {
          Sum4 first, second;
          window4x2<Mode>(bias, x, pixel_step, offsets, weights, taps, first, second);
          emit4(range, rq, first, index, sink);
          emit4(range, rq, second, index + g.output_depth, sink);
        }
#endif
        for (; ox < end; ++ox, index += g.output_depth, x += pixel_step)
          emit4(range, rq, window4<Mode>(bias, x, offsets, weights, taps), index, sink);
      }
    }
  }
  return sink;
}

}  // namespace detail
}  // namespace mf

#endif  // MICROFLOW_DEPTHWISE_BLOCKS_H_
