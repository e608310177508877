// ADD and SUB with numpy broadcasting: float32, int32, int8 and int16 (TFLM add.cc,
// sub.cc). Either input may be a constant, read from flash.
#include <algorithm>

#include "ops/binary_common.h"
#include "ops/quantization.h"

namespace microflow {
namespace {

// TFLM's general rescaling: both inputs to twice the larger input scale with
// `left_shift` bits of headroom (20 for int8, 15 for int16), the sum or difference back
// to the output scale. ADD computes the real multipliers in double, SUB from float
// quotients (its Prepare divides the float scales), which can differ in the last bit.
template <typename Real>
void add_sub_rescaling(const Graph& g, const Operator& op, BinaryQuantizedParams& p) {
  expect_quantized_operands(g, op, true, false);
  const Tensor& a = op_input(g, op, 0, "first input");
  const Tensor& b = op_input(g, op, 1, "second input");
  const Tensor& out = op_output(g, op);
  p.left_shift = out.type == DType::Int16 ? 15 : 20;
  const Real s1 = a.quant.scale(), s2 = b.quant.scale(), so = out.quant.scale();
  const Real twice_max = 2 * std::max(s1, s2);
  const double real1 = static_cast<double>(static_cast<Real>(s1 / twice_max));
  const double real2 = static_cast<double>(static_cast<Real>(s2 / twice_max));
  const double real_out = static_cast<double>(
      static_cast<Real>(twice_max / (static_cast<Real>(int64_t{1} << p.left_shift) * so)));
  if (!(real_out < 1.0)) fail(g, op, "output scale is too small for TFLM's rescaling (output multiplier >= 1)");
  const QuantizedMultiplier q1 = quantize_multiplier(real1), q2 = quantize_multiplier(real2),
                            qo = quantize_multiplier(real_out);
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

constexpr const char* kWhy = "TFLM's kernel takes float32, int32, int8 and int16";

KernelCall lower_add(const Graph& g, const Operator& op) {
  return lower_arithmetic(g, op,
                          {kAddKernels, {DType::Float32, DType::Int32, DType::Int8, DType::Int16}, kWhy,
                           add_sub_rescaling<double>, 6, false});
}

KernelCall lower_sub(const Graph& g, const Operator& op) {
  return lower_arithmetic(g, op,
                          {kSubKernels, {DType::Float32, DType::Int32, DType::Int8, DType::Int16}, kWhy,
                           add_sub_rescaling<float>, 6, true});
}

}  // namespace

extern const OpDef kAddOp{.code = 0,
                          .name = "ADD",
                          .read_options = read_activation_options<tfl::AddOptions>,
                          .lower = lower_add,
                          .kernels = kAddKernels.all()};
extern const OpDef kSubOp{.code = 41,
                          .name = "SUB",
                          .read_options = read_activation_options<tfl::SubOptions>,
                          .lower = lower_sub,
                          .kernels = kSubKernels.all()};

}  // namespace microflow
