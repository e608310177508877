// LOGICAL_AND, LOGICAL_OR (bool, numpy broadcasting over up to 4 dimensions) and
// LOGICAL_NOT (TFLM logical.cc, logical_not.cc).
#include "ops/binary_common.h"

namespace microflow {
namespace {

template <const BinaryKernels& Kernels>
KernelCall lower_logical(const Graph& g, const Operator& op) {
  binary_type(g, op, {DType::Bool}, "TFLM's kernel takes bool only");
  return binary_call(g, op, *Kernels.plain, BinaryParams{}, 4);
}

KernelCall lower_logical_not(const Graph& g, const Operator& op) {
  const Tensor& in = op_input(g, op, 0, "input");
  expect_type(g, op, in, "input", {DType::Bool}, "TFLM's kernel takes bool only");
  const Tensor& out = op_output(g, op);
  expect_output(g, op, out, DType::Bool, in.shape);
  KernelCall k = make_call(op, kLogicalNot, LogicalNotParams{});
  LogicalNotParams p;
  p.size = out.elements();
  p.input_in_flash = add_operand_arg(k, in, "Input");
  add_output_arg(k, out);
  k.params = p;
  return k;
}

}  // namespace

extern const OpDef kLogicalAndOp{.code = 86,
                                 .name = "LOGICAL_AND",
                                 .lower = lower_logical<kLogicalAndKernels>,
                                 .kernels = kLogicalAndKernels.all()};
extern const OpDef kLogicalOrOp{.code = 84,
                                .name = "LOGICAL_OR",
                                .lower = lower_logical<kLogicalOrKernels>,
                                .kernels = kLogicalOrKernels.all()};
extern const OpDef kLogicalNotOp{.code = 87, .name = "LOGICAL_NOT", .lower = lower_logical_not, .kernels = {&kLogicalNot}};

}  // namespace microflow
