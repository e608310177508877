// SQUARED_DIFFERENCE with numpy broadcasting: float32, int32, int8, int16 (TFLM
// squared_difference.cc; no fused activation, quantized outputs clamp to their type).
#include <algorithm>

#include "ops/binary_common.h"
#include "ops/quantization.h"

namespace microflow {
namespace {

// Both inputs to twice the larger input scale with `left_shift` bits of headroom (7 for
// int8, 0 for int16), the squared difference requantized by (2 max S)^2 / (2^(2 shift) S_out).
void squared_difference_rescaling(const Graph& g, const Operator& op, BinaryQuantizedParams& p) {
  expect_quantized_operands(g, op, true, true);
  const Tensor& a = op_input(g, op, 0, "first input");
  const Tensor& b = op_input(g, op, 1, "second input");
  const Tensor& out = op_output(g, op);
  p.left_shift = out.type == DType::Int16 ? 0 : 7;
  const double twice_max = 2.0 * static_cast<double>(std::max(a.quant.scale(), b.quant.scale()));
  const float shifted_scale = static_cast<float>(int64_t{1} << (p.left_shift * 2)) * out.quant.scale();
  const QuantizedMultiplier q1 = quantize_multiplier(static_cast<double>(a.quant.scale()) / twice_max);
  const QuantizedMultiplier q2 = quantize_multiplier(static_cast<double>(b.quant.scale()) / twice_max);
  const QuantizedMultiplier qo = quantize_multiplier(twice_max * twice_max / static_cast<double>(shifted_scale));
  p.input1_offset = -int64_t{a.quant.zero_point()};
  p.input2_offset = -int64_t{b.quant.zero_point()};
  p.input1_multiplier = q1.multiplier;
  p.input1_shift = q1.shift;
  p.input2_multiplier = q2.multiplier;
  p.input2_shift = q2.shift;
  p.output_multiplier = qo.multiplier;
  p.output_shift = qo.shift;
  p.output_offset = out.quant.zero_point();
}

KernelCall lower_squared_difference(const Graph& g, const Operator& op) {
  return lower_arithmetic(g, op,
                          {kSquaredDifferenceKernels, {DType::Float32, DType::Int32, DType::Int8, DType::Int16},
                           "TFLM's SQUARED_DIFFERENCE takes float32, int32, int8 and int16",
                           squared_difference_rescaling, 4, false});
}

}  // namespace

extern const OpDef kSquaredDifferenceOp{.code = 99,
                                        .name = "SQUARED_DIFFERENCE",
                                        .lower = lower_squared_difference,
                                        .kernels = kSquaredDifferenceKernels.all()};

}  // namespace microflow
