// FILL and ZEROS_LIKE (runtime kernels/fill.h). Output shapes are static: FILL's dims
// operand is only checked against the output (as TFLM's Prepare does when it is constant),
// and ZEROS_LIKE never reads its input.
#include "kernels/index.h"
#include "ops/index_util.h"

namespace microflow {
namespace {

KernelCall lower_fill(const Graph& g, const Operator& op) {
  const Tensor& dims = op_input(g, op, 0, "dims");
  const Tensor& value = op_input(g, op, 1, "value");
  const Tensor& out = op_output(g, op);
  expect_type(g, op, value, "value", {DType::Float32, DType::Int32, DType::Int8},
              "TFLM's FILL handles float32, int32 and int8 values");
  expect_rank(g, op, value, "value", 0);
  expect_output(g, op, out, value.type, out.shape);
  if (dims.is_constant) {
    expect_rank(g, op, dims, "dims", 1);
    const std::vector<int64_t> v = constant_ints(g, op, dims, "dims", true);
    if (v != std::vector<int64_t>(out.shape.begin(), out.shape.end()))
      fail(g, op, describe(g, dims.id, "dims") + ": values differ from the output shape " + out.shape_string());
  }
  FillParams p;
  p.count = out.elements();
  KernelCall k = make_call(op, kFill, FillParams{});
  p.value_in_flash = add_operand_arg(k, value, "Value");
  add_output_arg(k, out);
  k.params = p;
  return k;
}

KernelCall lower_zeros_like(const Graph& g, const Operator& op) {
  const Tensor& in = op_input(g, op, 0, "input");
  const Tensor& out = op_output(g, op);
  expect_type(g, op, in, "input", {DType::Int64, DType::Int32, DType::Int8, DType::Float32},
              "TFLM's ZEROS_LIKE handles int64, int32, int8 and float32");
  expect_output(g, op, out, in.type, in.shape);
  ZerosLikeParams p;
  p.bytes = out.bytes();
  KernelCall k = make_call(op, kZerosLike, p);
  add_output_arg(k, out);
  return k;
}

}  // namespace

extern const OpDef kFillOp{.code = 94, .name = "FILL", .lower = lower_fill, .kernels = {&kFill}};
extern const OpDef kZerosLikeOp{
    .code = 93, .name = "ZEROS_LIKE", .lower = lower_zeros_like, .shape_only = true, .kernels = {&kZerosLike}};

}  // namespace microflow
