// MUL (float32, int32, int8, int16) and DIV (float32, int32, int8) with numpy
// broadcasting (TFLM mul.cc, div.cc). Either input may be a constant, read from flash.
#include "ops/binary_common.h"
#include "ops/quantization.h"

namespace microflow {
namespace {

void set_offsets(const Graph& g, const Operator& op, BinaryQuantizedParams& p, double real_multiplier) {
  const QuantizedMultiplier q = quantize_multiplier(real_multiplier);
  p.input1_offset = -int64_t{op_input(g, op, 0, "first input").quant.zero_point()};
  p.input2_offset = -int64_t{op_input(g, op, 1, "second input").quant.zero_point()};
  p.output_multiplier = q.multiplier;
  p.output_shift = q.shift;
  p.output_offset = op_output(g, op).quant.zero_point();
}

// (x1 - Z1)(x2 - Z2) requantized by S1 S2 / S_out (double).
void mul_rescaling(const Graph& g, const Operator& op, BinaryQuantizedParams& p) {
  expect_quantized_operands(g, op, true, true);
  const double s1 = op_input(g, op, 0, "first input").quant.scale();
  const double s2 = op_input(g, op, 1, "second input").quant.scale();
  set_offsets(g, op, p, s1 * s2 / static_cast<double>(op_output(g, op).quant.scale()));
}

// The quotient's multiplier S1 / (S2 S_out), computed in float as TFLM's Prepare does.
// The kernel shifts right by recip_shift + headroom - output_shift, where the divisor's
// reciprocal adds up to 8 and the dividend's headroom at least 23 bits: a shift above 23
// would make that negative for some inputs (undefined in TFLM).
void div_rescaling(const Graph& g, const Operator& op, BinaryQuantizedParams& p) {
  expect_quantized_operands(g, op, true, false);
  const float s1 = op_input(g, op, 0, "first input").quant.scale();
  const float s2 = op_input(g, op, 1, "second input").quant.scale();
  const float so = op_output(g, op).quant.scale();
  set_offsets(g, op, p, static_cast<double>(s1 / (s2 * so)));
  if (p.output_shift > 23)
    fail(g, op, "the quotient's rescaling S1 / (S2 * S_out) is too large for TFLM's int8 DIV (shift " +
                    std::to_string(p.output_shift) + " > 23)");
}

KernelCall lower_mul(const Graph& g, const Operator& op) {
  return lower_arithmetic(g, op,
                          {kMulKernels, {DType::Float32, DType::Int32, DType::Int8, DType::Int16},
                           "TFLM's MUL takes float32, int32, int8 and int16", mul_rescaling, 6, true});
}

KernelCall lower_div(const Graph& g, const Operator& op) {
  return lower_arithmetic(g, op,
                          {kDivKernels, {DType::Float32, DType::Int32, DType::Int8},
                           "TFLM's DIV takes float32, int32 and int8", div_rescaling, 5, true});
}

}  // namespace

extern const OpDef kMulOp{.code = 18,
                          .name = "MUL",
                          .read_options = read_activation_options<tfl::MulOptions>,
                          .lower = lower_mul,
                          .kernels = kMulKernels.all()};
extern const OpDef kDivOp{.code = 42,
                          .name = "DIV",
                          .read_options = read_activation_options<tfl::DivOptions>,
                          .lower = lower_div,
                          .kernels = kDivKernels.all()};

}  // namespace microflow
