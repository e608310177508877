// SVDF (TFLM svdf_common.cc, EvalIntegerSvdfReference / EvalFloatSvdfReference): per batch,
// the state [filters][memory] moves one step to the left, the new column is the feature
// projection weights_feature · input, and each unit's output is the sum over its `rank`
// filters of weights_time[f] · state[f], plus the bias.
//
// The state is a variable tensor in the state region (it carries to the next invoke). As in
// TFLM the whole state array shifts by one element (the element that crosses into the next
// filter's row is overwritten by that row's new column).
// Integer form: int8 input, weights_feature and output; weights_time and the state both
// int16 (TFLM's EvalInt16SvdfReference) or both int8. The compiler folds the input zero
// point into a per-filter offset (-Z_in · Σ weights_feature[f]) and the state zero point
// into the bias (-Z_state · Σ weights_time over the unit's filters), so the integer sums
// equal TFLM's. TFLM's integer SVDF applies no fused activation.
#ifndef MICROFLOW_SVDF_H_
#define MICROFLOW_SVDF_H_

#include <stdint.h>

#include "microflow/exec/flash.h"
#include "microflow/fixed_point.h"
#include "microflow/fixed_point_math.h"
#include "microflow/kernel_util.h"

namespace mf {

struct SvdfS8Params {
  int32_t batches, input_size, filters, rank, memory;
  int32_t feature_multiplier, feature_shift;  // input · weights_feature -> state scale
  int32_t state_zero_point;                   // added before the clamp to the state type
  int32_t output_multiplier, output_shift, output_zero_point;
  const int32_t* feature_offset;  // [filters] -Z_in · Σ weights_feature[f], in flash
};

struct SvdfF32Params {
  int32_t batches, input_size, filters, rank, memory;
  float act_min, act_max;
};

namespace detail {

inline int32_t svdf_time_dot(const int8_t* w, const int8_t* s, int32_t n) { return dot_s8(w, s, n); }

// TFLM sums in int32 and relies on wraparound (its golden models reach it); so do we, without UB.
inline int32_t svdf_time_dot(const int16_t* w, const int16_t* s, int32_t n) {
  int32_t acc = 0;
  for (int32_t j = 0; j < n; ++j) acc = add_wrapping(acc, static_cast<int32_t>(flash_read(w + j)) * s[j]);
  return acc;
}

template <typename T>
inline void svdf_shift_state(T* state, int32_t elements) {
  for (int32_t i = 0; i + 1 < elements; ++i) state[i] = state[i + 1];
}

}  // namespace detail

// T: the type of weights_time and the state (int16_t or int8_t). `bias` ([units], in flash)
// holds the folded bias.
template <typename T>
inline void svdf_s8(const SvdfS8Params& params, const int8_t* input, const int8_t* weights_feature,
                    const T* weights_time, const int32_t* bias, T* state, int8_t* output) {
  const SvdfS8Params p = flash_load(params);
  const int32_t state_min = sizeof(T) == 1 ? -128 : -32768, state_max = sizeof(T) == 1 ? 127 : 32767;
  const int32_t units = p.filters / p.rank;
  detail::svdf_shift_state(state, p.batches * p.filters * p.memory);
  for (int32_t b = 0; b < p.batches; ++b) {
    const int8_t* x = input + b * p.input_size;
    T* batch_state = state + b * p.filters * p.memory;
    for (int32_t f = 0; f < p.filters; ++f) {
      int32_t acc = dot_s8(weights_feature + f * p.input_size, x, p.input_size) + flash_read(p.feature_offset + f);
      acc = multiply_by_quantized_multiplier(acc, p.feature_multiplier, p.feature_shift) + p.state_zero_point;
      batch_state[f * p.memory + p.memory - 1] = static_cast<T>(acc < state_min ? state_min : acc > state_max ? state_max : acc);
    }
    for (int32_t u = 0; u < units; ++u) {
      int32_t acc = flash_read(bias + u);
      for (int32_t r = 0; r < p.rank; ++r) {
        const int32_t f = u * p.rank + r;
        acc = detail::add_wrapping(acc, detail::svdf_time_dot(weights_time + f * p.memory, batch_state + f * p.memory, p.memory));
      }
      acc = multiply_by_quantized_multiplier(acc, p.output_multiplier, p.output_shift) + p.output_zero_point;
      output[b * units + u] = static_cast<int8_t>(acc < -128 ? -128 : acc > 127 ? 127 : acc);
    }
  }
}

// Float: TFLM's summation order (each filter's time sum from 0, then added to the bias in
// rank order); `bias` may be nullptr (TFLM then starts from 0).
inline void svdf_f32(const SvdfF32Params& params, const float* input, const float* weights_feature,
                     const float* weights_time, const float* bias, float* state, float* output) {
  const SvdfF32Params p = flash_load(params);
  const int32_t units = p.filters / p.rank;
  detail::svdf_shift_state(state, p.batches * p.filters * p.memory);
  for (int32_t b = 0; b < p.batches; ++b) {
    const float* x = input + b * p.input_size;
    float* batch_state = state + b * p.filters * p.memory;
    for (int32_t f = 0; f < p.filters; ++f) {
      float dot = 0.f;
      for (int32_t c = 0; c < p.input_size; ++c) dot += flash_read(weights_feature + f * p.input_size + c) * x[c];
      batch_state[f * p.memory + p.memory - 1] = dot;
    }
    for (int32_t u = 0; u < units; ++u) {
      float acc = bias ? flash_read(bias + u) : 0.f;
      for (int32_t r = 0; r < p.rank; ++r) {
        const int32_t f = u * p.rank + r;
        float sum = 0.f;
        for (int32_t j = 0; j < p.memory; ++j) sum += flash_read(weights_time + f * p.memory + j) * batch_state[f * p.memory + j];
        acc += sum;
      }
      output[b * units + u] = clamp_f32(acc, p.act_min, p.act_max);
    }
  }
}

}  // namespace mf

#endif  // MICROFLOW_SVDF_H_
