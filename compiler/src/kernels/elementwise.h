// QUANTIZE and DEQUANTIZE kernels (runtime kernels/quantize.h).
#pragma once

#include <vector>

#include "kernels/kernel.h"

namespace microflow {

struct QuantizeF32ToS8Params : ParamsBase {
  int64_t size = 0;
  float scale = 1;
  int64_t zero_point = 0;
  MF_PARAMS(QuantizeF32ToS8Params, size, scale, zero_point)
};

struct RequantizeS8Params : ParamsBase {
  int64_t size = 0, input_zero_point = 0, output_zero_point = 0, multiplier = 0, shift = 0;
  MF_PARAMS(RequantizeS8Params, size, input_zero_point, output_zero_point, multiplier, shift)
};

struct DequantizeS8ToF32Params : ParamsBase {
  int64_t size = 0;
  float scale = 1;
  int64_t zero_point = 0;
  MF_PARAMS(DequantizeS8ToF32Params, size, scale, zero_point)
};

inline const KernelDef kQuantizeF32ToS8{.function = "quantize_f32_to_s8",
                                        .header = "microflow/kernels/quantize.h",
                                        .in_place = InPlaceKind::Elementwise,
                                        .sample_params = sample_of<QuantizeF32ToS8Params>};
inline const KernelDef kRequantizeS8{.function = "requantize_s8",
                                     .header = "microflow/kernels/quantize.h",
                                     .in_place = InPlaceKind::Elementwise,
                                     .sample_params = sample_of<RequantizeS8Params>};
inline const KernelDef kDequantizeS8ToF32{.function = "dequantize_s8_to_f32",
                                          .header = "microflow/kernels/quantize.h",
                                          .sample_params = sample_of<DequantizeS8ToF32Params>};

}  // namespace microflow
