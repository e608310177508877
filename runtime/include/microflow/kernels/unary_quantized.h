// Single-input quantized element-wise operators, TFLM's reference arithmetic (int8 and,
// where TFLM has it, int16 with zero point 0): RELU, RELU6 (a clamp), LEAKY_RELU, ABS,
// HARD_SWISH, ELU, RSQRT.
//
// For int8 the compiler does not emit these kernels: it runs them on the host over all
// 256 inputs and emits the result as a table (kernels/lookup.h, ops/int8_table.h), or a
// clamp when the table is one. They stay the reference the tables are computed from.
// The int16 forms run on the MCU (a 65536-entry table would not fit).
#ifndef MICROFLOW_UNARY_QUANTIZED_H_
#define MICROFLOW_UNARY_QUANTIZED_H_

#include <math.h>
#include <stdint.h>

#include "microflow/exec/flash.h"
#include "microflow/fixed_point.h"
#include "microflow/fixed_point_math.h"

namespace mf {

struct ClampParams {
  int32_t size;
  int32_t min, max;
};

// RELU: requantize x - Z_in to the output, clamp to [act_min, act_max].
struct ReluParams {
  int32_t size;
  int32_t input_zero_point, output_zero_point;
  int32_t multiplier, shift;
  int32_t act_min, act_max;
};

// LEAKY_RELU (x >= Z_in: identity rescale, else alpha rescale) and PRELU-like sign
// splits; the alpha multiplier may be negative (negative alpha).
struct LeakyReluParams {
  int32_t size;
  int32_t input_zero_point, output_zero_point;
  int32_t alpha_multiplier, alpha_shift;
  int32_t identity_multiplier, identity_shift;
};

// ABS. mode: kAbsPlain (int16 without quantization: |x| wrapped to int16), kAbsOffset
// (equal scales: |x - Z_in| + Z_out), kAbsRescale (|x - Z_in| requantized, + Z_out).
struct AbsParams {
  int32_t size;
  int32_t mode;
  int32_t input_zero_point, output_zero_point;
  int32_t multiplier, shift;
};
constexpr int32_t kAbsPlain = 0, kAbsOffset = 1, kAbsRescale = 2;

// HARD_SWISH int8: TFLM's int16 fixed-point form (reference_ops::HardSwish), the
// multipliers already reduced to int16.
struct HardSwishS8Params {
  int32_t size;
  int32_t input_zero_point, output_zero_point;
  int32_t output_multiplier, output_shift;    // shift <= 0
  int32_t reluish_multiplier, reluish_shift;  // any sign
};

// ELU int8: TFLM builds its table in float (dequantize, exp(x) - 1 below 0, round).
struct EluS8Params {
  int32_t size;
  int32_t input_zero_point, output_zero_point;
  float input_scale, inverse_output_scale;
};

// RSQRT int8: 1 / sqrt(x - Z_in) as TFLM's integer inverse square root, requantized by
// multiplier * 2^shift = 1 / (sqrt(S_in) * S_out).
struct RsqrtS8Params {
  int32_t size;
  int32_t input_zero_point, output_zero_point;
  int32_t multiplier, shift;
};

namespace detail {

template <typename T>
struct Limits;
template <>
struct Limits<int8_t> {
  static constexpr int32_t min = -128, max = 127;
};
template <>
struct Limits<int16_t> {
  static constexpr int32_t min = -32768, max = 32767;
};

template <typename T>
inline T saturate(int32_t v) {
  return static_cast<T>(v < Limits<T>::min ? Limits<T>::min : (v > Limits<T>::max ? Limits<T>::max : v));
}

// gemmlowp SaturatingRoundingDoublingHighMul on int16.
inline int16_t srdhm_s16(int16_t a, int16_t b) {
  if (a == -32768 && b == -32768) return 32767;
  const int32_t ab = static_cast<int32_t>(a) * b;
  const int32_t nudge = ab >= 0 ? (static_cast<int32_t>(1) << 14) : 1 - (static_cast<int32_t>(1) << 14);
  return static_cast<int16_t>((ab + nudge) / (static_cast<int32_t>(1) << 15));
}

// TFLM's SaturatingDoublingHighMul (truncating) on int16.
inline int16_t sdhm_s16(int16_t a, int16_t b) {
  if (a == -32768 && b == -32768) return 32767;
  return static_cast<int16_t>(static_cast<int32_t>(a) * b / (static_cast<int32_t>(1) << 15));
}

// gemmlowp RoundingDivideByPOT on int16 (the arithmetic of its int16 instantiation).
inline int16_t rounding_divide_by_pot_s16(int16_t x, int32_t exponent) {
  const int16_t mask = static_cast<int16_t>((static_cast<int64_t>(1) << exponent) - 1);
  const int16_t remainder = static_cast<int16_t>(x & mask);
  const int16_t threshold = static_cast<int16_t>((mask >> 1) + (x < 0 ? 1 : 0));
  return static_cast<int16_t>((static_cast<int32_t>(x) >> exponent) + (remainder > threshold ? 1 : 0));
}

// TFLM's SaturatingLeftShift on int16 (amount < 32).
inline int16_t saturating_left_shift_s16(int16_t v, int32_t amount) {
  const int64_t shifted = static_cast<int64_t>(v) * (static_cast<int64_t>(1) << amount);
  return static_cast<int16_t>(shifted < -32768 ? -32768 : (shifted > 32767 ? 32767 : shifted));
}

// TFLM's GetInvSqrtQuantizedMultiplierExp (reverse shift -1): 1 / sqrt(x) as a Q0.31
// multiplier and a left shift, by five Newton-Raphson steps in Q3.28.
inline void inv_sqrt_multiplier(int32_t x, int32_t* multiplier, int32_t* shift) {
  if (x <= 1) {
    *multiplier = kInt32Max;
    *shift = 0;
    return;
  }
  int32_t s = 11;
  while (x >= (static_cast<int32_t>(1) << 29)) {
    x /= 4;
    ++s;
  }
  int32_t leading_zeros = 0;
  while ((static_cast<uint32_t>(x) << leading_zeros) < (static_cast<uint32_t>(1) << 31)) ++leading_zeros;
  const int32_t left_shift_bit_pairs = (leading_zeros - 1) / 2 - 1;
  s -= left_shift_bit_pairs;
  x <<= 2 * left_shift_bit_pairs;
  const int32_t half_input = rounding_divide_by_pot(x >> 1, 1);  // F3 input / 2
  const int32_t half_three = (static_cast<int32_t>(1) << 28) + (static_cast<int32_t>(1) << 27);
  int32_t r = static_cast<int32_t>(1) << 28;  // F3 one
  for (int i = 0; i < 5; ++i) {
    const int32_t r3 = saturating_shift_left(
        saturating_rounding_doubling_high_mul(saturating_rounding_doubling_high_mul(r, r), r), 6);
    r = saturating_shift_left(saturating_rounding_doubling_high_mul(half_three, r) -
                                      saturating_rounding_doubling_high_mul(half_input, r3),
                                  3);
  }
  r = saturating_rounding_doubling_high_mul(r, 1518500250);  // * sqrt(2) / 2
  if (s < 0) {
    r = static_cast<int32_t>(static_cast<uint32_t>(r) << -s);
    s = 0;
  }
  *multiplier = r;
  *shift = -s;
}

}  // namespace detail

template <typename T>
inline void clamp_elements(const ClampParams& params, const T* in, T* out) {
  const ClampParams p = flash_load(params);
  // TFLM's Relu6Quantized order: the upper bound first.
  for (int32_t i = 0; i < p.size; ++i) {
    out[i] = in[i] > p.max ? static_cast<T>(p.max) : in[i] < p.min ? static_cast<T>(p.min) : in[i];
  }
}
inline void clamp_s8(const ClampParams& p, const int8_t* in, int8_t* out) { clamp_elements(p, in, out); }
inline void clamp_s16(const ClampParams& p, const int16_t* in, int16_t* out) { clamp_elements(p, in, out); }

template <typename T>
inline void relu_elements(const ReluParams& params, const T* in, T* out) {
  const ReluParams p = flash_load(params);
  for (int32_t i = 0; i < p.size; ++i) {
    int32_t v = p.output_zero_point + multiply_by_quantized_multiplier(in[i] - p.input_zero_point, p.multiplier, p.shift);
    v = v < p.act_min ? p.act_min : v;
    out[i] = static_cast<T>(v > p.act_max ? p.act_max : v);
  }
}
inline void relu_s8(const ReluParams& p, const int8_t* in, int8_t* out) { relu_elements(p, in, out); }
inline void relu_s16(const ReluParams& p, const int16_t* in, int16_t* out) { relu_elements(p, in, out); }

template <typename T>
inline void leaky_relu_elements(const LeakyReluParams& params, const T* in, T* out) {
  const LeakyReluParams p = flash_load(params);
  for (int32_t i = 0; i < p.size; ++i) {
    const int32_t x = in[i] - p.input_zero_point;
    const int32_t scaled = x >= 0 ? multiply_by_quantized_multiplier(x, p.identity_multiplier, p.identity_shift)
                                  : multiply_by_quantized_multiplier(x, p.alpha_multiplier, p.alpha_shift);
    out[i] = detail::saturate<T>(p.output_zero_point + scaled);
  }
}
inline void leaky_relu_s8(const LeakyReluParams& p, const int8_t* in, int8_t* out) { leaky_relu_elements(p, in, out); }
inline void leaky_relu_s16(const LeakyReluParams& p, const int16_t* in, int16_t* out) {
  leaky_relu_elements(p, in, out);
}

template <typename T>
inline void abs_elements(const AbsParams& params, const T* in, T* out) {
  const AbsParams p = flash_load(params);
  for (int32_t i = 0; i < p.size; ++i) {
    if (p.mode == kAbsPlain) {
      out[i] = static_cast<T>(in[i] < 0 ? -static_cast<int32_t>(in[i]) : in[i]);  // |-32768| wraps, as in TFLM
      continue;
    }
    const int32_t x = in[i] - p.input_zero_point;
    const int32_t a = x < 0 ? -x : x;
    const int32_t v = p.mode == kAbsRescale ? multiply_by_quantized_multiplier(a, p.multiplier, p.shift) : a;
    out[i] = detail::saturate<T>(v + p.output_zero_point);
  }
}
inline void abs_s8(const AbsParams& p, const int8_t* in, int8_t* out) { abs_elements(p, in, out); }
inline void abs_s16(const AbsParams& p, const int16_t* in, int16_t* out) { abs_elements(p, in, out); }

// TFLM reference_ops::HardSwish<int8_t>: x * relu6(x + 3) / 6 in int16 fixed point.
inline void hard_swish_s8(const HardSwishS8Params& params, const int8_t* in, int8_t* out) {
  const HardSwishS8Params p = flash_load(params);
  const int16_t output_multiplier = static_cast<int16_t>(p.output_multiplier);
  const int16_t reluish_multiplier = static_cast<int16_t>(p.reluish_multiplier);
  for (int32_t i = 0; i < p.size; ++i) {
    const int16_t hires = static_cast<int16_t>((in[i] - p.input_zero_point) * 128);
    const int16_t preshift_output = detail::srdhm_s16(hires, output_multiplier);
    // x rescaled so that 3.0 is 32768 (saturating at 32767), then mapped to [0, 1].
    int16_t reluish = hires;
    if (p.reluish_shift > 0) reluish = detail::saturating_left_shift_s16(reluish, p.reluish_shift - 1);
    reluish = detail::srdhm_s16(reluish, reluish_multiplier);
    if (p.reluish_shift > 0) reluish = detail::saturating_left_shift_s16(reluish, 1);
    if (p.reluish_shift < 0) reluish = detail::rounding_divide_by_pot_s16(reluish, -p.reluish_shift);
    reluish = static_cast<int16_t>((static_cast<int32_t>(reluish) + (static_cast<int32_t>(1) << 15)) >> 1);
    const int16_t preshift = detail::sdhm_s16(reluish, preshift_output);
    // TFLM adds the zero point in int16 (it can wrap) before clamping.
    const int16_t v = static_cast<int16_t>(detail::rounding_divide_by_pot_s16(preshift, -p.output_shift) +
                                           p.output_zero_point);
    out[i] = detail::saturate<int8_t>(v);
  }
}

// TFLM elu.cc's table entry for x (float arithmetic as TFLM's PopulateLookupTable).
inline void elu_s8(const EluS8Params& params, const int8_t* in, int8_t* out) {
  const EluS8Params p = flash_load(params);
  for (int32_t i = 0; i < p.size; ++i) {
    const float dequantized = p.input_scale * static_cast<float>(in[i] - p.input_zero_point);
    const float transformed = dequantized < 0.0f ? expf(dequantized) - 1.0f : dequantized;
    const float rescaled = roundf(transformed * p.inverse_output_scale);
    const int32_t q = static_cast<int32_t>(rescaled + static_cast<float>(p.output_zero_point));
    out[i] = detail::saturate<int8_t>(q);
  }
}

// TFLM elementwise.cc RsqrtEvalQuantized. TFLM stops the Invoke for x < Z_in; those inputs
// take the formula's value for x - Z_in <= 1 here.
inline void rsqrt_s8(const RsqrtS8Params& params, const int8_t* in, int8_t* out) {
  const RsqrtS8Params p = flash_load(params);
  const int32_t kShift = 20;  // keeps the inverse square root an integer
  for (int32_t i = 0; i < p.size; ++i) {
    const int32_t x = in[i] - p.input_zero_point;
    if (x == 0) {
      out[i] = 127;
      continue;
    }
    int32_t inv_sqrt_multiplier, inv_sqrt_shift;
    detail::inv_sqrt_multiplier(x, &inv_sqrt_multiplier, &inv_sqrt_shift);
    const int32_t data = multiply_by_quantized_multiplier(1, inv_sqrt_multiplier, inv_sqrt_shift + kShift);
    out[i] = detail::saturate<int8_t>(multiply_by_quantized_multiplier(data, p.multiplier, p.shift - kShift) +
                                      p.output_zero_point);
  }
}

}  // namespace mf

#endif  // MICROFLOW_UNARY_QUANTIZED_H_
