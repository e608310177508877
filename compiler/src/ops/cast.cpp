// CAST (runtime kernels/cast.h): the element type pairs TFLM's cast.cc converts.
#include "kernels/index.h"
#include "ops/index_util.h"

namespace microflow {
namespace {

KernelCall lower_cast(const Graph& g, const Operator& op) {
  const Tensor& in = op_input(g, op, 0, "input");
  const Tensor& out = op_output(g, op);
  expect_type(g, op, in, "input",
              {DType::Bool, DType::Int8, DType::Int16, DType::Int32, DType::UInt32, DType::Float32},
              "TFLM's CAST reads bool, int8, int16, int32, uint32 and float32");
  expect_type(g, op, out, "output", {DType::Int8, DType::Int16, DType::Int32, DType::UInt32, DType::Float32},
              "TFLM's CAST writes int8, int16, int32, uint32 and float32");
  if (out.elements() != in.elements())
    fail(g, op, describe(g, out.id, "output") + ": shape " + out.shape_string() + " holds " +
                    std::to_string(out.elements()) + " elements, the input " + in.shape_string() + " " +
                    std::to_string(in.elements()));
  CastParams p;
  p.count = out.elements();
  KernelCall k = make_call(op, kCast, CastParams{});
  p.input_in_flash = add_operand_arg(k, in, "Input");
  add_output_arg(k, out);
  k.params = p;
  return k;
}

}  // namespace

extern const OpDef kCastOp{.code = 53, .name = "CAST", .lower = lower_cast, .kernels = {&kCast}};

}  // namespace microflow
