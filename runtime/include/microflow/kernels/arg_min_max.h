// ARG_MAX and ARG_MIN along one constant axis (TFLM reference arg_min_max.h): the index of
// the first greatest (smallest) value, compared strictly, so ties keep the first index and
// a NaN never replaces the running best (nor is replaced, when it comes first).
#ifndef MICROFLOW_ARG_MIN_MAX_H_
#define MICROFLOW_ARG_MIN_MAX_H_

#include <stdint.h>

#include "microflow/exec/flash.h"

namespace mf {

// The input as [outer][axis_size][inner], row-major; the output as [outer][inner].
struct ArgMinMaxParams {
  int32_t outer, axis_size, inner;
};

namespace detail {

template <bool Max, typename T, typename I>
inline void arg_min_max(const ArgMinMaxParams& params, const T* in, I* out) {
  const auto p = flash_load(params);
  for (int32_t o = 0; o < p.outer; ++o, in += p.axis_size * p.inner) {
    for (int32_t i = 0; i < p.inner; ++i) {
      const T* x = in + i;
      T best = x[0];
      I index = 0;
      for (int32_t k = 1; k < p.axis_size; ++k) {
        const T v = x[k * p.inner];
        if (Max ? v > best : v < best) {
          best = v;
          index = static_cast<I>(k);
        }
      }
      *out++ = index;
    }
  }
}

}  // namespace detail

// TFLM: float32 and int8 inputs, int32 indices. int64 indices and int32 inputs are TFLite's
// (int32 for shape arithmetic that constant folding evaluates on the host).
#define MF_ARG_MIN_MAX(name, Max, T, I) \
  inline void name(const ArgMinMaxParams& params, const T* in, I* out) { detail::arg_min_max<Max>(params, in, out); }
MF_ARG_MIN_MAX(arg_max_f32_s32, true, float, int32_t)
MF_ARG_MIN_MAX(arg_max_s8_s32, true, int8_t, int32_t)
MF_ARG_MIN_MAX(arg_max_s32_s32, true, int32_t, int32_t)
MF_ARG_MIN_MAX(arg_max_f32_s64, true, float, int64_t)
MF_ARG_MIN_MAX(arg_max_s8_s64, true, int8_t, int64_t)
MF_ARG_MIN_MAX(arg_max_s32_s64, true, int32_t, int64_t)
MF_ARG_MIN_MAX(arg_min_f32_s32, false, float, int32_t)
MF_ARG_MIN_MAX(arg_min_s8_s32, false, int8_t, int32_t)
MF_ARG_MIN_MAX(arg_min_s32_s32, false, int32_t, int32_t)
MF_ARG_MIN_MAX(arg_min_f32_s64, false, float, int64_t)
MF_ARG_MIN_MAX(arg_min_s8_s64, false, int8_t, int64_t)
MF_ARG_MIN_MAX(arg_min_s32_s64, false, int32_t, int64_t)
#undef MF_ARG_MIN_MAX

}  // namespace mf

#endif  // MICROFLOW_ARG_MIN_MAX_H_
