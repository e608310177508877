// Single-input float32 element-wise operators, as TFLM's reference kernels compute them
// (elementwise.cc, neg, exp, floor, ceil, round, activations, leaky_relu, elu, hard_swish,
// logistic, tanh): one kernel per operator so a firmware links only the <math.h>
// functions its model uses.
//
// Cost on soft-float cores. AVR has no FPU: every float add or multiply is a libgcc routine
// and the <math.h> functions are avr-libc's (its double is float). `microflow bench --target
// atmega328p` on 256-element models (operators/*/float32): NEG 7,217 cycles and 262 B of
// flash for the model (the loop alone, ~28 cycles per element); EXP 428,881 cycles (~1,650
// per expf) and 1,528 B; SIN 266,321 cycles (~1,010 per sinf) and 1,142 B; LOGISTIC
// 480,098 cycles and 1,718 B. An int8 LOGISTIC (a table) takes 5,425 cycles and 514 B.
// avr-libc reduces large sin / cos arguments inexactly: near zero crossings of |x| ~ 1000
// its results differ from glibc's by up to ~1e-3 relative. It has no expm1: ELU uses
// Kahan's form of exp(x) - 1 there (below).
#ifndef MICROFLOW_UNARY_F32_H_
#define MICROFLOW_UNARY_F32_H_

#include <math.h>
#include <stdint.h>

#include "microflow/exec/flash.h"

namespace mf {

struct UnaryF32Params {
  int32_t size;
};

struct LeakyReluF32Params {
  int32_t size;
  float alpha;
};

namespace detail {

template <typename Op>
inline void map_f32(const UnaryF32Params& params, const float* in, float* out, Op op) {
  const UnaryF32Params p = flash_load(params);
  for (int32_t i = 0; i < p.size; ++i) out[i] = op(in[i]);
}

// Kahan's exp(x) - 1 from exp and log, (u - 1) * x / log(u) with u = exp(x): it keeps
// expm1's relative accuracy near 0, where exp(x) - 1 alone cancels. For libms without
// expm1 (avr-libc).
inline float expm1_from_exp(float x) {
  const float u = expf(x);
  if (u == 1.0f) return x;
  const float um1 = u - 1.0f;
  if (um1 == -1.0f) return -1.0f;
  return um1 * x / logf(u);
}

inline float expm1_f32(float x) {
#if defined(__AVR__)
  return expm1_from_exp(x);
#else
  return expm1f(x);
#endif
}

// TFLM reference_ops::RoundToNearest: half to even.
inline float round_half_even(float x) {
  const float floor_x = floorf(x);
  const float diff = x - floor_x;
  if (diff < 0.5f || (diff == 0.5f && static_cast<int32_t>(floor_x) % 2 == 0)) return floor_x;
  return floor_x + 1.0f;
}

// TFLM reference_ops::Logistic<float>: 1 beyond the upper cutoff, exp(x) below -9.
inline float logistic_f32_element(float x) {
  if (x > 16.619047164916992188f) return 1.0f;
  if (x < -9.0f) return expf(x);
  return 1.0f / (1.0f + expf(-x));
}

}  // namespace detail

inline void abs_f32(const UnaryF32Params& p, const float* in, float* out) {
  detail::map_f32(p, in, out, [](float x) { return fabsf(x); });
}
inline void neg_f32(const UnaryF32Params& p, const float* in, float* out) {
  detail::map_f32(p, in, out, [](float x) { return -x; });
}
inline void exp_f32(const UnaryF32Params& p, const float* in, float* out) {
  detail::map_f32(p, in, out, [](float x) { return expf(x); });
}
inline void log_f32(const UnaryF32Params& p, const float* in, float* out) {
  detail::map_f32(p, in, out, [](float x) { return logf(x); });
}
inline void sqrt_f32(const UnaryF32Params& p, const float* in, float* out) {
  detail::map_f32(p, in, out, [](float x) { return sqrtf(x); });
}
inline void rsqrt_f32(const UnaryF32Params& p, const float* in, float* out) {
  detail::map_f32(p, in, out, [](float x) { return 1.0f / sqrtf(x); });
}
inline void square_f32(const UnaryF32Params& p, const float* in, float* out) {
  detail::map_f32(p, in, out, [](float x) { return x * x; });
}
inline void sin_f32(const UnaryF32Params& p, const float* in, float* out) {
  detail::map_f32(p, in, out, [](float x) { return sinf(x); });
}
inline void cos_f32(const UnaryF32Params& p, const float* in, float* out) {
  detail::map_f32(p, in, out, [](float x) { return cosf(x); });
}
inline void floor_f32(const UnaryF32Params& p, const float* in, float* out) {
  detail::map_f32(p, in, out, [](float x) { return floorf(x); });
}
inline void ceil_f32(const UnaryF32Params& p, const float* in, float* out) {
  detail::map_f32(p, in, out, [](float x) { return ceilf(x); });
}
inline void round_f32(const UnaryF32Params& p, const float* in, float* out) {
  detail::map_f32(p, in, out, detail::round_half_even);
}
// TFLM ReluFloat / Relu6Float: NaN passes, -0 stays -0.
inline void relu_f32(const UnaryF32Params& p, const float* in, float* out) {
  detail::map_f32(p, in, out, [](float x) { return x < 0.0f ? 0.0f : x; });
}
inline void relu6_f32(const UnaryF32Params& p, const float* in, float* out) {
  detail::map_f32(p, in, out, [](float x) { return x > 6.0f ? 6.0f : x < 0.0f ? 0.0f : x; });
}
inline void leaky_relu_f32(const LeakyReluF32Params& params, const float* in, float* out) {
  const LeakyReluF32Params p = flash_load(params);
  for (int32_t i = 0; i < p.size; ++i) out[i] = in[i] > 0 ? in[i] : in[i] * p.alpha;
}
inline void elu_f32(const UnaryF32Params& p, const float* in, float* out) {
  detail::map_f32(p, in, out, [](float x) { return x < 0.0f ? detail::expm1_f32(x) : x; });
}
// TFLM reference_ops::HardSwish<float>: x * min(6, max(0, x + 3)) / 6 with std::min/max.
inline void hard_swish_f32(const UnaryF32Params& p, const float* in, float* out) {
  detail::map_f32(p, in, out, [](float x) {
    const float shifted = x + 3.0f;
    const float lower = 0.0f < shifted ? shifted : 0.0f;
    const float relu6 = lower < 6.0f ? lower : 6.0f;
    return x * relu6 / 6.0f;
  });
}
inline void logistic_f32(const UnaryF32Params& p, const float* in, float* out) {
  detail::map_f32(p, in, out, detail::logistic_f32_element);
}
inline void tanh_f32(const UnaryF32Params& p, const float* in, float* out) {
  detail::map_f32(p, in, out, [](float x) { return tanhf(x); });
}

}  // namespace mf

#endif  // MICROFLOW_UNARY_F32_H_
