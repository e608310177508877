// Shared by the two-input element-wise lowerings (add.cpp, mul_div.cpp,
// squared_difference.cpp, min_max.cpp, floor_div_mod.cpp, comparisons.cpp, logical.cpp):
// type checks, the call on two operands that may be constants in flash, activations.
#pragma once

#include <initializer_list>
#include <memory>
#include <string>

#include "kernels/binary.h"
#include "ops/broadcast.h"
#include "ops/index_util.h"
#include "ops/options.h"

namespace microflow {

// The element type of the op's two inputs: the same for both, one of `allowed` (`why`
// completes the message). The output has that type too, or bool when `bool_output`.
DType binary_type(const Graph& g, const Operator& op, std::initializer_list<DType> allowed, const std::string& why,
                  bool bool_output = false);

// int8 / int16 inputs (and the output when `with_output`) have one scale each; int16 ones
// zero point 0 when `int16_zero_point_zero` (where TFLM's kernel requires it).
void expect_quantized_operands(const Graph& g, const Operator& op, bool with_output, bool int16_zero_point_zero);

// The call of `kernel` on the op's two inputs (a constant one stays in flash) and its
// output, broadcast over at most `max_rank` dimensions.
template <typename P>
KernelCall binary_call(const Graph& g, const Operator& op, const KernelDef& kernel, P params, int max_rank) {
  const Tensor& a = op_input(g, op, 0, "first input");
  const Tensor& b = op_input(g, op, 1, "second input");
  const Tensor& out = op_output(g, op);
  broadcast_binary(g, op, a, b, out, max_rank, params);
  KernelCall k = make_call(op, kernel, params);
  P& p = k.params.as<P>();
  p.input1_in_flash = add_operand_arg(k, a, "Input1");
  p.input2_in_flash = add_operand_arg(k, b, "Input2");
  add_output_arg(k, out);
  return k;
}

// Fused activation bounds of an int32 output (TFLM CalculateActivationRange<int32_t>).
IntRange activation_s32(Activation act);

// The fused activation of ADD, SUB, MUL and DIV (options table T).
template <typename T>
std::shared_ptr<const OpOptions> read_activation_options(const tfl::Operator& op, const std::string& where) {
  auto a = std::make_shared<ActivationOptions>();
  if (const auto* o = op.builtin_options_as<T>()) a->activation = to_activation(o->fused_activation_function(), where);
  return a;
}

// ADD, SUB, MUL, DIV, SQUARED_DIFFERENCE: float32 and int32 run the plain operation with
// the activation clamp, int8 / int16 the quantized form whose parameters `quantize` fills
// (TFLM's Prepare arithmetic).
struct ArithmeticLowering {
  const BinaryKernels& kernels;
  std::initializer_list<DType> types;
  const char* why;  // completes "type X is not supported: ..."
  void (*quantize)(const Graph& g, const Operator& op, BinaryQuantizedParams& p);
  int max_rank;
  bool int32_activation;  // int32 ADD ignores the fused activation
};
KernelCall lower_arithmetic(const Graph& g, const Operator& op, const ArithmeticLowering& how);

// The activation of an op with ActivationOptions (NONE for those without options).
Activation op_activation(const Operator& op);

}  // namespace microflow
