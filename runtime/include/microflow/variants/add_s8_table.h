// int8 ADD of two same-shape tensors, the variant the compiler picks with --optimize=speed on
// Cortex-M cores with the DSP extension. TFLM rescales each input on its own,
//   r(x) = MultiplyByQuantizedMultiplierSmallerThanOneExp((x - Z) << left_shift, m, s),
// before the sum, so r takes 256 values per input: the compiler computes them (ops/add.cpp's
// parameters through fixed_point.h, the runtime's own arithmetic) into two flash tables
// indexed by the input byte. Per element: two table loads, the sum, one requantization
// (requantize_channel: the compiler checks the output multiplier and shift are in its range and
// that |r1| + |r2| < 2^30), so the result is TFLM's bit for bit.
#ifndef MICROFLOW_ADD_S8_TABLE_H_
#define MICROFLOW_ADD_S8_TABLE_H_

#include <stdint.h>

#include "microflow/exec/flash.h"
#include "microflow/variants/conv_2d_1x1_wide.h"

namespace mf {

// OutputN = -output_shift - 1.
template <int32_t Size, int32_t OutputMultiplier, int32_t OutputN, int32_t OutputZeroPoint, int32_t ActMin,
          int32_t ActMax>
struct AddS8TableConstants {
  static constexpr int32_t size = Size, output_multiplier = OutputMultiplier, output_n = OutputN;
  static constexpr int32_t output_zero_point = OutputZeroPoint, act_min = ActMin, act_max = ActMax;
};

// table1 / table2: flash [256] int32, r(x) at index uint8_t(x). Reads element i of both inputs
// before writing element i (the planner may place the output over an input).
// C: AddS8TableConstants<...>.
template <typename C>
inline void add_s8_table_fixed(const int8_t* in1, const int8_t* in2, const int32_t* table1, const int32_t* table2,
                               int8_t* out) {
  for (int32_t i = 0; i < C::size; ++i) {
    const int32_t sum = flash_read(table1 + static_cast<uint8_t>(in1[i])) + flash_read(table2 + static_cast<uint8_t>(in2[i]));
    out[i] = detail::requantize_channel(sum, C::output_multiplier, C::output_n, C::output_zero_point, C::act_min,
                                        C::act_max);
  }
}

}  // namespace mf

#endif  // MICROFLOW_ADD_S8_TABLE_H_
