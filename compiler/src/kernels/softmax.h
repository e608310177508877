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
  MF_PARAMS(SoftmaxS16Params, rows, depth, input_multiplier, input_shift)
};

struct SoftmaxF32Params : ParamsBase {
  int64_t rows = 0, depth = 0;
  float beta = 1;
  MF_PARAMS(SoftmaxF32Params, rows, depth, beta)
};

struct LogSoftmaxS8Params : ParamsBase {
  int64_t rows = 0, depth = 0;
  int64_t input_multiplier = 0, input_left_shift = 0, reverse_scaling_divisor = 0, reverse_scaling_shift = 0;
  int64_t diff_min = 0;
  MF_PARAMS(LogSoftmaxS8Params, rows, depth, input_multiplier, input_left_shift, reverse_scaling_divisor,
            reverse_scaling_shift, diff_min)
};

struct LogSoftmaxF32Params : ParamsBase {
  int64_t rows = 0, depth = 0;
  MF_PARAMS(LogSoftmaxF32Params, rows, depth)
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

namespace microflow {

inline const KernelDef kLogSoftmaxS8{.function = "log_softmax_s8",
                                     .header = "microflow/kernels/log_softmax.h",
                                     .sample_params = sample_of<LogSoftmaxS8Params>};
inline const KernelDef kLogSoftmaxF32{.function = "log_softmax_f32",
                                      .header = "microflow/kernels/log_softmax.h",
                                      .sample_params = sample_of<LogSoftmaxF32Params>};

}  // namespace microflow
