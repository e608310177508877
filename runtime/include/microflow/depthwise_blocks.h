// Depthwise int8 in blocks of four output channels that share one walk over the image:
// the block's filter taps and requantization constants are loaded once (kept on the
// stack, already sign-extended on Arm DSP) and reused for every output pixel. Output
// values go to a sink, so the fused DEPTHWISE+FULLY_CONNECTED kernel reuses the loops.
#ifndef MICROFLOW_DEPTHWISE_BLOCKS_H_
#define MICROFLOW_DEPTHWISE_BLOCKS_H_

#include <stdint.h>

#include "dot_s8.h"
#include "flash.h"
#include "kernel_util.h"

namespace mf {
namespace detail {

// Largest window handled in blocks (micro_speech: 10x8); bigger windows use the
// per-channel loop.
constexpr int32_t kDepthwiseMaxTaps = 81;

// Geometry of a depthwise layer as the block loops need it (all in elements).
struct DepthwiseGeometry {
  int32_t input_height, input_width, input_depth, output_height, output_width, output_depth;
  int32_t filter_height, filter_width, depth_multiplier;
  int32_t stride_height, stride_width, dilation_height, dilation_width, pad_top, pad_left;
  int32_t input_zero_point;
};

// How four adjacent output channels oc..oc+3 read the input: each its own channel
// (depth_multiplier 1) or all the same one (depth_multiplier a multiple of 4).
enum class DepthwiseBlock { kElementwise, kBroadcast };

// The block's filter taps in the form the MACs want: per tap the sign-extended even and odd
// int16 pairs on Arm DSP (one LDRD), the raw int8 (out of flash) elsewhere.
struct TapWeights4 {
#if defined(MF_DOT_ARM_DSP)
  int32_t w[2 * kDepthwiseMaxTaps];
#else
  int8_t w[4 * kDepthwiseMaxTaps];
#endif
};

inline void load_tap_weights4(TapWeights4& t, const int8_t* w, int32_t taps, int32_t tap_stride) {
  for (int32_t i = 0; i < taps; ++i, w += tap_stride) {
#if defined(MF_DOT_ARM_DSP)
    const int32_t v = flash_s8x4(w);
    t.w[2 * i] = __sxtb16(v);
    t.w[2 * i + 1] = sxtb16_ror8(v);
#else
    for (int32_t j = 0; j < 4; ++j) t.w[4 * i + j] = flash_read(w + j);
#endif
  }
}

#if defined(MF_DOT_ARM_DSP)
// One tap of four channels; w points at the tap's pair (I selects tap w + 2*I). Written in
// assembly because GCC spills accumulators when it schedules these itself.
template <DepthwiseBlock Mode, int I>
MF_ALWAYS_INLINE void tap_mac4(Acc4& a, const int8_t* x, int32_t offset, const int32_t* w) {
  int32_t v, even, odd, w_even, w_odd;
  if (Mode == DepthwiseBlock::kBroadcast) {
    __asm__(
        "ldrsb %[v], [%[x], %[off]]\n\t"
        "ldrd %[we], %[wo], [%[w], %[i]]\n\t"
        "smlabb %[a0], %[v], %[we], %[a0]\n\t"
        "smlabt %[a2], %[v], %[we], %[a2]\n\t"
        "smlabb %[a1], %[v], %[wo], %[a1]\n\t"
        "smlabt %[a3], %[v], %[wo], %[a3]"
        : [a0] "+r"(a.a0), [a1] "+r"(a.a1), [a2] "+r"(a.a2), [a3] "+r"(a.a3), [v] "=&r"(v), [we] "=&r"(w_even),
          [wo] "=&r"(w_odd)
        : [x] "r"(x), [off] "r"(offset), [w] "r"(w), [i] "i"(8 * I)
        : "memory");
    (void)even, (void)odd;
  } else {
    __asm__(
        "ldr %[v], [%[x], %[off]]\n\t"
        "ldrd %[we], %[wo], [%[w], %[i]]\n\t"
        "sxtb16 %[e], %[v]\n\t"
        "sxtb16 %[o], %[v], ror #8\n\t"
        "smlabb %[a0], %[e], %[we], %[a0]\n\t"
        "smlatt %[a2], %[e], %[we], %[a2]\n\t"
        "smlabb %[a1], %[o], %[wo], %[a1]\n\t"
        "smlatt %[a3], %[o], %[wo], %[a3]"
        : [a0] "+r"(a.a0), [a1] "+r"(a.a1), [a2] "+r"(a.a2), [a3] "+r"(a.a3), [v] "=&r"(v), [e] "=&r"(even),
          [o] "=&r"(odd), [we] "=&r"(w_even), [wo] "=&r"(w_odd)
        : [x] "r"(x), [off] "r"(offset), [w] "r"(w), [i] "i"(8 * I)
        : "memory");
  }
}
constexpr int32_t kTapWords = 2;  // TapWeights4 words per tap
#else
template <DepthwiseBlock Mode, int I>
MF_ALWAYS_INLINE void tap_mac4(Acc4& acc, const int8_t* x, int32_t offset, const int8_t* w) {
  x += offset;
  w += 4 * I;
  if (Mode == DepthwiseBlock::kBroadcast) {
    const int8_t s = *x;
    acc.a0 += mul_s8(s, w[0]), acc.a1 += mul_s8(s, w[1]), acc.a2 += mul_s8(s, w[2]), acc.a3 += mul_s8(s, w[3]);
  } else {
    acc.a0 += mul_s8(x[0], w[0]), acc.a1 += mul_s8(x[1], w[1]);
    acc.a2 += mul_s8(x[2], w[2]), acc.a3 += mul_s8(x[3], w[3]);
  }
}
constexpr int32_t kTapWords = 4;
#endif

// acc + the window sums: tap i reads x + offsets[i] (the taps of TapWeights4 in order).
template <DepthwiseBlock Mode, typename W>
MF_ALWAYS_INLINE Acc4 window4(Acc4 acc, const int8_t* x, const int32_t* offsets, const W* w, int32_t taps) {
  if (taps == 9) {  // 3x3, unrolled
    tap_mac4<Mode, 0>(acc, x, offsets[0], w);
    tap_mac4<Mode, 1>(acc, x, offsets[1], w);
    tap_mac4<Mode, 2>(acc, x, offsets[2], w);
    tap_mac4<Mode, 3>(acc, x, offsets[3], w);
    tap_mac4<Mode, 4>(acc, x, offsets[4], w);
    tap_mac4<Mode, 5>(acc, x, offsets[5], w);
    tap_mac4<Mode, 6>(acc, x, offsets[6], w);
    tap_mac4<Mode, 7>(acc, x, offsets[7], w);
    tap_mac4<Mode, 8>(acc, x, offsets[8], w);
    return acc;
  }
  for (; taps >= 3; taps -= 3, offsets += 3, w += 3 * kTapWords) {
    tap_mac4<Mode, 0>(acc, x, offsets[0], w);
    tap_mac4<Mode, 1>(acc, x, offsets[1], w);
    tap_mac4<Mode, 2>(acc, x, offsets[2], w);
  }
  for (; taps > 0; --taps, ++offsets, w += kTapWords) tap_mac4<Mode, 0>(acc, x, offsets[0], w);
  return acc;
}

// Bias and requantization of the block's four channels.
struct Requant4 {
  int32_t bias[4], multiplier[4], shift[4];  // TFLM's, for the general path
  Q31Channel q31[4];
  bool all_q31;  // every channel fits requantize_q31
};

inline void load_requant4(Requant4& r, const int32_t* bias, const int32_t* multiplier, const int32_t* shift) {
  r.all_q31 = true;
  for (int32_t j = 0; j < 4; ++j) {
    r.bias[j] = flash_read(bias + j);
    r.multiplier[j] = flash_read(multiplier + j);
    r.shift[j] = flash_read(shift + j);
    r.all_q31 = r.all_q31 && is_q31_requantization(r.multiplier[j], r.shift[j]);
    r.q31[j] = make_q31_channel(r.multiplier[j], r.shift[j]);
  }
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

// Window sums for a window crossing the image border: out-of-image taps read Z_in.
template <DepthwiseBlock Mode>
MF_ALWAYS_INLINE Acc4 border_window4(Acc4 acc, const DepthwiseGeometry& g, const int8_t* image, int32_t origin_y,
                           int32_t origin_x, int32_t ic, const TapWeights4& t) {
  const int8_t z = static_cast<int8_t>(g.input_zero_point);
  const int8_t zero_points[4] = {z, z, z, z};
  int32_t i = 0;
  for (int32_t ky = 0; ky < g.filter_height; ++ky) {
    const int32_t iy = origin_y + ky * g.dilation_height;
    const bool row_inside = iy >= 0 && iy < g.input_height;
    for (int32_t kx = 0; kx < g.filter_width; ++kx, ++i) {
      const int32_t ix = origin_x + kx * g.dilation_width;
      const bool inside = row_inside && ix >= 0 && ix < g.input_width;
      const int8_t* x = inside ? image + (iy * g.input_width + ix) * g.input_depth + ic : zero_points;
      tap_mac4<Mode, 0>(acc, x, 0, t.w + kTapWords * i);
    }
  }
  return acc;
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
    for (int32_t oy = 0; oy < g.output_height; ++oy) {
      const int32_t origin_y = oy * g.stride_height - g.pad_top;
      const bool rows_inside = window_inside(origin_y, g.filter_height, g.dilation_height, g.input_height);
      int32_t index = oy * g.output_width * g.output_depth + oc;
      for (int32_t ox = 0; ox < g.output_width;) {
        const int32_t origin_x = ox * g.stride_width - g.pad_left;
        if (!rows_inside || !window_inside(origin_x, g.filter_width, g.dilation_width, g.input_width)) {
          emit4(range, rq, border_window4<Mode>(bias, g, image, origin_y, origin_x, ic, weights), index, sink);
          ++ox, index += g.output_depth;
          continue;
        }
        // A run of interior pixels: the window moves by pixel_step.
        int32_t end = ox + 1;
        while (end < g.output_width &&
               window_inside(end * g.stride_width - g.pad_left, g.filter_width, g.dilation_width, g.input_width))
          ++end;
        const int8_t* x = image + (origin_y * g.input_width + origin_x) * g.input_depth + ic;
        for (; ox < end; ++ox, index += g.output_depth, x += pixel_step)
          emit4(range, rq, window4<Mode>(bias, x, offsets, weights.w, taps), index, sink);
      }
    }
  }
  return sink;
}

}  // namespace detail
}  // namespace mf

#endif  // MICROFLOW_DEPTHWISE_BLOCKS_H_
