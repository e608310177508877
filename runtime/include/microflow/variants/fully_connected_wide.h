// FULLY_CONNECTED, the variant the compiler picks with --optimize=speed (except on AVR) for
// per-tensor int8 layers whose requantization fits requantize_q31. Everything model-dependent is done
// by the compiler: the weights are stored widened to int16 as (w - Z_w), so the weight zero
// point needs no run-time input sum, in the order the inner loop consumes them, and the
// input zero point is folded into the bias. Twice the weight flash of fully_connected_s8,
// in exchange for no sign extension of weights and one pointer walking them.
//
// Weight layout (int32 words, compiler: lower_fully_connected.cpp), K = input_depth:
//   rows in blocks of four, for each block:
//     K/4 groups of 8 words: per row j, (w[k], w[k+2]) and (w[k+1], w[k+3]) as int16 pairs
//       (low half first): the even and odd halves SXTB16 makes of four inputs;
//     then per remaining k (K % 4): (row 0, row 1) and (row 2, row 3);
//   then each of the N % 4 remaining rows alone:
//     K/4 groups of 2 words (even, odd pairs as above), then K % 4 int16 zero-padded to a word.
#ifndef MICROFLOW_FULLY_CONNECTED_WIDE_H_
#define MICROFLOW_FULLY_CONNECTED_WIDE_H_

#include <stdint.h>

#include "microflow/arch/dot_s8.h"
#include "microflow/fixed_point.h"
#include "microflow/exec/flash.h"
#include "microflow/kernels/fully_connected.h"
#include "microflow/kernel_util.h"

