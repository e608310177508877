// LOGISTIC and TANH, quantized (TFLM reference_integer_ops): int8 through gemmlowp's
// fixed-point logistic / tanh (the compiler turns these into 256-byte tables: see
// ops/int8_table.h; the kernels here define the tables' values), int16 through TFLM's
// 256-entry sigmoid table with linear interpolation (tanh(x) = 2 sigmoid(2x) - 1).
//
// TFLM fixes the output quantization of the int8 forms (LOGISTIC: scale 1/256, zero point
// -128, checked by the compiler; TANH: scale 1/128, zero point 0, not checked by TFLM and
// ignored here too) and of the int16 forms (scale 2^-15, zero point 0).
#ifndef MICROFLOW_SIGMOID_TANH_H_
#define MICROFLOW_SIGMOID_TANH_H_

#include <stdint.h>

#include "microflow/exec/flash.h"
#include "microflow/fixed_point.h"
#include "microflow/fixed_point_math.h"

namespace mf {

struct SigmoidS8Params {
  int32_t size;
  int32_t input_zero_point;
  int32_t input_range_radius;  // |x - Z| at or beyond it saturates
  int32_t input_multiplier, input_left_shift;  // to Q4.27
};

struct SigmoidS16Params {
  int32_t size;
  // x * input_multiplier, rounded right by input_left_shift, is the input in units of
  // 1 / (3 * 4096) (power-of-two input scales: multiplier 3 << k, shift 0).
  int32_t input_multiplier, input_left_shift;
};

namespace detail {

// TFLM's sigmoid_table_uint16: sigmoid(i / 24) in 0.16 fixed point as TFLM tabulates it
// (its entries are data, not a rounding of the formula). One copy in flash for every call.
template <typename Unused = void>
struct SigmoidTable {
  static const uint16_t values[256];
};

template <typename Unused>
const uint16_t SigmoidTable<Unused>::values[256] MF_FLASH = {
    32768, 33451, 34133, 34813, 35493, 36169, 36843, 37513, 38180, 38841, 39498, 40149, 40794, 41432, 42064, 42688,
    43304, 43912, 44511, 45102, 45683, 46255, 46817, 47369, 47911, 48443, 48964, 49475, 49975, 50464, 50942, 51409,
    51865, 52311, 52745, 53169, 53581, 53983, 54374, 54755, 55125, 55485, 55834, 56174, 56503, 56823, 57133, 57433,
    57724, 58007, 58280, 58544, 58800, 59048, 59288, 59519, 59743, 59959, 60168, 60370, 60565, 60753, 60935, 61110,
    61279, 61441, 61599, 61750, 61896, 62036, 62172, 62302, 62428, 62549, 62666, 62778, 62886, 62990, 63090, 63186,
    63279, 63368, 63454, 63536, 63615, 63691, 63765, 63835, 63903, 63968, 64030, 64090, 64148, 64204, 64257, 64308,
    64357, 64405, 64450, 64494, 64536, 64576, 64614, 64652, 64687, 64721, 64754, 64786, 64816, 64845, 64873, 64900,
    64926, 64950, 64974, 64997, 65019, 65039, 65060, 65079, 65097, 65115, 65132, 65149, 65164, 65179, 65194, 65208,
    65221, 65234, 65246, 65258, 65269, 65280, 65291, 65301, 65310, 65319, 65328, 65337, 65345, 65352, 65360, 65367,
    65374, 65381, 65387, 65393, 65399, 65404, 65410, 65415, 65420, 65425, 65429, 65433, 65438, 65442, 65445, 65449,
    65453, 65456, 65459, 65462, 65465, 65468, 65471, 65474, 65476, 65479, 65481, 65483, 65485, 65488, 65489, 65491,
    65493, 65495, 65497, 65498, 65500, 65501, 65503, 65504, 65505, 65507, 65508, 65509, 65510, 65511, 65512, 65513,
    65514, 65515, 65516, 65517, 65517, 65518, 65519, 65520, 65520, 65521, 65522, 65522, 65523, 65523, 65524, 65524,
    65525, 65525, 65526, 65526, 65526, 65527, 65527, 65528, 65528, 65528, 65529, 65529, 65529, 65529, 65530, 65530,
    65530, 65530, 65531, 65531, 65531, 65531, 65531, 65532, 65532, 65532, 65532, 65532, 65532, 65533, 65533, 65533,
    65533, 65533, 65533, 65533, 65533, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65535};

// The int16 input in units of 1 / (3 * 4096): (x * multiplier + round) >> shift.
inline int32_t sigmoid_s16_input(const SigmoidS16Params& p, int16_t x) {
  const int32_t round = p.input_left_shift > 0 ? static_cast<int32_t>(1) << (p.input_left_shift - 1) : 0;
  return (static_cast<int32_t>(x) * p.input_multiplier + round) >> p.input_left_shift;
}

// sigmoid(|v| / 2^fraction_bits) by the table: entry |v| >> fraction_bits, linearly
// interpolated with the low fraction_bits bits; 0.16 fixed point times 2^fraction_bits.
inline uint32_t sigmoid_table_interpolate(uint32_t abs_v, int fraction_bits, uint32_t saturated) {
  const uint32_t index = abs_v >> fraction_bits;
  if (index >= 255) return saturated;
  const uint32_t a = flash_read(&SigmoidTable<>::values[index]);
  const uint32_t b = flash_read(&SigmoidTable<>::values[index + 1]);
  const uint32_t t = abs_v & ((static_cast<uint32_t>(1) << fraction_bits) - 1);
  return (a << fraction_bits) + t * (b - a);
}

inline uint32_t abs_u32(int32_t v) { return v < 0 ? 0u - static_cast<uint32_t>(v) : static_cast<uint32_t>(v); }

}  // namespace detail

namespace detail {

// TFLM reference_integer_ops::Logistic / Tanh (int8): inputs at or beyond the range radius
// saturate; the others go to Q4.27 and through gemmlowp's logistic (output 2^-8 units from
// -128) or tanh (2^-7 units, no zero point).
template <bool Logistic>
inline void sigmoid_or_tanh_s8(const SigmoidS8Params& params, const int8_t* in, int8_t* out) {
  const SigmoidS8Params p = flash_load(params);
  for (int32_t i = 0; i < p.size; ++i) {
    const int32_t x = in[i] - p.input_zero_point;
    int32_t q;
    if (x <= -p.input_range_radius) {
      q = -128;
    } else if (x >= p.input_range_radius) {
      q = 127;
    } else {
      const int32_t x_q4 = multiply_by_quantized_multiplier(x, p.input_multiplier, p.input_left_shift);
      q = Logistic ? rounding_divide_by_pot(logistic<4>(x_q4), 31 - 8) - 128
                   : rounding_divide_by_pot(tanh<4>(x_q4), 31 - 7);
    }
    out[i] = clamp_to_s8(q, -128, 127);
  }
}

}  // namespace detail

inline void logistic_s8(const SigmoidS8Params& params, const int8_t* in, int8_t* out) {
  detail::sigmoid_or_tanh_s8<true>(params, in, out);
}

inline void tanh_s8(const SigmoidS8Params& params, const int8_t* in, int8_t* out) {
  detail::sigmoid_or_tanh_s8<false>(params, in, out);
}

// TFLM reference_integer_ops::Logistic (int16) of one value: table entry |v| >> 9 (v in
// 1/(3*4096), the table in steps of 1/24), output in 2^-15 units, rounded at bit 10.
inline int16_t logistic_s16_value(const SigmoidS16Params& p, int16_t x) {
  const int32_t v = detail::sigmoid_s16_input(p, x);
  uint32_t r = detail::sigmoid_table_interpolate(detail::abs_u32(v), 9, static_cast<uint32_t>(0x7FFF) << 10);
  r = v >= 0 ? r + (static_cast<uint32_t>(1) << 9)
             : (static_cast<uint32_t>(1) << (16 + 9)) - r + (static_cast<uint32_t>(1) << 9) - 1;
  return static_cast<int16_t>(r >> 10);
}

// TFLM reference_integer_ops::Tanh (int16) of one value: 2 sigmoid(2x) - 1 from the same
// table (entry |v| >> 8), output in 2^-15 units.
inline int16_t tanh_s16_value(const SigmoidS16Params& p, int16_t x) {
  const int32_t v = detail::sigmoid_s16_input(p, x);
  int32_t r = static_cast<int32_t>(
      detail::sigmoid_table_interpolate(detail::abs_u32(v), 8, static_cast<uint32_t>(0xFFFF) << 8));
  const int32_t half = static_cast<int32_t>(1) << (14 + 9), rounding = static_cast<int32_t>(1) << (9 - 2);
  r = v >= 0 ? r - half + rounding : -r + half + rounding - 1;
  return static_cast<int16_t>(r >> (9 - 1));
}

inline void logistic_s16(const SigmoidS16Params& params, const int16_t* in, int16_t* out) {
  const SigmoidS16Params p = flash_load(params);
  for (int32_t i = 0; i < p.size; ++i) out[i] = logistic_s16_value(p, in[i]);
}

inline void tanh_s16(const SigmoidS16Params& params, const int16_t* in, int16_t* out) {
  const SigmoidS16Params p = flash_load(params);
  for (int32_t i = 0; i < p.size; ++i) out[i] = tanh_s16_value(p, in[i]);
}

}  // namespace mf

#endif  // MICROFLOW_SIGMOID_TANH_H_
