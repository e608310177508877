// ADD with numpy broadcasting over up to 4 dims (TFLM reference, docs §10).
// Element-wise in place is allowed: out may alias in1 or in2 when their shapes match.
#ifndef MICROFLOW_ADD_H_
#define MICROFLOW_ADD_H_

#include <stdint.h>

#include "microflow/fixed_point.h"
#include "microflow/exec/flash.h"
#include "microflow/kernel_util.h"

namespace mf {

struct AddS8Params {
  int32_t dims[4];                               // output shape, padded on the left with 1s
  int32_t input1_strides[4], input2_strides[4];  // element strides, 0 on a broadcast dim
  int32_t input1_offset, input2_offset;          // -Z1, -Z2
  int32_t left_shift;                            // 20 for int8
  int32_t input1_multiplier, input1_shift, input2_multiplier, input2_shift;  // shifts <= 0
  int32_t output_multiplier, output_shift, output_zero_point;
  int32_t act_min, act_max;
};

struct AddF32Params {
  int32_t dims[4], input1_strides[4], input2_strides[4];
  float act_min, act_max;
};

namespace detail {

// Reads an element of the second input: from RAM here, from flash for a constant operand
// (add_const.h).
struct LoadRam {
  template <typename T>
  T operator()(const T* p) const {
    return *p;
  }
};

// Calls op(a, b) for every output element in row-major order, with a and b the
// broadcast source elements; writes its result to out.
template <typename Params, typename T, typename Op, typename Load2 = LoadRam>
inline void broadcast_binary(const Params& p, const T* in1, const T* in2, T* out, Op op, Load2 load2 = Load2()) {
  for (int32_t i0 = 0; i0 < p.dims[0]; ++i0) {
    const T* a0 = in1 + i0 * p.input1_strides[0];
    const T* b0 = in2 + i0 * p.input2_strides[0];
    for (int32_t i1 = 0; i1 < p.dims[1]; ++i1) {
      const T* a1 = a0 + i1 * p.input1_strides[1];
      const T* b1 = b0 + i1 * p.input2_strides[1];
      for (int32_t i2 = 0; i2 < p.dims[2]; ++i2) {
        const T* a2 = a1 + i2 * p.input1_strides[2];
        const T* b2 = b1 + i2 * p.input2_strides[2];
        for (int32_t i3 = 0; i3 < p.dims[3]; ++i3) {
          *out++ = op(a2[i3 * p.input1_strides[3]], load2(b2 + i3 * p.input2_strides[3]));
        }
      }
    }
  }
}

// Both inputs are rescaled to a common scale with 20 bits of headroom, added, and the
// sum requantized; every multiply is TFLM's double-rounding MBQM.
inline int8_t add_s8_element(const AddS8Params& p, int8_t x1, int8_t x2) {
  const int32_t shifted1 = (x1 + p.input1_offset) * (static_cast<int32_t>(1) << p.left_shift);
  const int32_t shifted2 = (x2 + p.input2_offset) * (static_cast<int32_t>(1) << p.left_shift);
  const int32_t scaled1 =
      multiply_by_quantized_multiplier(shifted1, p.input1_multiplier, p.input1_shift);
  const int32_t scaled2 =
      multiply_by_quantized_multiplier(shifted2, p.input2_multiplier, p.input2_shift);
  const int32_t sum =
      multiply_by_quantized_multiplier(scaled1 + scaled2, p.output_multiplier, p.output_shift);
  return clamp_to_s8(sum + p.output_zero_point, p.act_min, p.act_max);
}

}  // namespace detail

inline void add_s8(const AddS8Params& params, const int8_t* in1, const int8_t* in2, int8_t* out) {
  const auto p = flash_load(params);
  detail::broadcast_binary(p, in1, in2, out,
                           [&p](int8_t x1, int8_t x2) { return detail::add_s8_element(p, x1, x2); });
}

inline void add_f32(const AddF32Params& params, const float* in1, const float* in2, float* out) {
  const auto p = flash_load(params);
  detail::broadcast_binary(p, in1, in2, out, [&p](float x1, float x2) {
    return clamp_f32(x1 + x2, p.act_min, p.act_max);
  });
}

}  // namespace mf

#endif  // MICROFLOW_ADD_H_
