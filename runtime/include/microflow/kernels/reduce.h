// MEAN, SUM, REDUCE_MAX and REDUCE_MIN over constant axes (TFLM reference reduce.h).
//
// The compiler resolves the axes and merges neighbouring dimensions that are both kept or
// both reduced, so every reduction is at most three kept loops around at most three
// reduced loops (unused loops have extent 1). Each output element folds its input elements
// in row-major order of the reduced indices, the order in which TFLM's Reduce meets them
// (it walks the whole input row-major): float sums round identically.
#ifndef MICROFLOW_REDUCE_H_
#define MICROFLOW_REDUCE_H_

#include <stdint.h>

#include "microflow/exec/flash.h"
#include "microflow/fixed_point.h"
#include "microflow/fixed_point_math.h"
#include "microflow/kernel_util.h"

namespace mf {

// The loops of a reduction: kept extents and their input element strides (outermost first,
// the output's row-major order), then the reduced ones.
struct ReduceParams {
  int32_t kept[3], kept_strides[3], reduced[3], reduced_strides[3];
};

// Float MEAN: the sum divided by the float `count`.
struct ReduceMeanParams {
  int32_t kept[3], kept_strides[3], reduced[3], reduced_strides[3];
  int32_t count;  // elements per output
};

// int8/int16 SUM and MEAN with requantization (TFLM QuantizedMeanOrSum):
// out = clamp(MBQM(sum + sum_offset, multiplier, shift) + output_zero_point), sum_offset =
// -Z_in * count; for MEAN the compiler has folded 1/count into multiplier and shift.
struct ReduceRequantizeParams {
  int32_t kept[3], kept_strides[3], reduced[3], reduced_strides[3];
  int32_t sum_offset, multiplier, shift, output_zero_point;
};

// The largest finite float (FLT_MAX), the start of TFLM's float max / min reductions.
constexpr float kFloatMax = 3.40282347e+38f;

namespace detail {

// Calls finish(fold(...fold(init, x0)..., xn)) for every output element in output order.
template <typename P, typename T, typename Acc, typename Fold, typename Finish>
inline void reduce_each(const P& p, const T* in, Acc init, Fold fold, Finish finish) {
  for (int32_t k0 = 0; k0 < p.kept[0]; ++k0) {
    for (int32_t k1 = 0; k1 < p.kept[1]; ++k1) {
      for (int32_t k2 = 0; k2 < p.kept[2]; ++k2) {
        const T* base = in + k0 * p.kept_strides[0] + k1 * p.kept_strides[1] + k2 * p.kept_strides[2];
        Acc acc = init;
        for (int32_t r0 = 0; r0 < p.reduced[0]; ++r0) {
          for (int32_t r1 = 0; r1 < p.reduced[1]; ++r1) {
            const T* x = base + r0 * p.reduced_strides[0] + r1 * p.reduced_strides[1];
            for (int32_t r2 = 0; r2 < p.reduced[2]; ++r2) acc = fold(acc, x[r2 * p.reduced_strides[2]]);
          }
        }
        finish(acc);
      }
    }
  }
}

// TFLM's reducers: the running value is replaced only when the new one is strictly
// greater (smaller), so NaN never wins and the first of equal values stays.
template <typename T>
inline T keep_max(T current, T in) {
  return in > current ? in : current;
}
template <typename T>
inline T keep_min(T current, T in) {
  return in < current ? in : current;
}

inline float add_f32(float current, float in) { return current + in; }

template <typename T>
inline void reduce_fold(const ReduceParams& params, const T* in, T* out, T init, T (*fold)(T, T)) {
  const auto p = flash_load(params);
  reduce_each(p, in, init, fold, [&out](T v) { *out++ = v; });
}

template <typename T>
inline void reduce_sum_requantize(const ReduceRequantizeParams& params, const T* in, T* out, int32_t lowest,
                                  int32_t highest) {
  const auto p = flash_load(params);
  reduce_each(p, in, static_cast<int32_t>(0), add_wrapping, [&](int32_t sum) {
    const int32_t shifted = add_wrapping(sum, p.sum_offset);
    int32_t v = multiply_by_quantized_multiplier(shifted, p.multiplier, p.shift) + p.output_zero_point;
    v = v < lowest ? lowest : v;
    *out++ = static_cast<T>(v > highest ? highest : v);
  });
}

}  // namespace detail

// Float SUM and MEAN accumulate from 0.f in TFLM's order; MEAN divides by the float count.
inline void reduce_sum_f32(const ReduceParams& params, const float* in, float* out) {
  detail::reduce_fold<float>(params, in, out, 0.f, detail::add_f32);
}

inline void reduce_mean_f32(const ReduceMeanParams& params, const float* in, float* out) {
  const auto p = flash_load(params);
  const float count = static_cast<float>(p.count);
  detail::reduce_each(p, in, 0.f, detail::add_f32, [&out, count](float sum) { *out++ = sum / count; });
}

inline void reduce_max_f32(const ReduceParams& params, const float* in, float* out) {
  detail::reduce_fold<float>(params, in, out, -kFloatMax, detail::keep_max<float>);
}

inline void reduce_min_f32(const ReduceParams& params, const float* in, float* out) {
  detail::reduce_fold<float>(params, in, out, kFloatMax, detail::keep_min<float>);
}

// int8 REDUCE_MAX / REDUCE_MIN: input and output share scale and zero point (TFLM requires it).
inline void reduce_max_s8(const ReduceParams& params, const int8_t* in, int8_t* out) {
  detail::reduce_fold<int8_t>(params, in, out, -128, detail::keep_max<int8_t>);
}

inline void reduce_min_s8(const ReduceParams& params, const int8_t* in, int8_t* out) {
  detail::reduce_fold<int8_t>(params, in, out, 127, detail::keep_min<int8_t>);
}

// int32 SUM / REDUCE_MAX / REDUCE_MIN (TFLite's semantics; TFLM has none): shape arithmetic
// that constant folding evaluates on the host.
inline void reduce_sum_s32(const ReduceParams& params, const int32_t* in, int32_t* out) {
  detail::reduce_fold<int32_t>(params, in, out, 0, detail::add_wrapping);
}

inline void reduce_max_s32(const ReduceParams& params, const int32_t* in, int32_t* out) {
  detail::reduce_fold<int32_t>(params, in, out, kInt32Min, detail::keep_max<int32_t>);
}

inline void reduce_min_s32(const ReduceParams& params, const int32_t* in, int32_t* out) {
  detail::reduce_fold<int32_t>(params, in, out, kInt32Max, detail::keep_min<int32_t>);
}

inline void reduce_sum_requantize_s8(const ReduceRequantizeParams& params, const int8_t* in, int8_t* out) {
  detail::reduce_sum_requantize(params, in, out, -128, 127);
}

inline void reduce_sum_requantize_s16(const ReduceRequantizeParams& params, const int16_t* in, int16_t* out) {
  detail::reduce_sum_requantize(params, in, out, -32768, 32767);
}

}  // namespace mf

#endif  // MICROFLOW_REDUCE_H_