namespace mf {

namespace detail {

struct WideOutput {
  Q31Channel q31;
  int32_t zero_point, act_min, act_max;
};

// requantize_q31 + clamp_to_s8. With the fixed variant every field is a constant and the
// branches on them fold away.
MF_ALWAYS_INLINE int8_t wide_requantize(const WideOutput& o, int32_t acc) {
#if defined(MF_DOT_ARM_DSP)
  int32_t high;
  __asm__("smmulr %0, %1, %2" : "=r"(high) : "r"(acc), "r"(o.q31.multiplier));
  const int32_t t = high + acc;
  const int32_t u = t - static_cast<int32_t>(static_cast<uint32_t>(t) >> 31);
  // round_shift_q31 plus the zero point is ((u >> n) + 1 + 2 Z) >> 1 (adding an even number
  // commutes with the halving); SSAT does that last shift and the int8 range at once. For
  // n == 0, floor((u + 1) / 2) is taken as (u >> 1) + (u & 1), which cannot overflow.
  int32_t v;
  if (o.q31.shift > 0) {
    const int32_t halves = (u >> o.q31.shift) + 1 + 2 * o.zero_point;
    __asm__("ssat %0, #8, %1, asr #1" : "=r"(v) : "r"(halves));
  } else {
    const int32_t full = (u >> 1) + (u & 1) + o.zero_point;
    __asm__("ssat %0, #8, %1" : "=r"(v) : "r"(full));
  }
  if (o.act_min > -128 && v < o.act_min) v = o.act_min;
  if (o.act_max < 127 && v > o.act_max) v = o.act_max;
  return static_cast<int8_t>(v);
#else
  return clamp_to_s8(requantize_q31(acc, o.q31, o.zero_point), o.act_min, o.act_max);
#endif
}

#if defined(MF_DOT_ARM_DSP)

// Four rows: acc.a<j> += sum_k w'[j][k] * x[k]; w at the block, returns past it.
MF_ALWAYS_INLINE const int32_t* wide_block4(Acc4& acc, const int8_t* x, const int32_t* w, int32_t depth) {
  int32_t a0 = acc.a0, a1 = acc.a1, a2 = acc.a2, a3 = acc.a3;
  for (int32_t g = depth >> 2; g > 0; --g, x += 4, w += 8) {
    const int32_t v = load_s8x4(x);
    const int32_t even = __sxtb16(v), odd = sxtb16_ror8(v);
    a0 = __smlad(w[0], even, a0), a0 = __smlad(w[1], odd, a0);
    a1 = __smlad(w[2], even, a1), a1 = __smlad(w[3], odd, a1);
    a2 = __smlad(w[4], even, a2), a2 = __smlad(w[5], odd, a2);
    a3 = __smlad(w[6], even, a3), a3 = __smlad(w[7], odd, a3);
  }
  for (int32_t t = depth & 3; t > 0; --t, ++x, w += 2) {
    const int32_t v = *x;
    a0 = __smlabb(v, w[0], a0), a1 = __smlabt(v, w[0], a1);
    a2 = __smlabb(v, w[1], a2), a3 = __smlabt(v, w[1], a3);
  }
  acc.a0 = a0, acc.a1 = a1, acc.a2 = a2, acc.a3 = a3;
  return w;
}

// One row; returns past it.
MF_ALWAYS_INLINE const int32_t* wide_row(int32_t& acc, const int8_t* x, const int32_t* w, int32_t depth) {
  int32_t a = acc;
  for (int32_t g = depth >> 2; g > 0; --g, x += 4, w += 2) {
    const int32_t v = load_s8x4(x);
    a = __smlad(w[0], __sxtb16(v), a), a = __smlad(w[1], sxtb16_ror8(v), a);
  }
  const int16_t* tail = reinterpret_cast<const int16_t*>(w);
  const int32_t t = depth & 3;
  for (int32_t i = 0; i < t; ++i) a += tail[i] * x[i];
  acc = a;
  return w + (t + 1) / 2;
}

#else

// Plain C over the same layout, read as int16 through flash.h.
inline const int32_t* wide_block4(Acc4& acc, const int8_t* x, const int32_t* words, int32_t depth) {
  const int16_t* w = reinterpret_cast<const int16_t*>(words);
  for (int32_t g = depth >> 2; g > 0; --g, x += 4, w += 16) {
    const int32_t x0 = x[0], x1 = x[1], x2 = x[2], x3 = x[3];
    acc.a0 += flash_read(w) * x0 + flash_read(w + 1) * x2 + flash_read(w + 2) * x1 + flash_read(w + 3) * x3;
    acc.a1 += flash_read(w + 4) * x0 + flash_read(w + 5) * x2 + flash_read(w + 6) * x1 + flash_read(w + 7) * x3;
    acc.a2 += flash_read(w + 8) * x0 + flash_read(w + 9) * x2 + flash_read(w + 10) * x1 + flash_read(w + 11) * x3;
    acc.a3 += flash_read(w + 12) * x0 + flash_read(w + 13) * x2 + flash_read(w + 14) * x1 + flash_read(w + 15) * x3;
  }
  for (int32_t t = depth & 3; t > 0; --t, ++x, w += 4) {
    const int32_t v = *x;
    acc.a0 += flash_read(w) * v, acc.a1 += flash_read(w + 1) * v;
    acc.a2 += flash_read(w + 2) * v, acc.a3 += flash_read(w + 3) * v;
  }
  return reinterpret_cast<const int32_t*>(w);
}

inline const int32_t* wide_row(int32_t& acc, const int8_t* x, const int32_t* words, int32_t depth) {
  const int16_t* w = reinterpret_cast<const int16_t*>(words);
  int32_t a = acc;
  for (int32_t g = depth >> 2; g > 0; --g, x += 4, w += 4)
    a += flash_read(w) * x[0] + flash_read(w + 1) * x[2] + flash_read(w + 2) * x[1] + flash_read(w + 3) * x[3];
  const int32_t t = depth & 3;
  for (int32_t i = 0; i < t; ++i) a += flash_read(w + i) * x[i];
  acc = a;
  return words + (depth >> 2) * 2 + (t + 1) / 2;
}

#endif

}  // namespace detail

// The layer's parameters, as template arguments: loop bounds, requantization and activation
// become immediates, and GCC drops the set-up and the branches a parameter struct would
// need, at the price of one copy of the code per layer. Multiplier in [2^30, 2^31), shift
// in [-31, -1] (requantize_q31's range).
template <int32_t Batches, int32_t InputDepth, int32_t OutputDepth, int32_t Multiplier, int32_t Shift,
          int32_t OutputZeroPoint, int32_t ActMin, int32_t ActMax>
struct FullyConnectedS8WideConstants {
  static constexpr int32_t batches = Batches, input_depth = InputDepth, output_depth = OutputDepth;
  static constexpr int32_t multiplier = Multiplier, shift = Shift, output_zero_point = OutputZeroPoint;
  static constexpr int32_t act_min = ActMin, act_max = ActMax;
};

// folded_bias[o] = bias[o] - Z_in * sum_k (w[o][k] - Z_w) (compiler-computed), so
// acc = folded_bias[o] + sum_k (w[o][k] - Z_w) * x[k], TFLM's sum exactly.
// C: FullyConnectedS8WideConstants<...>.
template <typename C>
inline void fully_connected_s8_wide_fixed(const int8_t* input, const int32_t* weights, const int32_t* folded_bias,
                                          int8_t* output) {
  static_assert(C::multiplier >= (static_cast<int32_t>(1) << 30) && C::shift < 0 && C::shift >= -31,
                "fully_connected_s8_wide_fixed: requantize_q31 range only");
  detail::WideOutput out;
  out.q31 = make_q31_channel(C::multiplier, C::shift);
  out.zero_point = C::output_zero_point, out.act_min = C::act_min, out.act_max = C::act_max;
  const int32_t depth = C::input_depth;
  for (int32_t b = 0; b < C::batches; ++b, input += depth) {
    const int32_t* w = weights;
    const int32_t* bias = folded_bias;
    for (int32_t i = 0; i < C::output_depth / 4; ++i, bias += 4) {
      detail::Acc4 acc = {flash_read(bias), flash_read(bias + 1), flash_read(bias + 2), flash_read(bias + 3)};
      w = detail::wide_block4(acc, input, w, depth);
      output[0] = detail::wide_requantize(out, acc.a0);
      output[1] = detail::wide_requantize(out, acc.a1);
      output[2] = detail::wide_requantize(out, acc.a2);
      output[3] = detail::wide_requantize(out, acc.a3);
      output += 4;
    }
    for (int32_t i = 0; i < C::output_depth % 4; ++i) {
      int32_t acc = flash_read(bias++);
      w = detail::wide_row(acc, input, w, depth);
      *output++ = detail::wide_requantize(out, acc);
    }
  }
}

// The variant for cores whose int8 dot products are vector instructions (Helium/MVE on the
// Cortex-M55: rows4_dot / dot_s8 take 16 int8 per VMLADAVA): TFLite's own int8 [N][K] rows
// and the generic kernel's folded bias (Z_w through the input sum), with the parameters as
// template arguments and wide_requantize's output stage. C: FullyConnectedS8Constants<...>.
template <typename C>
inline void fully_connected_s8_rows_fixed(const int8_t* input, const int8_t* weights, const int32_t* folded_bias,
                                          int8_t* output) {
  static_assert(C::multiplier >= (static_cast<int32_t>(1) << 30) && C::shift < 0 && C::shift >= -31,
                "fully_connected_s8_rows_fixed: requantize_q31 range only");
  detail::WideOutput out;
  out.q31 = make_q31_channel(C::multiplier, C::shift);
  out.zero_point = C::output_zero_point, out.act_min = C::act_min, out.act_max = C::act_max;
  const int32_t depth = C::input_depth;
  for (int32_t b = 0; b < C::batches; ++b, input += depth) {
    int32_t input_term = 0;
    if (C::weights_zero_point != 0) {
      for (int32_t d = 0; d < depth; ++d) input_term += input[d];
      input_term *= C::weights_zero_point;
    }
    const int8_t* w = weights;
    const int32_t* bias = folded_bias;
    for (int32_t i = 0; i < C::output_depth / 4; ++i, bias += 4, w += 4 * depth) {
      detail::Acc4 acc = {flash_read(bias) - input_term, flash_read(bias + 1) - input_term,
                          flash_read(bias + 2) - input_term, flash_read(bias + 3) - input_term};
      detail::rows4_dot(acc, input, w, depth, depth);
      output[0] = detail::wide_requantize(out, acc.a0);
      output[1] = detail::wide_requantize(out, acc.a1);
      output[2] = detail::wide_requantize(out, acc.a2);
      output[3] = detail::wide_requantize(out, acc.a3);
      output += 4;
    }
    for (int32_t i = 0; i < C::output_depth % 4; ++i, w += depth)
      *output++ = detail::wide_requantize(out, flash_read(bias++) + dot_s8(w, input, depth) - input_term);
  }
}

}  // namespace mf

#endif  // MICROFLOW_FULLY_CONNECTED_WIDE_H_
