// CAST: element-wise static_cast between the types TFLM's cast.cc handles (inputs bool,
// int8, int16, int32, float32; outputs int8, int16, int32, float32), quantization ignored.
// The template is instantiated by the pointer types of the call.
//
// C++ leaves float -> integer undefined outside the target range; TFLM's goldens come
// from x86-64, where g++ converts through a 32-bit cvttss2si (INT32_MIN for NaN and
// values outside int32) and keeps the low bits for int8 / int16. That is reproduced here
// with defined arithmetic, so every target gives the host's result.
// Element-wise in place is allowed when the output elements are not wider than the input's.
#ifndef MICROFLOW_CAST_H_
#define MICROFLOW_CAST_H_

#include <stdint.h>

#include "microflow/exec/flash.h"
#include "microflow/exec/operand.h"

namespace mf {

struct CastParams {
  int32_t count;
  int32_t input_in_flash;
};

namespace detail {

// Truncation toward zero as x86's cvttss2si: out of range and NaN give INT32_MIN.
inline int32_t truncate_to_int32(float x) {
  if (!(x >= -2147483648.f && x < 2147483648.f)) return static_cast<int32_t>(-2147483647 - 1);
  return static_cast<int32_t>(x);
}

template <typename To>
struct Convert {
  template <typename From>
  static To from(From v) {
    return static_cast<To>(v);
  }
  static To from(float v) { return static_cast<To>(truncate_to_int32(v)); }
};

template <>
struct Convert<float> {
  template <typename From>
  static float from(From v) {
    return static_cast<float>(v);
  }
};

}  // namespace detail

template <typename From, typename To>
inline void cast(const CastParams& params, const From* in, To* out) {
  const CastParams p = flash_load(params);
  for (int32_t i = 0; i < p.count; ++i) {
    out[i] = detail::Convert<To>::from(load_operand(in + i, p.input_in_flash));
  }
}

}  // namespace mf

#endif  // MICROFLOW_CAST_H_
