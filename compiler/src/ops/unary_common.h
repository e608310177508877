// Shared checks and call builders of the single-input element-wise operators
// (ops/unary.cpp, ops/activations.cpp).
#pragma once

#include <initializer_list>

#include "kernels/unary.h"
#include "ops/lower_util.h"

namespace microflow {

// The op's arithmetic from its input, which must have as many elements as the output. As op_precision, except that with `int16_any_zero_point` int16 tensors may
// have any zero point (TFLM's RELU6 and LEAKY_RELU take them; its other int16 kernels
// require 0).
Precision unary_precision(const Graph& g, const Operator& op, std::initializer_list<Precision> allowed,
                          bool int16_any_zero_point = false);

// One positive scale and a zero point within the tensor's type (int8 or int16).
void expect_quantized_activation(const Graph& g, const Operator& op, const Tensor& t, const char* role);

// The input has as many elements as the output. (A constant input is fine: constant folding
// runs the call; lower_graph rejects it otherwise.)
void expect_unary_operands(const Graph& g, const Operator& op);

// A call of `kernel` (in, out) with `params`, its element count set.
template <typename P>
KernelCall unary_call(const Graph& g, const Operator& op, const KernelDef& kernel, P params) {
  const Tensor& out = op_output(g, op);
  params.size = out.elements();
  KernelCall k = make_call(op, kernel, params);
  add_input_arg(k, op_input(g, op, 0, "input"));
  add_output_arg(k, out);
  return k;
}

inline KernelCall float_unary_call(const Graph& g, const Operator& op, const KernelDef& kernel) {
  return unary_call(g, op, kernel, UnaryF32Params{});
}

}  // namespace microflow
