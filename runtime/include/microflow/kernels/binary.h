// Two-input element-wise operators with numpy broadcasting (TFLM reference kernels):
// ADD, SUB, MUL, DIV, SQUARED_DIFFERENCE, MAXIMUM, MINIMUM, FLOOR_DIV, FLOOR_MOD, the
// comparisons (bool output) and LOGICAL_AND / LOGICAL_OR; LOGICAL_NOT beside them.
//
// One broadcast loop serves every operator; the operator is a template argument (the
// Op* types below), the element type is deduced from the pointers. The compiler merges
// adjacent dimensions that both inputs walk alike, so most calls run one or two loops.
// Either input may be a constant array in flash (`input*_in_flash`, exec/operand.h).
// Element-wise in place is allowed: out may alias an input of the output's shape.
#ifndef MICROFLOW_BINARY_H_
#define MICROFLOW_BINARY_H_

#include <math.h>
#include <stdint.h>

#include "microflow/exec/flash.h"
#include "microflow/exec/operand.h"
#include "microflow/fixed_point.h"
#include "microflow/fixed_point_math.h"
#include "microflow/kernel_util.h"

namespace mf {

const int32_t kBinaryMaxRank = 5;

// MAXIMUM, MINIMUM, FLOOR_DIV, FLOOR_MOD, unscaled comparisons, LOGICAL_AND / OR.
struct BinaryParams {
  int32_t dims[kBinaryMaxRank];  // output shape, padded on the left with 1s
  int32_t input1_strides[kBinaryMaxRank], input2_strides[kBinaryMaxRank];  // 0 on a broadcast dim
  int32_t input1_in_flash, input2_in_flash;
};

// int32 arithmetic with the fused activation's bounds.
struct BinaryS32Params {
  int32_t dims[kBinaryMaxRank], input1_strides[kBinaryMaxRank], input2_strides[kBinaryMaxRank];
  int32_t input1_in_flash, input2_in_flash;
  int32_t act_min, act_max;
};

struct BinaryF32Params {
  int32_t dims[kBinaryMaxRank], input1_strides[kBinaryMaxRank], input2_strides[kBinaryMaxRank];
  int32_t input1_in_flash, input2_in_flash;
  float act_min, act_max;
};

// int8 / int16 arithmetic and int8 comparisons (TFLM's ArithmeticParams / ComparisonParams).
struct BinaryQuantizedParams {
  int32_t dims[kBinaryMaxRank], input1_strides[kBinaryMaxRank], input2_strides[kBinaryMaxRank];
  int32_t input1_in_flash, input2_in_flash;
  int32_t input1_offset, input2_offset;  // -Z1, -Z2
  int32_t left_shift;                    // headroom before the input rescaling
  int32_t input1_multiplier, input1_shift, input2_multiplier, input2_shift;
  int32_t output_multiplier, output_shift, output_offset;
  int32_t act_min, act_max;
  const int8_t* output_table;  // int8 ADD: a folded activation's flash [256] or nullptr (activate_s8)
};

namespace detail {

// out[i] = f(a, b) for every output element in row-major order, a and b the broadcast
// source elements.
template <typename P, typename T, typename R, typename F>
inline void broadcast_binary(const P& p, const T* in1, const T* in2, R* out, F f) {
  const int32_t* s1 = p.input1_strides;
  const int32_t* s2 = p.input2_strides;
  for (int32_t i0 = 0; i0 < p.dims[0]; ++i0) {
    const T* a0 = in1 + i0 * s1[0];
    const T* b0 = in2 + i0 * s2[0];
    for (int32_t i1 = 0; i1 < p.dims[1]; ++i1) {
      const T* a1 = a0 + i1 * s1[1];
      const T* b1 = b0 + i1 * s2[1];
      for (int32_t i2 = 0; i2 < p.dims[2]; ++i2) {
        const T* a2 = a1 + i2 * s1[2];
        const T* b2 = b1 + i2 * s2[2];
        for (int32_t i3 = 0; i3 < p.dims[3]; ++i3) {
          const T* a3 = a2 + i3 * s1[3];
          const T* b3 = b2 + i3 * s2[3];
          for (int32_t i4 = 0; i4 < p.dims[4]; ++i4) {
            *out++ = f(load_operand(a3 + i4 * s1[4], p.input1_in_flash),
                       load_operand(b3 + i4 * s2[4], p.input2_in_flash));
          }
        }
      }
    }
  }
}

// An input brought to the common scale: (x - Z) * 2^left_shift * multiplier * 2^shift
// (TFLM's MultiplyByQuantizedMultiplierSmallerThanOneExp, shift <= 0).
inline int32_t rescale_input(int32_t x, int32_t offset, int32_t left_shift, int32_t multiplier, int32_t shift) {
  return multiply_by_quantized_multiplier((x + offset) * (static_cast<int32_t>(1) << left_shift), multiplier, shift);
}

inline int32_t rescale_input1(const BinaryQuantizedParams& p, int32_t x) {
  return rescale_input(x, p.input1_offset, p.left_shift, p.input1_multiplier, p.input1_shift);
}
inline int32_t rescale_input2(const BinaryQuantizedParams& p, int32_t x) {
  return rescale_input(x, p.input2_offset, p.left_shift, p.input2_multiplier, p.input2_shift);
}

inline int32_t requantize_output(const BinaryQuantizedParams& p, int32_t v) {
  return multiply_by_quantized_multiplier(v, p.output_multiplier, p.output_shift) + p.output_offset;
}

// gemmlowp RoundingDivideByPOT for any exponent >= 0: beyond 31 every int32 rounds to 0
// (TFLM's shift is undefined there; its goldens keep DIV's exponent <= 31).
inline int32_t rounding_divide_by_pot_wide(int32_t x, int32_t exponent) {
  return exponent > 31 ? 0 : rounding_divide_by_pot(x, exponent);
}

// TFLM's CountLeadingSignBits for int32: redundant sign bits, 31 for 0 and -1.
inline int32_t count_leading_sign_bits(int32_t x) {
  const uint32_t u = x >= 0 ? static_cast<uint32_t>(x) : ~static_cast<uint32_t>(x);
  return count_leading_zeros(u) - 1;
}

// A fused activation's clamp; TFLM's std::min(std::max(v, lo), hi).
template <typename T>
inline T clamp_to(T v, T lo, T hi) {
  return v < lo ? lo : (hi < v ? hi : v);
}

}  // namespace detail

// The operators. `apply` is the unquantized (float, integer, bool) form; `quantized`
// the int8/int16 form on raw values, returning the int32 output before the activation
// clamp (a bool for comparisons).
// int32 sums, differences and products wrap as TFLM's (two's complement) do, without
// signed overflow.
struct OpAdd {
  static int32_t apply(int32_t a, int32_t b) {
    return static_cast<int32_t>(static_cast<uint32_t>(a) + static_cast<uint32_t>(b));
  }
  static float apply(float a, float b) { return a + b; }
  static int32_t quantized(const BinaryQuantizedParams& p, int32_t a, int32_t b) {
    return detail::requantize_output(p, detail::rescale_input1(p, a) + detail::rescale_input2(p, b));
  }
};

struct OpSub {
  static int32_t apply(int32_t a, int32_t b) {
    return static_cast<int32_t>(static_cast<uint32_t>(a) - static_cast<uint32_t>(b));
  }
  static float apply(float a, float b) { return a - b; }
  static int32_t quantized(const BinaryQuantizedParams& p, int32_t a, int32_t b) {
    return detail::requantize_output(p, detail::rescale_input1(p, a) - detail::rescale_input2(p, b));
  }
};

struct OpMul {
  static int32_t apply(int32_t a, int32_t b) {
    return static_cast<int32_t>(static_cast<uint32_t>(a) * static_cast<uint32_t>(b));
  }
  static float apply(float a, float b) { return a * b; }
  static int32_t quantized(const BinaryQuantizedParams& p, int32_t a, int32_t b) {
    return detail::requantize_output(p, (a + p.input1_offset) * (b + p.input2_offset));
  }
};

struct OpDiv {
  // Integer division truncates; TFLM divides by zero (undefined), here x / 0 is 0.
  static int32_t apply(int32_t a, int32_t b) {
    if (b == 0) return 0;
    if (b == -1) return static_cast<int32_t>(0u - static_cast<uint32_t>(a));  // INT32_MIN / -1 wraps
    return a / b;
  }
  static float apply(float a, float b) { return a / b; }
  // TFLM's DivElementwise: the divisor's reciprocal in Q0.31 (gemmlowp Newton-Raphson),
  // the dividend normalised to use all its bits, one requantization with the combined
  // shift. A zero divisor (undefined in TFLM) gives the clamp bound of the dividend's sign.
  static int32_t quantized(const BinaryQuantizedParams& p, int32_t a, int32_t b) {
    int32_t x1 = a + p.input1_offset;
    int32_t x2 = b + p.input2_offset;
    if (x2 == 0) return x1 > 0 ? p.act_max : (x1 < 0 ? p.act_min : p.output_offset);
    if (x2 < 0) {
      x1 = -x1;
      x2 = -x2;
    }
    const int32_t headroom_plus_one = detail::count_leading_zeros(static_cast<uint32_t>(x2));
    const int32_t recip_shift = 31 - headroom_plus_one;
    const int32_t reciprocal = detail::one_over_one_plus_x_for_x_in_0_1(static_cast<int32_t>(
        (static_cast<uint32_t>(x2) << headroom_plus_one) - (static_cast<uint32_t>(1) << 31)));
    const int32_t headroom = detail::count_leading_sign_bits(x1);
    const int32_t unscaled = saturating_rounding_doubling_high_mul(
        static_cast<int32_t>(static_cast<uint32_t>(x1) << headroom), reciprocal);
    const int32_t total_shift = p.output_shift - recip_shift - headroom;
    return detail::rounding_divide_by_pot_wide(saturating_rounding_doubling_high_mul(unscaled, p.output_multiplier),
                                               -total_shift) +
           p.output_offset;
  }
};

struct OpSquaredDifference {
  static int32_t apply(int32_t a, int32_t b) {
    const uint32_t d = static_cast<uint32_t>(a) - static_cast<uint32_t>(b);
    return static_cast<int32_t>(d * d);
  }
  static float apply(float a, float b) {
    const float d = a - b;
    return d * d;
  }
  static int32_t quantized(const BinaryQuantizedParams& p, int32_t a, int32_t b) {
    const int32_t d = detail::rescale_input1(p, a) - detail::rescale_input2(p, b);
    return detail::requantize_output(p, d * d);
  }
};

struct OpMaximum {
  template <typename T>
  static T apply(T a, T b) {
    return a > b ? a : b;
  }
};

struct OpMinimum {
  template <typename T>
  static T apply(T a, T b) {
    return a < b ? a : b;
  }
};

// TFLM: floor of the quotient in double (avr-gcc's double is float: there the quotient
// is rounded to float first).
struct OpFloorDiv {
  static float apply(float a, float b) {
    return static_cast<float>(floor(static_cast<double>(a) / static_cast<double>(b)));
  }
};

// TFLM: fmod, moved into the divisor's sign. fmod is exact, so double and float agree.
struct OpFloorMod {
  static float apply(float a, float b) {
    const float r = static_cast<float>(fmod(static_cast<double>(a), static_cast<double>(b)));
    return r != 0 && ((b < 0) != (r < 0)) ? r + b : r;
  }
};

// Comparisons: int8 inputs compare after TFLM's rescaling to a common scale.
#define MF_COMPARISON(Name, expr)                                                            \
  struct Name {                                                                              \
    template <typename T>                                                                    \
    static bool apply(T a, T b) {                                                            \
      return expr;                                                                           \
    }                                                                                        \
    static bool quantized(const BinaryQuantizedParams& p, int32_t a, int32_t b) {            \
      return apply(detail::rescale_input1(p, a), detail::rescale_input2(p, b));             \
    }                                                                                        \
  };
MF_COMPARISON(OpEqual, a == b)
MF_COMPARISON(OpNotEqual, a != b)
MF_COMPARISON(OpLess, a < b)
MF_COMPARISON(OpLessEqual, a <= b)
MF_COMPARISON(OpGreater, a > b)
MF_COMPARISON(OpGreaterEqual, a >= b)
#undef MF_COMPARISON

struct OpLogicalAnd {
  static bool apply(bool a, bool b) { return a && b; }
};

struct OpLogicalOr {
  static bool apply(bool a, bool b) { return a || b; }
};

namespace detail {

// A quantized result: arithmetic clamps to the activation bounds, comparisons pass.
template <typename R>
inline R finish_quantized(const BinaryQuantizedParams& p, int32_t v) {
  return static_cast<R>(clamp_to<int32_t>(v, p.act_min, p.act_max));
}
template <typename R>
inline R finish_quantized(const BinaryQuantizedParams&, bool v) {
  return v;
}

// A folded activation's table (int8 ADD only): whether the output has one, and a value
// through it; other output types never have one.
template <typename R>
inline bool has_output_table(const BinaryQuantizedParams&) {
  return false;
}
template <>
inline bool has_output_table<int8_t>(const BinaryQuantizedParams& p) {
  return p.output_table != nullptr;
}
template <typename R>
inline R through_table(const int8_t*, R v) {
  return v;
}
inline int8_t through_table(const int8_t* table, int8_t v) { return flash_read(table + static_cast<uint8_t>(v)); }

}  // namespace detail

// out = Op(in1, in2): MAXIMUM / MINIMUM (any type, raw values), FLOOR_DIV / FLOOR_MOD
// (float), comparisons of unquantized types, LOGICAL_AND / OR.
template <typename Op, typename T, typename R>
inline void binary(const BinaryParams& params, const T* in1, const T* in2, R* out) {
  const BinaryParams p = flash_load(params);
  detail::broadcast_binary(p, in1, in2, out, [](T a, T b) { return Op::apply(a, b); });
}

template <typename Op>
inline void binary_s32(const BinaryS32Params& params, const int32_t* in1, const int32_t* in2, int32_t* out) {
  const BinaryS32Params p = flash_load(params);
  detail::broadcast_binary(p, in1, in2, out,
                           [&p](int32_t a, int32_t b) { return detail::clamp_to(Op::apply(a, b), p.act_min, p.act_max); });
}

template <typename Op>
inline void binary_f32(const BinaryF32Params& params, const float* in1, const float* in2, float* out) {
  const BinaryF32Params p = flash_load(params);
  detail::broadcast_binary(p, in1, in2, out,
                           [&p](float a, float b) { return clamp_f32(Op::apply(a, b), p.act_min, p.act_max); });
}

// int8 / int16 inputs; R is the input type, or bool for comparisons.
template <typename Op, typename T, typename R>
inline void binary_quantized(const BinaryQuantizedParams& params, const T* in1, const T* in2, R* out) {
  const BinaryQuantizedParams p = flash_load(params);
  const auto value = [&p](T a, T b) {
    return detail::finish_quantized<R>(p, Op::quantized(p, static_cast<int32_t>(a), static_cast<int32_t>(b)));
  };
  // The table's loop is a second instance, so a layer without one pays nothing per element.
  if (detail::has_output_table<R>(p))
    detail::broadcast_binary(p, in1, in2, out,
                             [&p, &value](T a, T b) { return detail::through_table(p.output_table, value(a, b)); });
  else
    detail::broadcast_binary(p, in1, in2, out, value);
}

struct LogicalNotParams {
  int32_t size, input_in_flash;
};

inline void logical_not(const LogicalNotParams& params, const bool* in, bool* out) {
  const LogicalNotParams p = flash_load(params);
  for (int32_t i = 0; i < p.size; ++i) out[i] = !load_operand(in + i, p.input_in_flash);
}

}  // namespace mf

#endif  // MICROFLOW_BINARY_H_
