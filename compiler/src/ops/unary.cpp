// Single-input math operators (TFLM elementwise.cc, neg, exp, floor, ceil, round): float32,
// plus ABS (int8, int16 with or without quantization) and RSQRT (int8) as TFLM has them.
// Their int8 forms run as tables (ops/int8_table.h).
#include <cmath>

#include "microflow/kernels/unary_quantized.h"
#include "ops/int8_table.h"
#include "ops/quantization.h"
#include "ops/unary_common.h"

namespace microflow {
namespace {

template <const KernelDef& Kernel>
KernelCall lower_float_only(const Graph& g, const Operator& op) {
  unary_precision(g, op, {Precision::Float32});
  return float_unary_call(g, op, Kernel);
}

// TFLM PrepareAbsRsqrt: the rescale is skipped when the scales are equal (float compare),
// leaving |x - Z_in| + Z_out.
AbsParams abs_quantized_params(const Tensor& in, const Tensor& out) {
  AbsParams p;
  p.input_zero_point = in.quant.zero_point();
  p.output_zero_point = out.quant.zero_point();
  if (in.quant.scale() == out.quant.scale()) {
    p.mode = mf::kAbsOffset;
  } else {
    const QuantizedMultiplier m =
        quantize_multiplier(static_cast<double>(in.quant.scale()) / static_cast<double>(out.quant.scale()));
    p.mode = mf::kAbsRescale;
    p.multiplier = m.multiplier;
    p.shift = m.shift;
  }
  return p;
}

KernelCall abs_s8_reference(const Graph& g, const Operator& op) {
  unary_precision(g, op, {Precision::Int8});
  return unary_call(g, op, kAbsS8, abs_quantized_params(op_input(g, op, 0, "input"), op_output(g, op)));
}

KernelCall lower_abs(const Graph& g, const Operator& op) {
  const Tensor& in = op_input(g, op, 0, "input");
  // TFLM evaluates an int16 input without quantization parameters as a plain integer abs.
  if (in.type == DType::Int16 && !in.quant.present()) {
    expect_unary_operands(g, op);
    const Tensor& out = op_output(g, op);
    if (out.type != DType::Int16)
      fail(g, op, describe(g, out.id, "output") + ": type " + out.type_name + ", expected int16");
    AbsParams p;
    p.mode = mf::kAbsPlain;
    return unary_call(g, op, kAbsS16, p);
  }
  switch (unary_precision(g, op, {Precision::Int8, Precision::Int16, Precision::Float32})) {
    case Precision::Float32: return float_unary_call(g, op, kAbsF32);
    case Precision::Int8: return lower_int8_by_table(g, op);
    case Precision::Int16: return unary_call(g, op, kAbsS16, abs_quantized_params(in, op_output(g, op)));
  }
  return {};
}

// TFLM SetRsqrtOutputMultiplier: 1 / (sqrt(S_in) * S_out) in double.
KernelCall rsqrt_s8_reference(const Graph& g, const Operator& op) {
  unary_precision(g, op, {Precision::Int8});
  const Tensor& in = op_input(g, op, 0, "input");
  const Tensor& out = op_output(g, op);
  const QuantizedMultiplier m = quantize_multiplier(
      1.0 / (std::sqrt(static_cast<double>(in.quant.scale())) * static_cast<double>(out.quant.scale())));
  RsqrtS8Params p;
  p.input_zero_point = in.quant.zero_point();
  p.output_zero_point = out.quant.zero_point();
  p.multiplier = m.multiplier;
  p.shift = m.shift;
  return unary_call(g, op, kRsqrtS8, p);
}

KernelCall lower_rsqrt(const Graph& g, const Operator& op) {
  if (unary_precision(g, op, {Precision::Int8, Precision::Float32}) == Precision::Float32)
    return float_unary_call(g, op, kRsqrtF32);
  return lower_int8_by_table(g, op);
}

}  // namespace

extern const OpDef kAbsOp{.code = 101,
                          .name = "ABS",
                          .lower = lower_abs,
                          .int8_reference = abs_s8_reference,
                          .kernels = {&kAbsF32, &kAbsS16, &kLookupS8, &kClampS8, &kAbsS8}};
extern const OpDef kRsqrtOp{.code = 76,
                            .name = "RSQRT",
                            .lower = lower_rsqrt,
                            .int8_reference = rsqrt_s8_reference,
                            .kernels = {&kRsqrtF32, &kLookupS8, &kClampS8, &kRsqrtS8}};
extern const OpDef kNegOp{.code = 59, .name = "NEG", .lower = lower_float_only<kNegF32>, .kernels = {&kNegF32}};
extern const OpDef kExpOp{.code = 47, .name = "EXP", .lower = lower_float_only<kExpF32>, .kernels = {&kExpF32}};
extern const OpDef kLogOp{.code = 73, .name = "LOG", .lower = lower_float_only<kLogF32>, .kernels = {&kLogF32}};
extern const OpDef kSqrtOp{.code = 75, .name = "SQRT", .lower = lower_float_only<kSqrtF32>, .kernels = {&kSqrtF32}};
extern const OpDef kSquareOp{
    .code = 92, .name = "SQUARE", .lower = lower_float_only<kSquareF32>, .kernels = {&kSquareF32}};
extern const OpDef kSinOp{.code = 66, .name = "SIN", .lower = lower_float_only<kSinF32>, .kernels = {&kSinF32}};
extern const OpDef kCosOp{.code = 108, .name = "COS", .lower = lower_float_only<kCosF32>, .kernels = {&kCosF32}};
extern const OpDef kFloorOp{.code = 8, .name = "FLOOR", .lower = lower_float_only<kFloorF32>, .kernels = {&kFloorF32}};
extern const OpDef kCeilOp{.code = 104, .name = "CEIL", .lower = lower_float_only<kCeilF32>, .kernels = {&kCeilF32}};
extern const OpDef kRoundOp{.code = 116, .name = "ROUND", .lower = lower_float_only<kRoundF32>, .kernels = {&kRoundF32}};

}  // namespace microflow
