// SOFTMAX and LOG_SOFTMAX kernels (runtime kernels/softmax.h, kernels/log_softmax.h).
#pragma once

#include "kernels/kernel.h"

namespace microflow {

struct SoftmaxS8Params : ParamsBase {
  int64_t rows = 0, depth = 0;
  int64_t input_beta_multiplier = 0, input_beta_left_shift = 0, diff_min = 0;
  MF_PARAMS(SoftmaxS8Params, rows, depth, input_beta_multiplier, input_beta_left_shift, diff_min)
};

struct SoftmaxS16Params : ParamsBase {
  int64_t rows = 0, depth = 0;
  int64_t input_multiplier = 0, input_shift = 0;
  ArrayRef exp_lut, one_over_one_plus_x_lut;
  MF_PARAMS(SoftmaxS16Params, rows, depth, input_multiplier, input_shift, exp_lut, one_over_one_plus_x_lut)
};

struct SoftmaxF32Params : ParamsBase {
  int64_t rows = 0, depth = 0;
  float beta = 1;
  MF_PARAMS(SoftmaxF32Params, rows, depth, beta)
};

inline const KernelDef kSoftmaxS8{.function = "softmax_s8",
                                  .header = "microflow/kernels/softmax.h",
                                  .sample_params = sample_of<SoftmaxS8Params>};
// int8 input, int16 output (SoftmaxS8Params).
inline const KernelDef kSoftmaxS8S16{.function = "softmax_s8_s16",
                                     .header = "microflow/kernels/softmax.h",
                                     .sample_params = sample_of<SoftmaxS8Params>};
inline const KernelDef kSoftmaxS16{.function = "softmax_s16",
                                   .header = "microflow/kernels/softmax.h",
                                   .sample_params = sample_of<SoftmaxS16Params>};
inline const KernelDef kSoftmaxF32{.function = "softmax_f32",
                                   .header = "microflow/kernels/softmax.h",
                                   .sample_params = sample_of<SoftmaxF32Params>};

}  // namespace microflow
