// SHAPE and BROADCAST_ARGS (runtime kernels/shape.h). SHAPE's result is known here: the
// call writes constant dims (and folds away); BROADCAST_ARGS may read shape vectors that
// are model inputs.
#include "kernels/index.h"
#include "ops/index_util.h"

namespace microflow {
namespace {

KernelCall lower_shape(const Graph& g, const Operator& op) {
  const Tensor& in = op_input(g, op, 0, "input");
  const Tensor& out = op_output(g, op);
  expect_type(g, op, out, "output", {DType::Int32}, "TFLM's SHAPE writes int32 only");
  expect_output(g, op, out, DType::Int32, {static_cast<int32_t>(in.shape.size())});
  ShapeParams p;
  p.rank = static_cast<int64_t>(in.shape.size());
  KernelCall k = make_call(op, kShape, p);
  add_array_arg(k, int_array("Dims", DType::Int32, std::vector<int64_t>(in.shape.begin(), in.shape.end())));
  add_output_arg(k, out);
  return k;
}

KernelCall lower_broadcast_args(const Graph& g, const Operator& op) {
  const Tensor& shape1 = op_input(g, op, 0, "first shape");
  const Tensor& shape2 = op_input(g, op, 1, "second shape");
  const Tensor& out = op_output(g, op);
  expect_type(g, op, shape1, "first shape", {DType::Int32, DType::Int64}, "shapes are int32 or int64");
  if (shape2.type != shape1.type)
    fail(g, op, describe(g, shape2.id, "second shape") + ": type " + shape2.type_name + " differs from the first's " +
                    shape1.type_name);
  expect_rank(g, op, shape1, "first shape", 1);
  expect_rank(g, op, shape2, "second shape", 1);
  expect_rank(g, op, out, "output", 1);
  expect_output(g, op, out, shape1.type, out.shape);
  BroadcastArgsParams p;
  p.shape1_length = shape1.shape[0];
  p.shape2_length = shape2.shape[0];
  p.output_length = out.shape[0];
  KernelCall k = make_call(op, kBroadcastArgs, BroadcastArgsParams{});
  p.shape1_in_flash = add_operand_arg(k, shape1, "Shape1");
  p.shape2_in_flash = add_operand_arg(k, shape2, "Shape2");
  add_output_arg(k, out);
  k.params = p;
  return k;
}

}  // namespace

extern const OpDef kShapeOp{
    .code = 77, .name = "SHAPE", .lower = lower_shape, .shape_only = true, .kernels = {&kShape}};
extern const OpDef kBroadcastArgsOp{.code = 145,
                                    .name = "BROADCAST_ARGS",
                                    .lower = lower_broadcast_args,
                                    .kernels = {&kBroadcastArgs}};

}  // namespace microflow
